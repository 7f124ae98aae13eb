/*
 * The SIP media application's handler (_HANDLER=SmaOnDemandRecording):
 * an invocation event in, {"SchemaVersion":"1.0","Actions":[...]} out
 * (chime/sma.h decides), and the call records table kept as the seed kept
 * it (../shared/SIBLINGS.md §4.3): item callID = CallDetails.TransactionId;
 * when the bridge succeeds SET direction, caller, callee, startTime (epoch
 * seconds with a fraction, as text); at the final hangup SET endTime.
 *
 * The SIP media application waits a few seconds for the answer and ends
 * the call when it does not come, so DynamoDB gets at most 1 s (two
 * attempts inside it) and never changes or delays the actions beyond that:
 * its errors are logged and the actions go out as decided.
 *
 * Environment: WAV_BUCKET (prompts), RECORDING_BUCKET (recordings),
 * SOURCE_PHONE (the owner's number), all required; CALL_RECORDS_TABLE
 * (optional: no table, no records).
 *
 * Metric lines (common/metrics.h; README "Metrics and alarms"), only on
 * the events they count: RecordingsRequested (the answer starts the call's
 * recording), ActionFailures with Action (ACTION_FAILED: which of our
 * actions the service could not carry out), InvalidResponses
 * (INVALID_LAMBDA_RESPONSE: the service refused an answer of ours),
 * CallRecordFailures (the call records table was not updated).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "chime/sma.h"
#include "common/clock.h"
#include "common/log.h"
#include "common/metrics.h"
#include "handler/env_config.h"
#include "handler/handler.h"
#include "services/dynamodb_client.h"

#define DDB_BUDGET_MS 1000
#define DDB_ATTEMPTS 2
#define ENV_MAX 255

struct sma_handler {
    char wav_bucket[ENV_MAX + 1], recording_bucket[ENV_MAX + 1], source_phone[ENV_MAX + 1];
    char table[ENV_MAX + 1];
    struct sma_config cfg;
    struct dynamodb_client *ddb; /* NULL without a table */
};

/* The seed's call record update: UpdateItem on callID. Returns non-zero
 * when it was due and failed (logged). */
static int update_call_record(struct sma_handler *h, const struct sma_decision *d, int64_t deadline_ms)
{
    if (!h->ddb || d->update == SMA_UPDATE_NONE || !d->transaction_id[0])
        return 0;
    int64_t now = rec_clock_now_ms();
    char seconds[32];
    snprintf(seconds, sizeof(seconds), "%lld.%03lld", (long long)(now / 1000), (long long)(now % 1000));
    struct dynamodb_update u;
    dynamodb_update_init(&u);
    if (d->update == SMA_UPDATE_ANSWERED) {
        dynamodb_update_set_s(&u, "direction", d->direction, 0);
        dynamodb_update_set_s(&u, "caller", d->caller, 0);
        dynamodb_update_set_s(&u, "callee", d->callee, 0);
        dynamodb_update_set_s(&u, "startTime", seconds, 0);
    } else {
        dynamodb_update_set_s(&u, "endTime", seconds, 0);
    }
    struct rec_error err;
    rec_error_clear(&err);
    cJSON *req = cJSON_CreateObject();
    cJSON *key = req ? cJSON_AddObjectToObject(req, "Key") : NULL;
    int rc = !key || !cJSON_AddStringToObject(req, "TableName", h->table) ||
                     dynamodb_add_s(key, "callID", d->transaction_id)
                 ? REC_ERR_NOMEM
                 : dynamodb_update_to_request(&u, req);
    if (rc)
        rec_error_set(&err, rc, 0, "UpdateItem: %s", rec_strerror(rc));
    else
        dynamodb_call(h->ddb, "UpdateItem", req, deadline_ms, DDB_ATTEMPTS, NULL, &err);
    int failed = rec_error_is_set(&err);
    if (failed)
        rec_log(REC_LOG_ERROR, "the call record was not updated; the actions go out unchanged",
                LOG_STR("transactionId", d->transaction_id), LOG_STR("reason", err.message));
    cJSON_Delete(req);
    dynamodb_update_clean_up(&u);
    return failed;
}

/* The event's metric line; most events count nothing and write none. */
static void emit_metrics(const struct sma_decision *d, int record_failed)
{
    struct rec_metrics m;
    rec_metrics_begin(&m, sma_on_demand_recording_handler.name);
    rec_metrics_property(&m, "transactionId", d->transaction_id);
    if (d->update == SMA_UPDATE_ANSWERED)
        rec_metrics_count(&m, "RecordingsRequested", 1);
    if (d->failed_action) {
        rec_metrics_dimension(&m, "Action", d->failed_action);
        rec_metrics_count(&m, "ActionFailures", 1);
    }
    if (strcmp(d->event_type, "INVALID_LAMBDA_RESPONSE") == 0)
        rec_metrics_count(&m, "InvalidResponses", 1);
    if (record_failed)
        rec_metrics_count(&m, "CallRecordFailures", 1);
    rec_metrics_emit(&m);
}

static int sma_invoke(void *state, const struct handler_context *ctx, const char *event,
                      size_t event_len, struct handler_result *result)
{
    struct sma_handler *h = state;
    cJSON *doc = cJSON_ParseWithLength(event, event_len);
    struct sma_decision d;
    char *text = NULL;
    int rc = sma_decide(&h->cfg, doc, &d);
    if (rc)
        goto cleanup;
    int64_t budget = rec_clock_now_ms() + DDB_BUDGET_MS;
    /* Never past the invocation's own end, with room to answer. */
    if (ctx->deadline_ms && ctx->deadline_ms - 200 < budget)
        budget = ctx->deadline_ms - 200;
    emit_metrics(&d, update_call_record(h, &d, budget));
    rec_log(d.note[0] ? REC_LOG_WARN : REC_LOG_INFO, "SIP media application event answered",
            LOG_STR("event", d.event_type), LOG_STR("transactionId", d.transaction_id),
            LOG_STR("direction", d.direction),
            LOG_INT("actions", cJSON_GetArraySize(cJSON_GetObjectItem(d.response, "Actions"))),
            LOG_STR("note", d.note[0] ? d.note : NULL));
    rc = REC_ERR_NOMEM;
    if (!(text = cJSON_PrintUnformatted(d.response)))
        goto cleanup;
    rc = rec_buf_append_str(&result->response, text);
cleanup:
    if (rc)
        rc = handler_fail(result, rc, "OutOfMemory", "out of memory");
    cJSON_free(text);
    sma_decision_clean_up(&d);
    cJSON_Delete(doc);
    return rc;
}

static void sma_destroy(void *state)
{
    struct sma_handler *h = state;
    if (!h)
        return;
    dynamodb_client_destroy(h->ddb);
    free(h);
}

static int sma_init(void **state, char *reason, size_t reason_len)
{
    struct rec_error err;
    rec_error_clear(&err);
    struct sma_handler *h = calloc(1, sizeof(*h));
    if (!h)
        return REC_ERR_NOMEM;
    int rc = 0;
    REC_TRY(env_text("WAV_BUCKET", "", 1, h->wav_bucket, sizeof(h->wav_bucket), &err));
    REC_TRY(env_text("RECORDING_BUCKET", "", 1, h->recording_bucket, sizeof(h->recording_bucket), &err));
    REC_TRY(env_text("SOURCE_PHONE", "", 1, h->source_phone, sizeof(h->source_phone), &err));
    REC_TRY(env_text("CALL_RECORDS_TABLE", "", 0, h->table, sizeof(h->table), &err));
    if (h->table[0] && (rc = dynamodb_client_new(&h->ddb, NULL)) != 0)
        rec_error_set(&err, rc, 0, "DynamoDB client: %s (" ENV_CLIENT_HINT ")", rec_strerror(rc));
cleanup:
    if (rc) {
        snprintf(reason, reason_len, "%s", err.message);
        sma_destroy(h);
        return rc;
    }
    h->cfg = (struct sma_config){ h->wav_bucket, h->recording_bucket, h->source_phone };
    *state = h;
    return 0;
}

const struct handler_def sma_on_demand_recording_handler = {
    .name = "SmaOnDemandRecording",
    .init = sma_init,
    .invoke = sma_invoke,
    .destroy = sma_destroy,
};

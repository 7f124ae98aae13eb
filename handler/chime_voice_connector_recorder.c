/*
 * The Voice Connector call recorder (_HANDLER=ChimeVoiceConnectorRecorder):
 * "Chime VoiceConnector Streaming Status" events in (EventBridge, or
 * wrapped in SQS or SNS records: chime/vc_event.h), each call recorded once
 * both its legs have ended (chime/call_table.h pairs and claims,
 * handler/chime_call_recording.h records).
 *
 * Lambda glue only. The response is a JSON summary: for one event
 * {"status": recorded | waiting_for_other_leg | in_progress |
 * already_recorded | stored | ignored | failed, "callId", "keys", ...};
 * for a batch of wrapped events {"status":"batch","results":[...]}. A
 * failure that may pass (DynamoDB, KVS or S3 throttling or 5xx, network,
 * time running out) releases the claim and makes the invocation fail, so
 * Lambda's asynchronous retries (or the queue) deliver the event again
 * ("Asynchronous invocation", AWS Lambda Developer Guide); what was
 * already recorded answers already_recorded then. A failure that never
 * will is logged at ERROR and answered "failed" or "ignored".
 *
 * Metric lines (common/metrics.h; README "Metrics and alarms"): per call
 * stored RecordingsStored, AudioSeconds, BytesUploaded and RecordingMs, as
 * the Connect handler's per recording; RecordingFailures with Class
 * (retriable / permanent, handler/outcome.h) per event whose outcome is
 * not "stored" (a call stored with a problem counts as both); per FAILED
 * streaming status StreamingFailures (the connector could not stream a
 * call: nothing of ours failed, but the call will not be recorded).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "chime/call_metadata.h"
#include "chime/call_table.h"
#include "chime/vc_event.h"
#include "common/clock.h"
#include "common/log.h"
#include "common/metrics.h"
#include "handler/chime_call_recording.h"
#include "handler/chime_vc_config.h"
#include "handler/env_config.h"
#include "handler/handler.h"
#include "handler/outcome.h"
#include "services/dynamodb_client.h"

/* How long past the invocation's deadline a claim is kept from others
 * (an invocation that died is then taken over). */
#define CLAIM_GRACE_MS 60000
#define CLAIM_LEASE_NO_DEADLINE_MS (16 * 60 * 1000)

struct chime_vc_handler {
    struct chime_vc_config cfg;
    struct stream_recording_clients clients;
    struct dynamodb_client *ddb;
    struct chime_table table;
    struct chime_call_recorder recorder;
};

/* One invocation: its results and whether anything must be retried. */
struct invocation {
    struct chime_vc_handler *h;
    const struct handler_context *ctx;
    cJSON *results;
    unsigned retriable;
    char retry_reason[256];
};

/* ---- results ------------------------------------------------------------------ */

static enum rec_outcome answer(cJSON *res, const char *status, const char *reason)
{
    cJSON_AddStringToObject(res, "status", status);
    if (reason)
        cJSON_AddStringToObject(res, "reason", reason);
    return REC_OUTCOME_STORED;
}

/* A failure: "failed" with its reason; its outcome says whether to retry. */
static enum rec_outcome failed(cJSON *res, const char *call_id, const char *what,
                               const struct rec_error *err)
{
    enum rec_outcome o = rec_outcome_of(err);
    rec_log(o == REC_OUTCOME_RETRIABLE ? REC_LOG_WARN : REC_LOG_ERROR,
            o == REC_OUTCOME_RETRIABLE ? "Voice Connector event failed; Lambda will retry it"
                                       : "Voice Connector event failed permanently",
            LOG_STR("callId", call_id), LOG_STR("step", what), LOG_STR("reason", err->message));
    answer(res, "failed", err->message);
    cJSON_AddBoolToObject(res, "retriable", o == REC_OUTCOME_RETRIABLE);
    return o;
}

static void add_keys(cJSON *res, const struct chime_call_outcome *out)
{
    cJSON *keys = cJSON_AddArrayToObject(res, "keys");
    const char *all[] = { out->wav_key, out->mono_keys[0], out->mono_keys[1], out->json_key };
    for (size_t i = 0; keys && i < sizeof(all) / sizeof(all[0]); i++)
        if (all[i][0])
            cJSON_AddItemToArray(keys, cJSON_CreateString(all[i]));
}

/* ---- metrics ------------------------------------------------------------------- */

/* One line counting metric once for the call, with Class when class_name
 * is set. */
static void emit_count(const char *call_id, const char *metric, const char *class_name)
{
    struct rec_metrics m;
    rec_metrics_begin(&m, chime_voice_connector_recorder_handler.name);
    if (class_name)
        rec_metrics_dimension(&m, "Class", class_name);
    rec_metrics_property(&m, "callId", call_id);
    rec_metrics_count(&m, metric, 1);
    rec_metrics_emit(&m);
}

/* The line of a call stored (the figures of the "call recorded" log line). */
static void emit_stored(const char *call_id, const struct chime_call_outcome *out, int64_t elapsed_ms)
{
    struct rec_metrics m;
    rec_metrics_begin(&m, chime_voice_connector_recorder_handler.name);
    rec_metrics_property(&m, "callId", call_id);
    rec_metrics_count(&m, "RecordingsStored", 1);
    rec_metrics_value(&m, "AudioSeconds", REC_METRIC_SECONDS, out->seconds);
    rec_metrics_value(&m, "BytesUploaded", REC_METRIC_BYTES, (double)out->bytes);
    rec_metrics_value(&m, "RecordingMs", REC_METRIC_MILLISECONDS, (double)elapsed_ms);
    rec_metrics_emit(&m);
}

/* ---- recording a call ------------------------------------------------------------ */

static int64_t lease_until(const struct invocation *inv)
{
    int64_t d = inv->ctx->deadline_ms;
    return d ? d + CLAIM_GRACE_MS : rec_clock_now_ms() + CLAIM_LEASE_NO_DEADLINE_MS;
}

static void log_recorded(const char *call_id, const struct chime_call_outcome *out,
                         const struct rec_error *err, int64_t elapsed_ms)
{
    int stored = out->wav_key[0] || out->mono_keys[0][0];
    rec_log(err->code ? REC_LOG_ERROR : REC_LOG_INFO,
            err->code ? (stored ? "call recording incomplete" : "call recording failed permanently")
                      : "call recorded",
            LOG_STR("callId", call_id), LOG_STR("wavKey", out->wav_key[0] ? out->wav_key : NULL),
            LOG_STR("jsonKey", out->json_key[0] ? out->json_key : NULL), LOG_INT("frames", out->frames),
            LOG_STR("channelAssignment", out->arbitrary ? "arbitrary" : "isCaller"),
            LOG_STR("reason", err->code ? err->message : NULL), LOG_INT("elapsedMs", elapsed_ms));
}

/* Records the claimed call and ends the claim. */
static enum rec_outcome record_claimed(struct invocation *inv, const char *call_id,
                                       const struct chime_leg *a, const struct chime_leg *b, cJSON *res)
{
    struct chime_vc_handler *h = inv->h;
    struct chime_call_outcome *out = malloc(sizeof(*out));
    struct rec_error err, end_err;
    rec_error_clear(&err);
    rec_error_clear(&end_err);
    int64_t t0 = rec_clock_now_ms();
    if (!out)
        rec_error_set(&err, REC_ERR_NOMEM, 1, "out of memory");
    else
        chime_call_record(&h->recorder, call_id, a, b, inv->ctx->deadline_ms, out, &err);
    enum rec_outcome o = rec_outcome_of(&err);
    int stored = out && (out->wav_key[0] || out->mono_keys[0][0]);
    int64_t elapsed_ms = rec_clock_now_ms() - t0;
    if (out && o != REC_OUTCOME_RETRIABLE)
        log_recorded(call_id, out, &err, elapsed_ms);
    if (stored)
        emit_stored(call_id, out, elapsed_ms);
    /* Released (failed) when nothing is stored: a later delivery may try again. */
    if (chime_table_end_claim(&h->table, call_id, inv->ctx->request_id, stored, out ? out->wav_key : NULL,
                              out ? out->json_key : NULL, err.code ? err.message : NULL,
                              rec_clock_now_ms(), inv->ctx->deadline_ms, &end_err))
        rec_log(REC_LOG_WARN, "the call's claim could not be ended", LOG_STR("callId", call_id),
                LOG_STR("reason", end_err.message));
    if (o == REC_OUTCOME_RETRIABLE || !stored)
        o = failed(res, call_id, "recording", &err);
    else
        answer(res, "recorded", err.code ? err.message : NULL);
    if (stored) {
        add_keys(res, out);
        cJSON_AddStringToObject(res, "channelAssignment", out->arbitrary ? "arbitrary" : "isCaller");
    }
    free(out);
    return o;
}

/* The claim was refused: someone else records it, or it is done. */
static enum rec_outcome claim_refused(struct invocation *inv, const char *call_id,
                                      struct chime_call *call, cJSON *res)
{
    struct rec_error err;
    rec_error_clear(&err);
    if (chime_table_read(&inv->h->table, call_id, inv->ctx->deadline_ms, call, &err))
        return failed(res, call_id, "reading the call", &err);
    return answer(res, call->claim == CHIME_CLAIM_DONE ? "already_recorded" : "in_progress", NULL);
}

/* Both legs ended: claim the call, record it. */
static enum rec_outcome claim_and_record(struct invocation *inv, const char *call_id,
                                         struct chime_call *call, cJSON *res)
{
    const struct chime_leg *a, *b;
    int64_t now = rec_clock_now_ms();
    if (!chime_call_ready(call, &a, &b))
        return answer(res, "waiting_for_other_leg", NULL);
    if (call->claim == CHIME_CLAIM_HELD && call->lease_until_ms > now)
        return answer(res, "in_progress", NULL);
    struct rec_error err;
    rec_error_clear(&err);
    int64_t d = inv->ctx->deadline_ms;
    if (d && d - now < inv->h->cfg.knobs.start_reserve_ms) {
        rec_error_set(&err, REC_ERR_TIMEOUT, 1, "too little time left to record the call (%lld ms)",
                      (long long)(d - now));
        return failed(res, call_id, "starting", &err);
    }
    int rc = chime_table_claim(&inv->h->table, call_id, inv->ctx->request_id, now, lease_until(inv),
                               d, &err);
    if (rc == REC_ERR_CONDITION)
        return claim_refused(inv, call_id, call, res);
    if (rc)
        return failed(res, call_id, "claiming the call", &err);
    if (call->ignored_legs)
        rec_log(REC_LOG_WARN, "the call has more legs than two; the first two ended are recorded",
                LOG_STR("callId", call_id), LOG_INT("ignoredLegs", call->ignored_legs));
    return record_claimed(inv, call_id, a, b, res);
}

static enum rec_outcome on_leg(struct invocation *inv, const struct chime_vc_event *e, cJSON *res)
{
    struct chime_vc_handler *h = inv->h;
    struct rec_error err;
    rec_error_clear(&err);
    int64_t d = inv->ctx->deadline_ms;
    if (chime_table_store_leg(&h->table, e, rec_clock_now_ms(), d, &err))
        return failed(res, e->call_id, "storing the leg", &err);
    rec_log(REC_LOG_INFO, e->status == CHIME_VC_ENDED ? "call leg ended" : "call leg started",
            LOG_STR("callId", e->call_id), LOG_STR("transactionId", e->transaction_id),
            LOG_STR("stream", e->stream_arn), LOG_STR("side", chime_side_name(e->side)),
            LOG_STR("startFragment", e->start_fragment),
            LOG_STR("endFragment", e->current_fragment[0] ? e->current_fragment : NULL));
    if (e->status == CHIME_VC_STARTED)
        return answer(res, "stored", NULL);
    struct chime_call *call = malloc(sizeof(*call));
    enum rec_outcome o;
    if (!call) {
        rec_error_set(&err, REC_ERR_NOMEM, 1, "out of memory");
        o = failed(res, e->call_id, "reading the call", &err);
    } else if (chime_table_read(&h->table, e->call_id, d, call, &err)) {
        o = failed(res, e->call_id, "reading the call", &err);
    } else if (call->claim == CHIME_CLAIM_DONE) {
        o = answer(res, "already_recorded", NULL);
    } else {
        o = claim_and_record(inv, e->call_id, call, res);
    }
    free(call);
    return o;
}

static enum rec_outcome on_failed_status(struct invocation *inv, const struct chime_vc_event *e,
                                         cJSON *res)
{
    struct rec_error err;
    rec_error_clear(&err);
    rec_log(REC_LOG_ERROR, "Voice Connector streaming failed", LOG_STR("callId", e->call_id),
            LOG_STR("transactionId", e->transaction_id), LOG_STR("failureReason", e->failure_reason),
            LOG_STR("failTime", e->fail_time.text));
    emit_count(e->call_id, "StreamingFailures", NULL);
    if (chime_table_store_failure(&inv->h->table, e, rec_clock_now_ms(), inv->ctx->deadline_ms, &err))
        return failed(res, e->call_id, "storing the failure", &err);
    return answer(res, "stored", NULL);
}

/* ---- one event --------------------------------------------------------------------- */

static enum rec_outcome not_streaming(const cJSON *event, cJSON *res)
{
    const cJSON *type = cJSON_GetObjectItemCaseSensitive(event, "detail-type");
    const char *t = cJSON_IsString(type) ? type->valuestring : NULL;
    rec_log(REC_LOG_INFO, "not a Voice Connector streaming status event; ignored", LOG_STR("detailType", t));
    return answer(res, "ignored", "not a Voice Connector streaming status event");
}

static enum rec_outcome handle_event(struct invocation *inv, const cJSON *event, cJSON *res)
{
    if (!event) {
        rec_log(REC_LOG_ERROR, "a wrapped record's body is not a JSON object; ignored");
        return answer(res, "ignored", "the record's body is not a JSON object");
    }
    if (!chime_is_vc_streaming_event(event))
        return not_streaming(event, res);
    struct chime_vc_event *e = malloc(sizeof(*e));
    struct rec_error err;
    rec_error_clear(&err);
    enum rec_outcome o = REC_OUTCOME_RETRIABLE;
    if (!e)
        return o;
    if (chime_vc_event_parse(event, e, &err)) {
        rec_log(REC_LOG_ERROR, "malformed Voice Connector streaming event; ignored",
                LOG_STR("reason", err.message));
        answer(res, "ignored", err.message);
        o = REC_OUTCOME_PERMANENT; /* a leg that will never be recorded */
    } else if (cJSON_AddStringToObject(res, "callId", e->call_id) &&
               cJSON_AddStringToObject(res, "streamingStatus", e->status_text) &&
               inv->h->cfg.voice_connector_id[0] &&
               strcmp(e->voice_connector_id, inv->h->cfg.voice_connector_id) != 0) {
        o = answer(res, "ignored", "another Voice Connector");
    } else if (!chime_call_id_ok(e->call_id)) {
        rec_log(REC_LOG_ERROR, "a callId that cannot name objects; ignored", LOG_STR("callId", e->call_id));
        answer(res, "ignored", "the callId cannot name S3 objects");
        o = REC_OUTCOME_PERMANENT;
    } else if (e->status == CHIME_VC_STARTED || e->status == CHIME_VC_ENDED) {
        o = on_leg(inv, e, res);
    } else if (e->status == CHIME_VC_FAILED) {
        o = on_failed_status(inv, e, res);
    } else {
        o = answer(res, "ignored", "a streaming status that is not recorded");
    }
    free(e);
    return o;
}

static int on_event(void *user, const cJSON *event, const char *id)
{
    struct invocation *inv = user;
    cJSON *res = cJSON_CreateObject();
    if (!res || !cJSON_AddItemToArray(inv->results, res)) {
        cJSON_Delete(res);
        return REC_ERR_NOMEM;
    }
    if (id && *id)
        cJSON_AddStringToObject(res, "messageId", id);
    enum rec_outcome o = handle_event(inv, event, res);
    if (o != REC_OUTCOME_STORED)
        emit_count(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(res, "callId")), "RecordingFailures",
                   rec_outcome_name(o));
    if (o == REC_OUTCOME_RETRIABLE) {
        const cJSON *reason = cJSON_GetObjectItemCaseSensitive(res, "reason");
        if (!inv->retriable++)
            snprintf(inv->retry_reason, sizeof(inv->retry_reason), "%s",
                     cJSON_IsString(reason) ? reason->valuestring : "out of memory");
    }
    return 0;
}

/* ---- the handler interface ------------------------------------------------------- */

static void chime_vc_destroy(void *state)
{
    struct chime_vc_handler *h = state;
    if (!h)
        return;
    stream_recording_clients_destroy(&h->clients);
    dynamodb_client_destroy(h->ddb);
    free(h);
}

static int create_clients(struct chime_vc_handler *h, struct rec_error *err)
{
    int rc = stream_recording_clients_new(&h->clients, err);
    if (!rc && (rc = dynamodb_client_new(&h->ddb, NULL)) != 0)
        rec_error_set(err, rc, 0, "DynamoDB client: %s (" ENV_CLIENT_HINT ")", rec_strerror(rc));
    return rc;
}

static int chime_vc_init(void **state, char *reason, size_t reason_len)
{
    struct rec_error err;
    rec_error_clear(&err);
    struct chime_vc_handler *h = calloc(1, sizeof(*h));
    if (!h)
        return REC_ERR_NOMEM;
    int rc = chime_vc_config_from_env(&h->cfg, &err);
    if (!rc)
        rc = create_clients(h, &err);
    if (rc) {
        snprintf(reason, reason_len, "%s", err.message);
        chime_vc_destroy(h);
        return rc;
    }
    const char *pipeline = getenv("MEDIA_INSIGHT_PIPELINE_ARN");
    if (pipeline && *pipeline)
        rec_log(REC_LOG_WARN, "MEDIA_INSIGHT_PIPELINE_ARN is set but not used: the legs are read from "
                "Kinesis Video Streams directly");
    h->table = (struct chime_table){ .ddb = h->ddb, .name = h->cfg.table, .ttl_seconds = h->cfg.ttl_seconds };
    h->recorder = (struct chime_call_recorder){ .cfg = &h->cfg, .clients = &h->clients };
    *state = h;
    return 0;
}

static int chime_vc_invoke(void *state, const struct handler_context *ctx, const char *event,
                           size_t event_len, struct handler_result *result)
{
    struct invocation inv = { .h = state, .ctx = ctx, .results = cJSON_CreateArray() };
    cJSON *doc = cJSON_ParseWithLength(event, event_len);
    cJSON *out = NULL;
    char *text = NULL;
    int rc = REC_ERR_NOMEM;
    if (!inv.results)
        goto cleanup;
    if (!doc) {
        rec_log(REC_LOG_ERROR, "the event is not JSON; ignored");
        out = cJSON_CreateObject();
        if (out)
            answer(out, "ignored", "the event is not JSON");
    } else if (chime_for_each_event(doc, on_event, &inv) == 0) {
        int one = cJSON_GetArraySize(inv.results) == 1;
        out = one ? cJSON_DetachItemFromArray(inv.results, 0) : cJSON_CreateObject();
        if (out && !one) {
            answer(out, "batch", NULL);
            cJSON_AddItemToObject(out, "results", inv.results);
            inv.results = NULL;
        }
    }
    if (inv.retriable) {
        rc = handler_fail(result, REC_ERR_AWS, "RetriableFailure", "%u event(s) must be retried: %s",
                          inv.retriable, inv.retry_reason);
        goto cleanup;
    }
    if (!out || !(text = cJSON_PrintUnformatted(out)))
        goto cleanup;
    rc = rec_buf_append_str(&result->response, text);
    if (rc)
        rc = handler_fail(result, rc, "ResponseTooLarge", "the response does not fit");
cleanup:
    if (rc == REC_ERR_NOMEM)
        rc = handler_fail(result, rc, "OutOfMemory", "out of memory");
    cJSON_free(text);
    cJSON_Delete(out);
    cJSON_Delete(inv.results);
    cJSON_Delete(doc);
    return rc;
}

const struct handler_def chime_voice_connector_recorder_handler = {
    .name = "ChimeVoiceConnectorRecorder",
    .init = chime_vc_init,
    .invoke = chime_vc_invoke,
    .destroy = chime_vc_destroy,
};

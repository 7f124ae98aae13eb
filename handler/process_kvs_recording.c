/*
 * The recording handler (_HANDLER=ProcessKvsRecording, also "bootstrap", the
 * value SAM sets): a Kinesis batch of contact trace records in, recordings
 * in S3 and their URLs on the contacts out (handler/contact_recording.h).
 *
 * Lambda glue only: the batch, the filter, and batch item failures ("Using
 * Lambda with Kinesis Data Streams", AWS Lambda Developer Guide:
 * {"batchItemFailures":[{"itemIdentifier":"<sequenceNumber>"}]}) for the
 * records whose outcome is retriable (handler/outcome.h).
 *
 * Metric lines (common/metrics.h), besides the recordings' own
 * (handler/contact_recording.h): RecordingFailures (Count) per record that
 * failed, with its outcome as the Class dimension (retriable or permanent);
 * BatchItemFailures and BatchRecords (Count) per invocation.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "common/clock.h"
#include "common/error.h"
#include "common/log.h"
#include "common/metrics.h"
#include "connect/ctr.h"
#include "handler/contact_recording.h"
#include "handler/env_config.h"
#include "handler/handler.h"
#include "handler/kinesis_record.h"
#include "handler/kvs_recording_config.h"
#include "handler/outcome.h"

/* The handler's process-wide state: configuration and clients (kept warm
 * across invocations, with the KVS data endpoints they learnt). */
struct kvs_recording_handler {
    struct kvs_recording_config cfg;
    struct stream_recording_clients clients;
    struct connect_client *connect;
    struct contact_recorder contacts;
};

/* One RecordingFailures line for a record that failed (retriable or permanent). */
static void emit_failure(const char *contact_id, enum rec_outcome o)
{
    struct rec_metrics m;
    rec_metrics_begin(&m, process_kvs_recording_handler.name);
    rec_metrics_dimension(&m, "Class", rec_outcome_name(o));
    rec_metrics_property(&m, "contactId", contact_id);
    rec_metrics_count(&m, "RecordingFailures", 1);
    rec_metrics_emit(&m);
}

/* Decodes and filters one Kinesis record; records its contact if asked to. */
static enum rec_outcome process_record(struct kvs_recording_handler *h, const cJSON *record,
                                       int64_t deadline_ms)
{
    struct rec_error err;
    rec_error_clear(&err);
    char *text = NULL;
    size_t len = 0;
    enum rec_outcome result = REC_OUTCOME_PERMANENT;
    struct ctr *ctr = calloc(1, sizeof(*ctr)); /* contact_id "" until parsed */
    if (!ctr) {
        result = REC_OUTCOME_RETRIABLE;
        goto cleanup;
    }
    if (kinesis_record_payload(record, &text, &len, &err)) {
        rec_log(REC_LOG_ERROR, "skipping a malformed Kinesis record", LOG_STR("reason", err.message),
                LOG_STR("sequenceNumber", kinesis_record_sequence(record)));
        result = rec_outcome_of(&err);
        goto cleanup;
    }
    if (ctr_parse(text, len, ctr, &err)) {
        rec_log(REC_LOG_ERROR, "skipping a contact trace record", LOG_STR("reason", err.message),
                LOG_STR("contactId", ctr->contact_id[0] ? ctr->contact_id : NULL),
                LOG_STR("sequenceNumber", kinesis_record_sequence(record)));
        goto cleanup;
    }
    if (!ctr_wants_recording(ctr)) {
        rec_log(REC_LOG_INFO, "contact not recorded", LOG_STR("contactId", ctr->contact_id),
                LOG_STR("reason", ctr_not_recorded_reason(ctr)));
        result = REC_OUTCOME_STORED;
        goto cleanup;
    }
    result = contact_recording_run(&h->contacts, ctr, deadline_ms);
cleanup:
    if (result != REC_OUTCOME_STORED)
        emit_failure(ctr && ctr->contact_id[0] ? ctr->contact_id : NULL, result);
    free(ctr);
    free(text);
    return result;
}

/* ---- the handler interface ------------------------------------------------ */

static void kvs_recording_destroy(void *state)
{
    struct kvs_recording_handler *h = state;
    if (!h)
        return;
    stream_recording_clients_destroy(&h->clients);
    connect_client_destroy(h->connect);
    free(h);
}

/* Creates the clients; on failure names the one that failed in err. */
static int create_clients(struct kvs_recording_handler *h, struct rec_error *err)
{
    int rc = stream_recording_clients_new(&h->clients, err);
    if (!rc && (rc = connect_client_new(&h->connect, NULL)) != 0)
        rec_error_set(err, rc, 0, "Connect client: %s (" ENV_CLIENT_HINT ")", rec_strerror(rc));
    return rc;
}

static int kvs_recording_init(void **state, char *reason, size_t reason_len)
{
    struct rec_error err;
    rec_error_clear(&err);
    struct kvs_recording_handler *h = calloc(1, sizeof(*h));
    if (!h)
        return REC_ERR_NOMEM;
    int rc = kvs_recording_config_from_env(&h->cfg, &err);
    if (!rc)
        rc = create_clients(h, &err);
    if (rc) {
        snprintf(reason, reason_len, "%s", err.message);
        kvs_recording_destroy(h);
        return rc;
    }
    h->contacts = (struct contact_recorder){ .cfg = &h->cfg, .clients = &h->clients, .connect = h->connect,
                                             .handler_name = process_kvs_recording_handler.name };
    *state = h;
    return 0;
}

/* Adds a batch item failure for record; 0 or REC_ERR_NOMEM. */
static int report_failure(cJSON *failures, const cJSON *record)
{
    const char *seq = kinesis_record_sequence(record);
    if (!seq) {
        rec_log(REC_LOG_ERROR, "a failed record has no sequenceNumber to report");
        return 0;
    }
    cJSON *item = cJSON_CreateObject();
    if (!item || !cJSON_AddStringToObject(item, "itemIdentifier", seq)) {
        cJSON_Delete(item);
        return REC_ERR_NOMEM;
    }
    cJSON_AddItemToArray(failures, item);
    return 0;
}

static int kvs_recording_invoke(void *state, const struct handler_context *ctx, const char *event,
                                size_t event_len, struct handler_result *result)
{
    struct kvs_recording_handler *h = state;
    int rc = REC_ERR_NOMEM;
    char *text = NULL;
    cJSON *out = cJSON_CreateObject();
    cJSON *failures = out ? cJSON_AddArrayToObject(out, "batchItemFailures") : NULL;
    cJSON *doc = cJSON_ParseWithLength(event, event_len);
    if (!failures)
        goto cleanup;
    const cJSON *records = cJSON_GetObjectItemCaseSensitive(doc, "Records");
    if (!cJSON_IsArray(records)) /* nothing Lambda could retry helps: say so, move on */
        rec_log(REC_LOG_ERROR, "the event has no Records list; nothing to do");
    unsigned n = 0, failed = 0;
    const cJSON *record;
    cJSON_ArrayForEach(record, records)
    {
        n++;
        enum rec_outcome o = REC_OUTCOME_RETRIABLE; /* not started: too little time left */
        if (!ctx->deadline_ms || ctx->deadline_ms - rec_clock_now_ms() >= h->cfg.knobs.start_reserve_ms)
            o = process_record(h, record, ctx->deadline_ms);
        if (o == REC_OUTCOME_RETRIABLE) {
            failed++;
            if (report_failure(failures, record))
                goto cleanup;
        }
    }
    rec_log(REC_LOG_INFO, "batch done", LOG_INT("records", n), LOG_INT("batchItemFailures", failed));
    struct rec_metrics m;
    rec_metrics_begin(&m, process_kvs_recording_handler.name);
    rec_metrics_count(&m, "BatchItemFailures", failed);
    rec_metrics_count(&m, "BatchRecords", n);
    rec_metrics_emit(&m);
    if (!(text = cJSON_PrintUnformatted(out)))
        goto cleanup;
    rc = rec_buf_append_str(&result->response, text);
    if (rc)
        rc = handler_fail(result, rc, "ResponseTooLarge", "the batch response does not fit");
cleanup:
    if (rc == REC_ERR_NOMEM)
        rc = handler_fail(result, rc, "OutOfMemory", "out of memory");
    cJSON_free(text);
    cJSON_Delete(doc);
    cJSON_Delete(out);
    return rc;
}

const struct handler_def process_kvs_recording_handler = {
    .name = "ProcessKvsRecording",
    .init = kvs_recording_init,
    .invoke = kvs_recording_invoke,
    .destroy = kvs_recording_destroy,
};

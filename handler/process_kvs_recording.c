/*
 * The recording handler (_HANDLER=ProcessKvsRecording, also "bootstrap", the
 * value SAM sets): a Kinesis batch of contact trace records in, WAV
 * recordings in S3 and their URLs on the contacts out.
 *
 * The original's contract (../shared/REFERENCE.md §1) with its bugs fixed:
 * failures are reported per record as batch item failures
 * ("Using Lambda with Kinesis Data Streams", AWS Lambda Developer Guide:
 * {"batchItemFailures":[{"itemIdentifier":"<sequenceNumber>"}]}) when a
 * retry may succeed, and logged at ERROR when it never will; several KVS
 * recordings of one CTR get their own objects; tracks are aligned by block
 * time (kvs/recording.h); nothing after the stop fragment is used.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "common/buf.h"
#include "common/bytes.h"
#include "common/clock.h"
#include "common/error.h"
#include "common/log.h"
#include "connect/ctr.h"
#include "connect/object_names.h"
#include "handler/handler.h"
#include "handler/kinesis_record.h"
#include "handler/recorder_config.h"
#include "kvs/endpoint_cache.h"
#include "kvs/media_session.h"
#include "kvs/recording.h"
#include "s3/upload_sink.h"
#include "services/connect_client.h"

enum outcome { OUTCOME_OK = 0, OUTCOME_RETRY, OUTCOME_PERMANENT };

struct recorder {
    struct recorder_config cfg;
    struct kvs_client *kvs;
    struct kvs_endpoint_cache *endpoints; /* for the process lifetime */
    struct rec_s3_client *s3;
    struct connect_client *connect;
};

/* Everything about one KVS recording being written. */
struct recording_job {
    struct recorder *rec;
    const struct ctr *ctr;
    const struct ctr_recording *entry;
    unsigned index;          /* 1-based among the CTR's KVS recordings */
    int64_t deadline_ms;
    int64_t abort_at_ms;     /* stop reading and discard after this */
    struct recording *recording;
    char keys[RECORDING_OUTPUTS][CONNECT_OBJECT_KEY_MAX + 1];
    struct s3_upload_status upload[RECORDING_OUTPUTS];
    int opened[RECORDING_OUTPUTS]; /* an S3 upload was opened for this output */
};

/* ---- a sink for outputs recordingAuth does not ask for ------------------ */

static int discard_write(void *impl, uint64_t pos, const void *bytes, size_t len)
{
    (void)impl, (void)pos, (void)bytes, (void)len;
    return 0;
}

static int discard_seek(void *impl, uint64_t offset)
{
    (void)impl, (void)offset;
    return 0;
}

static int discard_close(void *impl, int commit)
{
    (void)impl, (void)commit;
    return 0;
}

static const struct byte_sink_ops discard_ops = { discard_write, discard_seek, discard_close };

static int wanted(int recording_auth, enum recording_output which)
{
    switch (which) {
    case RECORDING_FROM_CUSTOMER: return recording_auth & 1;
    case RECORDING_TO_CUSTOMER: return recording_auth & 2;
    default: return recording_auth == 3;
    }
}

static int open_sink(void *user, enum recording_output which, uint32_t rate, unsigned channels,
                     struct byte_sink *out)
{
    (void)rate, (void)channels;
    struct recording_job *job = user;
    if (!wanted(job->ctr->recording_auth, which)) {
        *out = (struct byte_sink){ .ops = &discard_ops };
        return 0;
    }
    const struct recorder_config *cfg = &job->rec->cfg;
    int rc = object_key(cfg->key_prefix, job->ctr->year, job->ctr->month, job->ctr->day,
                        job->ctr->contact_id, (enum connect_audio)which, job->index, job->keys[which],
                        sizeof(job->keys[which]));
    if (rc)
        return rc;
    struct s3_upload_config up = {
        .s3 = job->rec->s3,
        .bucket = cfg->bucket,
        .key = job->keys[which],
        .content_type = "audio/wav",
        .contact_id = job->ctr->contact_id,
        .sse = cfg->kms_key_id[0] ? "aws:kms" : "AES256",
        .kms_key_id = cfg->kms_key_id[0] ? cfg->kms_key_id : NULL,
        .acl = cfg->object_acl[0] ? cfg->object_acl : NULL,
        .part_size = cfg->part_bytes,
        .deadline_ms = job->deadline_ms,
    };
    rc = s3_upload_sink_open(&up, &job->upload[which], out);
    if (!rc)
        job->opened[which] = 1;
    return rc;
}

/* ---- the recorder as the media session's sink ---------------------------- */

static int sink_push(void *user, const uint8_t *bytes, size_t len, struct rec_error *err)
{
    struct recording_job *job = user;
    int rc = recording_push(job->recording, bytes, len);
    if (rc == MKV_STOP)
        return MEDIA_SINK_DONE;
    if (rc < 0) {
        rec_error_set(err, rc, 0, "%s", recording_error(job->recording));
        return rc;
    }
    return 0;
}

static int sink_restart(void *user, struct rec_error *err)
{
    struct recording_job *job = user;
    int rc = recording_restart_input(job->recording);
    if (rc)
        rec_error_set(err, rc, 0, "%s", recording_error(job->recording));
    return rc;
}

static void sink_resume_point(void *user, struct kvs_resume_point *out)
{
    struct recording_job *job = user;
    struct recording_stats st;
    recording_get_stats(job->recording, &st);
    memset(out, 0, sizeof(*out));
    /* both fit: the recorder's fields are the resume point's sizes */
    rec_str_copy(out->continuation_token, sizeof(out->continuation_token), st.continuation_token);
    rec_str_copy(out->last_fragment, sizeof(out->last_fragment), st.last_fragment_seen);
    out->fragments_seen = st.fragments_used + st.fragments_skipped;
}

/* Streams the stream's media into job->recording until the recording is
 * complete, the stream idles at its live edge, or something fails. */
static enum outcome read_media(struct recording_job *job, char *why, size_t why_len)
{
    const struct recorder_config *cfg = &job->rec->cfg;
    int by_fragment = cfg->start_by_fragment && job->entry->start_fragment[0];
    struct media_session_config session = {
        .kvs = job->rec->kvs,
        .endpoints = job->rec->endpoints,
        .stream_arn = job->entry->stream_arn,
        .start_selector = by_fragment ? "FRAGMENT_NUMBER" : "NOW",
        .start_fragment = by_fragment ? job->entry->start_fragment : NULL,
        .idle_ms = cfg->idle_ms,
        .max_calls = cfg->max_get_media_calls,
        .deadline_ms = job->deadline_ms ? job->abort_at_ms : 0,
        .log_name = "contactId",
        .log_value = job->ctr->contact_id,
    };
    struct media_sink sink = { .user = job, .push = sink_push, .restart = sink_restart,
                               .resume_point = sink_resume_point };
    struct media_session_result res;
    struct rec_error err;
    rec_error_clear(&err);
    if (media_session_read(&session, &sink, &res, &err) == 0)
        return OUTCOME_OK;
    snprintf(why, why_len, "%s", err.message);
    return err.retriable ? OUTCOME_RETRY : OUTCOME_PERMANENT;
}

static double seconds(const struct recording_track_stats *t)
{
    return t->rate ? (double)t->samples / t->rate : 0.0;
}

/* Records one KVS recording of the CTR. keys_out[which] is set for every
 * object committed. */
static enum outcome record_one(struct recorder *rec, const struct ctr *ctr, unsigned index,
                               int64_t deadline_ms, char (*keys_out)[CONNECT_OBJECT_KEY_MAX + 1])
{
    const struct ctr_recording *entry = &ctr->recordings[index - 1];
    int64_t t0 = rec_clock_now_ms();
    struct recording_job *job = calloc(1, sizeof(*job));
    if (!job)
        return OUTCOME_RETRY;
    job->rec = rec;
    job->ctr = ctr;
    job->entry = entry;
    job->index = index;
    job->deadline_ms = deadline_ms;
    job->abort_at_ms = deadline_ms ? deadline_ms - rec->cfg.finish_reserve_ms : INT64_MAX;
    char why[768] = "";
    enum outcome result = OUTCOME_RETRY;
    struct recording_config rc_cfg = {
        .contact_id = ctr->contact_id,
        .start_fragment = entry->start_fragment,
        .stop_fragment = entry->stop_fragment,
        .sinks = { .user = job, .open = open_sink },
    };
    int rc = recording_new(&rc_cfg, &job->recording);
    if (rc) {
        snprintf(why, sizeof(why), "bad recording entry: %s", rec_strerror(rc));
        result = OUTCOME_PERMANENT;
        goto cleanup;
    }
    result = read_media(job, why, sizeof(why));
    if (result == OUTCOME_RETRY) {
        /* Discard: destroying without finish aborts every upload, so no
         * partial object or open multipart upload is left. */
        goto cleanup;
    }
    /* OK, or a permanent media fault: keep every complete block read. */
    rc = recording_finish(job->recording);
    int upload_failed = 0, upload_retriable = 0;
    for (int w = 0; w < RECORDING_OUTPUTS; w++) {
        if (!job->opened[w])
            continue;
        if (job->upload[w].committed) {
            snprintf(keys_out[w], CONNECT_OBJECT_KEY_MAX + 1, "%s", job->keys[w]);
        } else if (rec_error_is_set(&job->upload[w].err)) {
            upload_failed = 1;
            upload_retriable |= job->upload[w].err.retriable;
            snprintf(why, sizeof(why), "%s", job->upload[w].err.message);
        }
    }
    if (upload_failed) {
        result = upload_retriable ? OUTCOME_RETRY : OUTCOME_PERMANENT;
    } else if (rc && rc != REC_ERR_TRUNCATED && rc != REC_ERR_UNSUPPORTED && result == OUTCOME_OK) {
        snprintf(why, sizeof(why), "finishing the recording: %s", recording_error(job->recording));
        result = OUTCOME_PERMANENT;
    }
    struct recording_stats st;
    recording_get_stats(job->recording, &st);
    uint64_t bytes = 0;
    for (int w = 0; w < RECORDING_OUTPUTS; w++)
        bytes += job->upload[w].committed ? job->upload[w].bytes : 0;
    rec_log(result == OUTCOME_OK ? REC_LOG_INFO : REC_LOG_ERROR,
            result == OUTCOME_OK ? "recording stored" : "recording incomplete",
            LOG_STR("contactId", ctr->contact_id), LOG_STR("stream", entry->stream_arn),
            LOG_INT("recording", index), LOG_INT("fragmentsUsed", st.fragments_used),
            LOG_INT("fragmentsSkipped", st.fragments_skipped),
            LOG_STR("firstFragment", st.first_fragment), LOG_STR("lastFragment", st.last_fragment),
            LOG_STR("doneReason", st.done_reason), LOG_DBL("fromCustomerSeconds", seconds(&st.track[0])),
            LOG_DBL("toCustomerSeconds", seconds(&st.track[1])), LOG_INT("bytesUploaded", bytes),
            LOG_STR("keyFromCustomer", keys_out[0][0] ? keys_out[0] : NULL),
            LOG_STR("keyToCustomer", keys_out[1][0] ? keys_out[1] : NULL),
            LOG_STR("keyMixed", keys_out[2][0] ? keys_out[2] : NULL),
            LOG_STR("reason", why[0] ? why : NULL), LOG_INT("elapsedMs", rec_clock_now_ms() - t0));
    why[0] = '\0'; /* logged */
cleanup:
    if (why[0])
        rec_log(result == OUTCOME_RETRY ? REC_LOG_WARN : REC_LOG_ERROR,
                result == OUTCOME_RETRY ? "recording failed; Lambda will retry the record"
                                        : "recording failed permanently",
                LOG_STR("contactId", ctr->contact_id), LOG_STR("stream", entry->stream_arn),
                LOG_INT("recording", index), LOG_STR("reason", why),
                LOG_INT("elapsedMs", rec_clock_now_ms() - t0));
    recording_destroy(job->recording);
    free(job);
    return result;
}

/* ---- one contact trace record ----------------------------------------------- */

static enum outcome process_ctr(struct recorder *rec, const struct ctr *ctr, int64_t deadline_ms)
{
    enum outcome result = OUTCOME_OK;
    struct rec_buf urls[RECORDING_OUTPUTS];
    for (int w = 0; w < RECORDING_OUTPUTS; w++)
        rec_buf_init(&urls[w], CONNECT_ATTRIBUTES_MAX_BYTES);
    unsigned stored = 0;
    if (ctr->n_recordings == 0)
        rec_log(REC_LOG_WARN, "no KVS recording in the contact trace record", LOG_STR("contactId", ctr->contact_id));
    for (size_t i = 0; i < ctr->n_recordings; i++) {
        if (deadline_ms && deadline_ms - rec_clock_now_ms() < rec->cfg.start_reserve_ms) {
            rec_log(REC_LOG_WARN, "too little time left to start a recording; Lambda will retry the record",
                    LOG_STR("contactId", ctr->contact_id), LOG_INT("remainingMs", deadline_ms - rec_clock_now_ms()));
            result = OUTCOME_RETRY;
            goto cleanup;
        }
        char keys[RECORDING_OUTPUTS][CONNECT_OBJECT_KEY_MAX + 1] = { "", "", "" };
        enum outcome o = record_one(rec, ctr, (unsigned)i + 1, deadline_ms, keys);
        if (o == OUTCOME_RETRY) {
            result = OUTCOME_RETRY;
            goto cleanup;
        }
        for (int w = 0; w < RECORDING_OUTPUTS; w++) {
            if (keys[w][0]) {
                stored++;
                if (object_url_append(&urls[w], rec->cfg.cloudfront_domain, keys[w])) {
                    rec_log(REC_LOG_ERROR, "recording URLs exceed the contact attributes limit",
                            LOG_STR("contactId", ctr->contact_id));
                    result = OUTCOME_PERMANENT;
                    goto cleanup;
                }
            }
        }
        if (o == OUTCOME_PERMANENT)
            result = OUTCOME_PERMANENT;
    }
    if (stored == 0)
        goto cleanup;
    struct connect_attribute attrs[RECORDING_OUTPUTS];
    for (int w = 0; w < RECORDING_OUTPUTS; w++) {
        attrs[w].name = object_attribute_name((enum connect_audio)w);
        attrs[w].value = urls[w].data ? urls[w].data : "";
    }
    struct rec_aws_response resp;
    rec_aws_response_init(&resp);
    struct rec_error err;
    rec_error_clear(&err);
    int rc = connect_update_contact_attributes(rec->connect, ctr->instance_id, ctr->initial_contact_id,
                                               attrs, RECORDING_OUTPUTS, deadline_ms, &resp, &err);
    if (rc) {
        rec_log(err.retriable ? REC_LOG_WARN : REC_LOG_ERROR, "UpdateContactAttributes failed",
                LOG_STR("contactId", ctr->contact_id), LOG_INT("status", resp.status),
                LOG_STR("code", resp.error_code), LOG_STR("message", resp.error_message),
                LOG_STR("reason", err.message));
        result = err.retriable ? OUTCOME_RETRY : OUTCOME_PERMANENT;
    } else {
        rec_log(REC_LOG_INFO, "contact attributes stored", LOG_STR("contactId", ctr->contact_id),
                LOG_STR("initialContactId", ctr->initial_contact_id),
                LOG_STR("audioFromCustomer", attrs[0].value), LOG_STR("audioToCustomer", attrs[1].value),
                LOG_STR("audioMixed", attrs[2].value));
    }
    rec_aws_response_clean_up(&resp);
cleanup:
    for (int w = 0; w < RECORDING_OUTPUTS; w++)
        rec_buf_clean_up(&urls[w], 0);
    return result;
}

/* Decodes and filters one Kinesis record; records its contact if asked to. */
static enum outcome process_record(struct recorder *rec, const cJSON *record, int64_t deadline_ms)
{
    struct rec_error err;
    rec_error_clear(&err);
    char *text = NULL;
    size_t len = 0;
    enum outcome result = OUTCOME_PERMANENT;
    struct ctr *ctr = NULL;
    int rc = kinesis_record_payload(record, &text, &len, &err);
    if (rc) {
        rec_log(REC_LOG_ERROR, "skipping a malformed Kinesis record", LOG_STR("reason", err.message),
                LOG_STR("sequenceNumber", kinesis_record_sequence(record)));
        result = err.retriable ? OUTCOME_RETRY : OUTCOME_PERMANENT;
        goto cleanup;
    }
    ctr = malloc(sizeof(*ctr));
    if (!ctr) {
        result = OUTCOME_RETRY;
        goto cleanup;
    }
    rc = ctr_parse(text, len, ctr, &err);
    if (rc) {
        rec_log(REC_LOG_ERROR, "skipping a contact trace record", LOG_STR("reason", err.message),
                LOG_STR("contactId", ctr->contact_id[0] ? ctr->contact_id : NULL),
                LOG_STR("sequenceNumber", kinesis_record_sequence(record)));
        goto cleanup;
    }
    if (!ctr_wants_recording(ctr)) {
        rec_log(REC_LOG_INFO, "contact not recorded", LOG_STR("contactId", ctr->contact_id),
                LOG_STR("reason", ctr_not_recorded_reason(ctr)));
        result = OUTCOME_OK;
        goto cleanup;
    }
    result = process_ctr(rec, ctr, deadline_ms);
cleanup:
    free(ctr);
    free(text);
    return result;
}

/* ---- the handler interface ------------------------------------------------ */

static void recorder_destroy(void *state)
{
    struct recorder *rec = state;
    if (!rec)
        return;
    kvs_endpoint_cache_destroy(rec->endpoints);
    kvs_client_destroy(rec->kvs);
    rec_s3_client_destroy(rec->s3);
    connect_client_destroy(rec->connect);
    free(rec);
}

static int recorder_init(void **state, char *reason, size_t reason_len)
{
    struct recorder *rec = calloc(1, sizeof(*rec));
    if (!rec)
        return REC_ERR_NOMEM;
    int rc = recorder_config_from_env(&rec->cfg, reason, reason_len);
    if (rc)
        goto fail;
    rc = kvs_client_new(&rec->kvs, NULL);
    if (!rc)
        rc = kvs_endpoint_cache_new(&rec->endpoints);
    if (rc) {
        snprintf(reason, reason_len, "Kinesis Video client: %s (credentials and region come from "
                 "AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY and AWS_REGION or REGION)", rec_strerror(rc));
        goto fail;
    }
    rc = rec_s3_client_new(&rec->s3, NULL);
    if (rc) {
        snprintf(reason, reason_len, "S3 client: %s", rec_strerror(rc));
        goto fail;
    }
    rc = connect_client_new(&rec->connect, NULL);
    if (rc) {
        snprintf(reason, reason_len, "Connect client: %s", rec_strerror(rc));
        goto fail;
    }
    *state = rec;
    return 0;
fail:
    recorder_destroy(rec);
    return rc;
}

static int recorder_invoke(void *state, const struct handler_context *ctx, const char *event,
                           size_t event_len, struct handler_result *result)
{
    struct recorder *rec = state;
    int rc = REC_ERR_NOMEM;
    char *text = NULL;
    cJSON *out = cJSON_CreateObject();
    cJSON *failures = out ? cJSON_AddArrayToObject(out, "batchItemFailures") : NULL;
    cJSON *doc = cJSON_ParseWithLength(event, event_len);
    if (!failures)
        goto cleanup;
    const cJSON *records = cJSON_GetObjectItemCaseSensitive(doc, "Records");
    if (!cJSON_IsArray(records)) {
        /* Nothing Lambda could retry helps a malformed event: say so and move on. */
        rec_log(REC_LOG_ERROR, "the event has no Records list; nothing to do");
    }
    unsigned n = 0, failed = 0;
    const cJSON *record;
    cJSON_ArrayForEach(record, records)
    {
        n++;
        const char *seq = kinesis_record_sequence(record);
        enum outcome o;
        if (ctx->deadline_ms && ctx->deadline_ms - rec_clock_now_ms() < rec->cfg.start_reserve_ms)
            o = OUTCOME_RETRY; /* not started: too little time left */
        else
            o = process_record(rec, record, ctx->deadline_ms);
        if (o == OUTCOME_RETRY) {
            if (!seq) {
                rec_log(REC_LOG_ERROR, "a failed record has no sequenceNumber to report");
                continue;
            }
            failed++;
            cJSON *item = cJSON_CreateObject();
            if (!item || !cJSON_AddStringToObject(item, "itemIdentifier", seq)) {
                cJSON_Delete(item);
                goto cleanup;
            }
            cJSON_AddItemToArray(failures, item);
        }
    }
    rec_log(REC_LOG_INFO, "batch done", LOG_INT("records", n), LOG_INT("batchItemFailures", failed));
    text = cJSON_PrintUnformatted(out);
    if (!text)
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
    .init = recorder_init,
    .invoke = recorder_invoke,
    .destroy = recorder_destroy,
};

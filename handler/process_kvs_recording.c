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
 * time (recorder/recorder.h); nothing after the stop fragment is used.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "common/buf.h"
#include "common/error.h"
#include "common/log.h"
#include "handler/contact_attributes.h"
#include "handler/ctr.h"
#include "handler/handler.h"
#include "handler/object_names.h"
#include "handler/recorder_config.h"
#include "kvs/kvs_api.h"
#include "recorder/recorder.h"
#include "s3/upload_sink.h"

enum outcome { OUTCOME_OK = 0, OUTCOME_RETRY, OUTCOME_PERMANENT };

struct recording_handler {
    struct recorder_config cfg;
    struct kvs_api *kvs;
    struct rec_s3_client *s3;
    struct rec_aws_client *connect;
};

/* Everything about one KVS recording being written. */
struct recording_job {
    struct recording_handler *rec;
    const struct ctr *ctr;
    const struct ctr_recording *entry;
    unsigned index;          /* 1-based among the CTR's KVS recordings */
    int64_t deadline_ms;
    int64_t abort_at_ms;     /* stop reading and discard after this */
    struct recorder *recording;
    char keys[RECORDER_OUTPUTS][1024];
    struct s3_upload_status upload[RECORDER_OUTPUTS];
    int opened[RECORDER_OUTPUTS]; /* an S3 upload was opened for this output */
    uint64_t media_bytes;    /* GetMedia body bytes given to the recorder, all calls */
    int push_error;          /* the recorder's error while streaming */
    int timed_out;
};

static int open_sink(void *user, enum recorder_output which, uint32_t rate, unsigned channels,
                     struct byte_sink *out)
{
    (void)rate, (void)channels;
    struct recording_job *job = user;
    const struct recorder_config *cfg = &job->rec->cfg;
    int rc = object_key(cfg->key_prefix, job->ctr->year, job->ctr->month, job->ctr->day,
                        job->ctr->contact_id, which, job->index, job->keys[which],
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

/* ---- GetMedia into the recorder ------------------------------------------- */

static int on_media(void *user, const uint8_t *data, size_t len)
{
    struct recording_job *job = user;
    if (rec_aws_now_ms() >= job->abort_at_ms) {
        job->timed_out = 1;
        return REC_ERR_TIMEOUT;
    }
    job->media_bytes += len;
    int rc = recorder_push(job->recording, data, len);
    if (rc == MKV_STOP)
        return REC_AWS_STOP;
    if (rc < 0) {
        job->push_error = rc;
        return rc;
    }
    return 0;
}

static int is_code(const struct rec_aws_response *resp, const char *code)
{
    return strcmp(resp->error_code, code) == 0;
}

/* Streams the stream's media into job->recording until the recording is
 * complete, the stream idles at its live edge, or something fails; resumes
 * a GetMedia that ended early. */
static enum outcome stream_media(struct recording_job *job, char *why, size_t why_len)
{
    struct recording_handler *rec = job->rec;
    const char *arn = job->entry->stream_arn;
    struct rec_aws_response resp;
    rec_aws_response_init(&resp);
    enum outcome result = OUTCOME_RETRY;
    char endpoint[KVS_API_ENDPOINT_MAX];
    char value[FRAGMENT_NUMBER_MAX_DIGITS + 256];
    const char *selector = "NOW";
    const char *sel_value = NULL;
    if (rec->cfg.start_by_fragment && job->entry->start_fragment[0]) {
        selector = "FRAGMENT_NUMBER";
        sel_value = job->entry->start_fragment;
    }
    int refreshed = 0;
    unsigned calls = 0, idle_calls = 0;
    for (;;) {
        if (++calls > rec->cfg.max_get_media_calls) {
            snprintf(why, why_len, "GetMedia ended early %u times in a row", calls - 1);
            goto done;
        }
        int rc = kvs_api_data_endpoint(rec->kvs, arn, 0, job->deadline_ms, endpoint, sizeof(endpoint), &resp);
        if (rc) {
            snprintf(why, why_len, "GetDataEndpoint: %ld %s %s", resp.status, resp.error_code, resp.error_message);
            result = resp.retriable ? OUTCOME_RETRY : OUTCOME_PERMANENT;
            goto done;
        }
        struct recorder_stats before;
        struct kvs_resume_point before_at, after_at;
        recorder_get_stats(job->recording, &before);
        recorder_resume_point(job->recording, &before_at);
        uint64_t bytes_before = job->media_bytes;
        rc = kvs_api_get_media(rec->kvs, endpoint, arn, selector, sel_value, on_media, job,
                               rec->cfg.idle_ms, job->abort_at_ms, &resp);
        if (job->timed_out || rc == REC_ERR_TIMEOUT) {
            snprintf(why, why_len, "the invocation's deadline is near");
            job->timed_out = 1;
            goto done;
        }
        if (job->push_error) {
            snprintf(why, why_len, "the media is not usable: %s", recorder_error(job->recording)->message);
            result = OUTCOME_PERMANENT;
            goto done;
        }
        if (recorder_done(job->recording)) {
            result = OUTCOME_OK;
            goto done;
        }
        /* A failure before any media arrived is an answer about the request itself
         * (resp.body_bytes would count an error body too). */
        if (rc && job->media_bytes == bytes_before) {
            if (is_code(&resp, "InvalidEndpointException") && !refreshed) {
                kvs_api_forget_endpoint(rec->kvs, arn);
                refreshed = 1;
                continue;
            }
            snprintf(why, why_len, "GetMedia: %ld %s %s", resp.status, resp.error_code, resp.error_message);
            result = resp.retriable ? OUTCOME_RETRY : OUTCOME_PERMANENT;
            goto done;
        }
        struct recorder_stats after;
        recorder_get_stats(job->recording, &after);
        recorder_resume_point(job->recording, &after_at);
        int progressed = after.fragments_used + after.fragments_skipped >
                             before.fragments_used + before.fragments_skipped ||
                         strcmp(after_at.last_fragment, before_at.last_fragment) != 0;
        /* The live edge: the stream delivered what it had and then idled. */
        if (resp.stalled && !progressed) {
            result = OUTCOME_OK;
            goto done;
        }
        idle_calls = progressed ? 0 : idle_calls + 1;
        if (idle_calls >= 2) {
            result = OUTCOME_OK; /* nothing more to read */
            goto done;
        }
        /* The session ended (the ~45-minute limit), the connection dropped,
         * or it stalled mid-stream: go on after the last complete fragment. */
        if (recorder_restart_input(job->recording)) {
            snprintf(why, why_len, "cannot resume GetMedia without duplicating audio");
            goto done;
        }
        if (after_at.continuation_token[0]) {
            snprintf(value, sizeof(value), "%s", after_at.continuation_token);
            selector = "CONTINUATION_TOKEN";
        } else if (after_at.last_fragment[0]) {
            snprintf(value, sizeof(value), "%s", after_at.last_fragment);
            selector = "FRAGMENT_NUMBER";
        } else {
            continue; /* nothing complete yet: start over from the same selector */
        }
        sel_value = value;
        rec_log(REC_LOG_WARN, "GetMedia ended early; resuming", LOG_STR("contactId", job->ctr->contact_id),
                LOG_STR("stream", arn), LOG_STR("selector", selector), LOG_STR("after", value),
                LOG_INT("status", resp.status), LOG_BOOL("stalled", resp.stalled));
    }
done:
    rec_aws_response_clean_up(&resp);
    return result;
}

static double seconds(const struct recorder_track_stats *t)
{
    return t->rate ? (double)t->samples / t->rate : 0.0;
}

/* Records one KVS recording of the CTR. keys_out[which] is set for every
 * object committed. */
static enum outcome record_one(struct recording_handler *rec, const struct ctr *ctr, unsigned index,
                               int64_t deadline_ms, char (*keys_out)[1024])
{
    const struct ctr_recording *entry = &ctr->recordings[index - 1];
    int64_t t0 = rec_aws_now_ms();
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
    /* recordingAuth 1, 2, 3: from the customer, to the customer, both and the mix. */
    struct recorder_options rc_cfg = {
        .tracks = recorder_tracks_connect,
        .call_tag = RECORDER_CALL_TAG_CONNECT,
        .call_id = ctr->contact_id,
        .start_fragment = entry->start_fragment,
        .stop_fragment = entry->stop_fragment,
        .outputs = ctr->recording_auth == 3 ? RECORDER_WANT_ALL : (unsigned)ctr->recording_auth,
        .sinks = { .user = job, .open = open_sink },
    };
    int rc = recorder_new(&rc_cfg, &job->recording);
    if (rc) {
        snprintf(why, sizeof(why), "bad recording entry: %s", rec_strerror(rc));
        result = OUTCOME_PERMANENT;
        goto cleanup;
    }
    result = stream_media(job, why, sizeof(why));
    if (result == OUTCOME_RETRY) {
        /* Discard: destroying without finish aborts every upload, so no
         * partial object or open multipart upload is left. */
        goto cleanup;
    }
    /* OK, or a permanent media fault: keep every complete block read. */
    rc = recorder_finish(job->recording);
    int upload_failed = 0, upload_retriable = 0;
    for (int w = 0; w < RECORDER_OUTPUTS; w++) {
        if (!job->opened[w])
            continue;
        if (job->upload[w].committed) {
            snprintf(keys_out[w], 1024, "%s", job->keys[w]);
        } else if (job->upload[w].error[0]) {
            upload_failed = 1;
            upload_retriable |= job->upload[w].retriable;
            snprintf(why, sizeof(why), "%s", job->upload[w].error);
        }
    }
    if (upload_failed) {
        result = upload_retriable ? OUTCOME_RETRY : OUTCOME_PERMANENT;
    } else if (rc && rc != REC_ERR_TRUNCATED && rc != REC_ERR_UNSUPPORTED && result == OUTCOME_OK) {
        snprintf(why, sizeof(why), "finishing the recording: %s", recorder_error(job->recording)->message);
        result = OUTCOME_PERMANENT;
    }
    struct recorder_stats st;
    recorder_get_stats(job->recording, &st);
    uint64_t bytes = 0;
    for (int w = 0; w < RECORDER_OUTPUTS; w++)
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
            LOG_STR("reason", why[0] ? why : NULL), LOG_INT("elapsedMs", rec_aws_now_ms() - t0));
    why[0] = '\0'; /* logged */
cleanup:
    if (why[0])
        rec_log(result == OUTCOME_RETRY ? REC_LOG_WARN : REC_LOG_ERROR,
                result == OUTCOME_RETRY ? "recording failed; Lambda will retry the record"
                                        : "recording failed permanently",
                LOG_STR("contactId", ctr->contact_id), LOG_STR("stream", entry->stream_arn),
                LOG_INT("recording", index), LOG_STR("reason", why),
                LOG_INT("elapsedMs", rec_aws_now_ms() - t0));
    recorder_destroy(job->recording);
    free(job);
    return result;
}

/* ---- one contact trace record ----------------------------------------------- */

static int append_url(struct rec_buf *b, const char *domain, const char *key)
{
    if (b->len && rec_buf_append_str(b, ", "))
        return REC_ERR_LIMIT;
    return rec_buf_printf(b, "%s/%s", domain, key);
}

static enum outcome process_ctr(struct recording_handler *rec, const struct ctr *ctr, int64_t deadline_ms)
{
    enum outcome result = OUTCOME_OK;
    struct rec_buf urls[RECORDER_OUTPUTS];
    for (int w = 0; w < RECORDER_OUTPUTS; w++)
        rec_buf_init(&urls[w], CONTACT_ATTRIBUTES_MAX_BYTES);
    unsigned stored = 0;
    if (ctr->n_recordings == 0)
        rec_log(REC_LOG_WARN, "no KVS recording in the contact trace record", LOG_STR("contactId", ctr->contact_id));
    for (size_t i = 0; i < ctr->n_recordings; i++) {
        if (deadline_ms && deadline_ms - rec_aws_now_ms() < rec->cfg.start_reserve_ms) {
            rec_log(REC_LOG_WARN, "too little time left to start a recording; Lambda will retry the record",
                    LOG_STR("contactId", ctr->contact_id), LOG_INT("remainingMs", deadline_ms - rec_aws_now_ms()));
            result = OUTCOME_RETRY;
            goto cleanup;
        }
        char keys[RECORDER_OUTPUTS][1024] = { "", "", "" };
        enum outcome o = record_one(rec, ctr, (unsigned)i + 1, deadline_ms, keys);
        if (o == OUTCOME_RETRY) {
            result = OUTCOME_RETRY;
            goto cleanup;
        }
        for (int w = 0; w < RECORDER_OUTPUTS; w++) {
            if (keys[w][0]) {
                stored++;
                if (append_url(&urls[w], rec->cfg.cloudfront_domain, keys[w])) {
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
    const char *names[RECORDER_OUTPUTS];
    const char *values[RECORDER_OUTPUTS];
    for (int w = 0; w < RECORDER_OUTPUTS; w++) {
        names[w] = object_attribute_name((enum recorder_output)w);
        values[w] = urls[w].data ? urls[w].data : "";
    }
    struct rec_aws_response resp;
    rec_aws_response_init(&resp);
    int rc = contact_attributes_update(rec->connect, ctr->instance_id, ctr->initial_contact_id, names,
                                       values, RECORDER_OUTPUTS, deadline_ms, &resp);
    if (rc) {
        int retriable = rc != REC_ERR_LIMIT && resp.retriable;
        rec_log(retriable ? REC_LOG_WARN : REC_LOG_ERROR, "UpdateContactAttributes failed",
                LOG_STR("contactId", ctr->contact_id), LOG_INT("status", resp.status),
                LOG_STR("code", resp.error_code), LOG_STR("message", resp.error_message));
        result = retriable ? OUTCOME_RETRY : OUTCOME_PERMANENT;
    } else {
        rec_log(REC_LOG_INFO, "contact attributes stored", LOG_STR("contactId", ctr->contact_id),
                LOG_STR("initialContactId", ctr->initial_contact_id),
                LOG_STR("audioFromCustomer", values[0]), LOG_STR("audioToCustomer", values[1]),
                LOG_STR("audioMixed", values[2]));
    }
    rec_aws_response_clean_up(&resp);
cleanup:
    for (int w = 0; w < RECORDER_OUTPUTS; w++)
        rec_buf_clean_up(&urls[w], 0);
    return result;
}

/* Decodes and filters one Kinesis record; records its contact if asked to. */
static enum outcome process_record(struct recording_handler *rec, const cJSON *record, int64_t deadline_ms)
{
    char err[256] = "";
    char *text = NULL;
    size_t len = 0;
    enum outcome result = OUTCOME_PERMANENT;
    struct ctr *ctr = NULL;
    int rc = kinesis_record_payload(record, &text, &len, err, sizeof(err));
    if (rc) {
        rec_log(REC_LOG_ERROR, "skipping a malformed Kinesis record", LOG_STR("reason", err),
                LOG_STR("sequenceNumber", kinesis_record_sequence(record)));
        goto cleanup;
    }
    ctr = malloc(sizeof(*ctr));
    if (!ctr) {
        result = OUTCOME_RETRY;
        goto cleanup;
    }
    rc = ctr_parse(text, len, ctr, err, sizeof(err));
    if (rc) {
        rec_log(REC_LOG_ERROR, "skipping a contact trace record", LOG_STR("reason", err),
                LOG_STR("contactId", ctr->contact_id[0] ? ctr->contact_id : NULL),
                LOG_STR("sequenceNumber", kinesis_record_sequence(record)));
        goto cleanup;
    }
    if (!ctr_wants_recording(ctr)) {
        const char *why = strcmp(ctr->channel, "VOICE") != 0 ? "not a VOICE contact"
                          : ctr->already_recorded           ? "already recorded"
                                                            : "recordingAuth is not 1, 2 or 3";
        rec_log(REC_LOG_INFO, "contact not recorded", LOG_STR("contactId", ctr->contact_id),
                LOG_STR("reason", why));
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

static void recording_handler_destroy(void *state)
{
    struct recording_handler *rec = state;
    if (!rec)
        return;
    kvs_api_destroy(rec->kvs);
    rec_s3_client_destroy(rec->s3);
    rec_aws_client_destroy(rec->connect);
    free(rec);
}

static int recording_handler_init(void **state, char *reason, size_t reason_len)
{
    struct recording_handler *rec = calloc(1, sizeof(*rec));
    if (!rec)
        return REC_ERR_NOMEM;
    int rc = recorder_config_from_env(&rec->cfg, reason, reason_len);
    if (rc)
        goto fail;
    rc = kvs_api_new(&rec->kvs);
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
    struct rec_aws_client_config connect = { .service_id = "Connect", .signing_name = "connect" };
    rc = rec_aws_client_new(&rec->connect, &connect);
    if (rc) {
        snprintf(reason, reason_len, "Connect client: %s", rec_strerror(rc));
        goto fail;
    }
    *state = rec;
    return 0;
fail:
    recording_handler_destroy(rec);
    return rc;
}

static int recording_handler_invoke(void *state, const struct handler_context *ctx, const char *event,
                           size_t event_len, struct handler_result *result)
{
    struct recording_handler *rec = state;
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
        if (ctx->deadline_ms && ctx->deadline_ms - rec_aws_now_ms() < rec->cfg.start_reserve_ms)
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
    .init = recording_handler_init,
    .invoke = recording_handler_invoke,
    .destroy = recording_handler_destroy,
};

#include "handler/contact_recording.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/clock.h"
#include "common/log.h"
#include "common/metrics.h"
#include "connect/object_names.h"

/* One KVS recording of the contact and what became of it. */
struct entry_run {
    unsigned index; /* 1-based among the CTR's KVS recordings */
    char keys[CONNECT_AUDIO_KINDS][CONNECT_OBJECT_KEY_MAX + 1];
    struct stream_recording_result result;
    struct rec_error err;
};

static unsigned wanted_outputs(int recording_auth)
{
    switch (recording_auth) {
    case 1: return RECORDER_WANT(RECORDER_OUT_ROLE0);
    case 2: return RECORDER_WANT(RECORDER_OUT_ROLE1);
    default: return RECORDER_WANT_ALL;
    }
}

static double seconds(const struct recorder_track_stats *t)
{
    return t->rate ? (double)t->samples / t->rate : 0.0;
}

/* The metric line of a recording that stored objects (the log line's
 * figures, for dashboards and alarms). */
static void emit_entry_metrics(const struct contact_recorder *rec, const struct ctr *ctr,
                               const struct entry_run *e, int64_t elapsed_ms)
{
    const struct stream_recording_result *r = &e->result;
    if (!(r->committed[0] || r->committed[1] || r->committed[2]))
        return;
    double a = seconds(&r->stats.track[0]), b = seconds(&r->stats.track[1]);
    struct rec_metrics m;
    rec_metrics_begin(&m, rec->handler_name);
    rec_metrics_property(&m, "contactId", ctr->contact_id);
    rec_metrics_count(&m, "RecordingsStored", 1);
    rec_metrics_value(&m, "AudioSeconds", REC_METRIC_SECONDS, a > b ? a : b);
    rec_metrics_value(&m, "BytesUploaded", REC_METRIC_BYTES, (double)(r->bytes[0] + r->bytes[1] + r->bytes[2]));
    rec_metrics_value(&m, "RecordingMs", REC_METRIC_MILLISECONDS, (double)elapsed_ms);
    uint64_t redacted = r->stats.redacted_ms[0] > r->stats.redacted_ms[1] ? r->stats.redacted_ms[0]
                                                                          : r->stats.redacted_ms[1];
    if (redacted) /* only when set: most recordings have no paused span */
        rec_metrics_value(&m, "RedactedMs", REC_METRIC_MILLISECONDS, (double)redacted);
    rec_metrics_emit(&m);
}

static void log_entry(const struct ctr *ctr, const struct entry_run *e, int64_t elapsed_ms)
{
    const struct ctr_recording *entry = &ctr->recordings[e->index - 1];
    enum rec_outcome o = rec_outcome_of(&e->err);
    const struct stream_recording_result *r = &e->result;
    int stored = r->committed[0] || r->committed[1] || r->committed[2];
    if (o == REC_OUTCOME_RETRIABLE || (o == REC_OUTCOME_PERMANENT && !stored)) {
        rec_log(o == REC_OUTCOME_RETRIABLE ? REC_LOG_WARN : REC_LOG_ERROR,
                o == REC_OUTCOME_RETRIABLE ? "recording failed; Lambda will retry the record"
                                           : "recording failed permanently",
                LOG_STR("contactId", ctr->contact_id), LOG_STR("stream", entry->stream_arn),
                LOG_INT("recording", e->index), LOG_STR("reason", e->err.message),
                LOG_INT("elapsedMs", elapsed_ms));
        return;
    }
    const struct recorder_stats *st = &r->stats;
    rec_log(o == REC_OUTCOME_STORED ? REC_LOG_INFO : REC_LOG_ERROR,
            o == REC_OUTCOME_STORED ? "recording stored" : "recording incomplete",
            LOG_STR("contactId", ctr->contact_id), LOG_STR("stream", entry->stream_arn),
            LOG_INT("recording", e->index), LOG_INT("fragmentsUsed", st->fragments_used),
            LOG_INT("fragmentsSkipped", st->fragments_skipped),
            LOG_STR("firstFragment", st->first_fragment), LOG_STR("lastFragment", st->last_fragment),
            LOG_STR("doneReason", st->done_reason), LOG_STR("readWith", r->read_with),
            LOG_INT("getMediaCalls", r->session.calls), LOG_INT("listFragmentsCalls", r->session.list_calls),
            LOG_DBL("fromCustomerSeconds", seconds(&st->track[0])),
            LOG_DBL("toCustomerSeconds", seconds(&st->track[1])),
            LOG_INT("bytesUploaded", r->bytes[0] + r->bytes[1] + r->bytes[2]),
            LOG_STR("keyFromCustomer", r->committed[0] ? e->keys[0] : NULL),
            LOG_STR("keyToCustomer", r->committed[1] ? e->keys[1] : NULL),
            LOG_STR("keyMixed", r->committed[2] ? e->keys[2] : NULL),
            LOG_STR("reason", e->err.code ? e->err.message : NULL),
            LOG_INT("redactedMs", st->redacted_ms[0] > st->redacted_ms[1] ? st->redacted_ms[0]
                                                                           : st->redacted_ms[1]),
            LOG_INT("elapsedMs", elapsed_ms));
    if (st->redaction.fragments_silenced || st->redaction.fragments_server_time)
        rec_log(st->redaction.fragments_silenced ? REC_LOG_WARN : REC_LOG_INFO,
                "fragments without a plausible Cluster Timecode: placed by their server timestamp, "
                "or silenced whole without one, because the contact has paused spans",
                LOG_STR("contactId", ctr->contact_id), LOG_INT("recording", e->index),
                LOG_INT("fragmentsByServerTimestamp", st->redaction.fragments_server_time),
                LOG_INT("fragmentsSilencedWhole", st->redaction.fragments_silenced));
    if (r->redacted_meta_left_out)
        rec_log(REC_LOG_INFO, "an object went up in parts: its redacted ms are in this log only "
                "(S3 fixes metadata at CreateMultipartUpload)",
                LOG_STR("contactId", ctr->contact_id), LOG_INT("recording", e->index));
}

/* Records the index-th KVS recording of ctr into e. */
static void record_entry(const struct contact_recorder *rec, const struct ctr *ctr, unsigned index,
                         const struct redaction_config *redaction, int64_t deadline_ms,
                         struct entry_run *e)
{
    const struct kvs_recording_config *cfg = rec->cfg;
    const struct ctr_recording *entry = &ctr->recordings[index - 1];
    unsigned outputs = wanted_outputs(ctr->recording_auth);
    struct output_encoder encoder;
    output_encoder_for(&cfg->encoding, &encoder);
    struct stream_recording_job job = {
        .clients = rec->clients,
        .stream_arn = entry->stream_arn,
        .start_by_fragment = cfg->start_by_fragment,
        .recorder = { .tracks = recorder_tracks_connect, .call_tag = RECORDER_CALL_TAG_CONNECT,
                      .call_id = ctr->contact_id, .start_fragment = entry->start_fragment,
                      .stop_fragment = entry->stop_fragment, .outputs = outputs,
                      .redaction = *redaction, .encoder = &encoder },
        .idle_ms = cfg->knobs.idle_ms,
        .max_calls = cfg->knobs.max_get_media_calls,
        .read_mode = cfg->knobs.read_mode,
        .start_ms = entry->start_ms,
        .stop_ms = entry->stop_ms,
        .fragment_batch = cfg->knobs.fragment_batch,
        .read_deadline_ms = deadline_ms ? deadline_ms - cfg->knobs.finish_reserve_ms : 0,
        .deadline_ms = deadline_ms,
        .upload = { .bucket = cfg->bucket, .content_type = audio_format_content_type(cfg->encoding.format),
                    .contact_id = ctr->contact_id, .kms_key_id = cfg->kms_key_id, .acl = cfg->object_acl,
                    .part_bytes = cfg->knobs.part_bytes, .spool_dir = cfg->spool_dir,
                    .redacted_ms_metadata = 1 },
        .log_name = "contactId",
        .log_value = ctr->contact_id,
    };
    e->index = index;
    rec_error_clear(&e->err);
    for (int w = 0; w < CONNECT_AUDIO_KINDS; w++) {
        if (!(outputs & RECORDER_WANT(w)))
            continue;
        if (object_key(cfg->key_prefix, ctr->year, ctr->month, ctr->day, ctr->contact_id,
                       (enum connect_audio)w, index, audio_format_extension(cfg->encoding.format), e->keys[w],
                       sizeof(e->keys[w]))) {
            rec_error_set(&e->err, REC_ERR_LIMIT, 0, "the object key passes %d bytes",
                          CONNECT_OBJECT_KEY_MAX);
            return;
        }
        job.upload.keys[w] = e->keys[w];
    }
    stream_recording_run(&job, &e->result, &e->err);
}

/* Adds the stored objects' URLs to the lists; 0 or REC_ERR_LIMIT. */
static int add_urls(const struct contact_recorder *rec, const struct entry_run *e,
                    struct rec_buf *urls, unsigned *stored)
{
    for (int w = 0; w < CONNECT_AUDIO_KINDS; w++) {
        if (!e->result.committed[w])
            continue;
        (*stored)++;
        if (object_url_append(&urls[w], rec->cfg->cloudfront_domain, e->keys[w]))
            return REC_ERR_LIMIT;
    }
    return 0;
}

static enum rec_outcome store_urls(const struct contact_recorder *rec, const struct ctr *ctr,
                                   const struct rec_buf *urls, int64_t deadline_ms)
{
    struct connect_attribute attrs[CONNECT_AUDIO_KINDS];
    for (int w = 0; w < CONNECT_AUDIO_KINDS; w++) {
        attrs[w].name = object_attribute_name((enum connect_audio)w);
        attrs[w].value = urls[w].data ? urls[w].data : "";
    }
    struct rec_aws_response resp;
    rec_aws_response_init(&resp);
    struct rec_error err;
    rec_error_clear(&err);
    connect_update_contact_attributes(rec->connect, ctr->instance_id, ctr->initial_contact_id, attrs,
                                      CONNECT_AUDIO_KINDS, deadline_ms, &resp, &err);
    rec_aws_response_clean_up(&resp);
    enum rec_outcome o = rec_outcome_of(&err);
    if (o != REC_OUTCOME_STORED) {
        rec_log(o == REC_OUTCOME_RETRIABLE ? REC_LOG_WARN : REC_LOG_ERROR, "UpdateContactAttributes failed",
                LOG_STR("contactId", ctr->contact_id), LOG_STR("reason", err.message));
        return o;
    }
    rec_log(REC_LOG_INFO, "contact attributes stored", LOG_STR("contactId", ctr->contact_id),
            LOG_STR("initialContactId", ctr->initial_contact_id), LOG_STR("audioFromCustomer", attrs[0].value),
            LOG_STR("audioToCustomer", attrs[1].value), LOG_STR("audioMixed", attrs[2].value));
    return o;
}

/* Records the CTR's KVS recordings one after the other into urls; stops at
 * the first that must be retried (the whole record is delivered again). */
static enum rec_outcome record_entries(const struct contact_recorder *rec, const struct ctr *ctr,
                                       const struct redaction_config *redaction, int64_t deadline_ms,
                                       struct rec_buf *urls, unsigned *stored)
{
    enum rec_outcome result = REC_OUTCOME_STORED;
    struct entry_run *e = malloc(sizeof(*e));
    if (!e)
        return REC_OUTCOME_RETRIABLE;
    for (size_t i = 0; i < ctr->n_recordings && result != REC_OUTCOME_RETRIABLE; i++) {
        int64_t left = deadline_ms ? deadline_ms - rec_clock_now_ms() : INT64_MAX;
        if (left < rec->cfg->knobs.start_reserve_ms) {
            rec_log(REC_LOG_WARN, "too little time left to start a recording; Lambda will retry the record",
                    LOG_STR("contactId", ctr->contact_id), LOG_INT("remainingMs", left));
            result = REC_OUTCOME_RETRIABLE;
            break;
        }
        int64_t t0 = rec_clock_now_ms();
        record_entry(rec, ctr, (unsigned)i + 1, redaction, deadline_ms, e);
        int64_t elapsed = rec_clock_now_ms() - t0;
        log_entry(ctr, e, elapsed);
        emit_entry_metrics(rec, ctr, e, elapsed);
        result = rec_outcome_worst(result, rec_outcome_of(&e->err));
        if (result != REC_OUTCOME_RETRIABLE && add_urls(rec, e, urls, stored)) {
            rec_log(REC_LOG_ERROR, "recording URLs exceed the contact attributes limit",
                    LOG_STR("contactId", ctr->contact_id));
            *stored = 0; /* a partial list is not stored on the contact */
            result = REC_OUTCOME_PERMANENT;
            break;
        }
    }
    free(e);
    return result;
}

/* The contact's paused spans as the recorder's redaction (fail closed:
 * unreadable spans silence everything, logged at ERROR). */
static void paused_redaction(const struct contact_recorder *rec, const struct ctr *ctr,
                            struct paused_spans *spans, struct redaction_config *out)
{
    struct rec_error err;
    rec_error_clear(&err);
    int64_t margin = rec->cfg->pause_margin_ms;
    if (ctr->paused_spans_state == CTR_SPANS_UNREADABLE) {
        memset(out, 0, sizeof(*out));
        out->silence_all = 1;
        rec_error_set(&err, REC_ERR_INVALID, 0, "%s is not a string of at most %d bytes",
                      PAUSED_SPANS_ATTRIBUTE, PAUSED_SPANS_TEXT_MAX);
    } else {
        const char *text = ctr->paused_spans_state == CTR_SPANS_TEXT ? ctr->paused_spans : NULL;
        paused_spans_redaction(text, text ? strlen(text) : 0, margin, spans, out, &err);
    }
    if (err.code)
        rec_log(REC_LOG_ERROR, "the paused spans cannot be read: the whole recording is silenced",
                LOG_STR("contactId", ctr->contact_id), LOG_STR("reason", err.message));
    else if (out->n_spans)
        rec_log(REC_LOG_INFO, "paused spans will be silenced", LOG_STR("contactId", ctr->contact_id),
                LOG_STR(PAUSED_SPANS_ATTRIBUTE, ctr->paused_spans), LOG_INT("marginMs", margin));
}

enum rec_outcome contact_recording_run(const struct contact_recorder *rec, const struct ctr *ctr,
                                       int64_t deadline_ms)
{
    struct rec_buf urls[CONNECT_AUDIO_KINDS];
    for (int w = 0; w < CONNECT_AUDIO_KINDS; w++)
        rec_buf_init(&urls[w], CONNECT_ATTRIBUTES_MAX_BYTES);
    unsigned stored = 0;
    if (ctr->n_recordings == 0)
        rec_log(REC_LOG_WARN, "no KVS recording in the contact trace record",
                LOG_STR("contactId", ctr->contact_id));
    struct paused_spans *spans = malloc(sizeof(*spans));
    struct redaction_config redaction;
    enum rec_outcome result = REC_OUTCOME_RETRIABLE;
    if (spans) { /* else out of memory: retriable */
        paused_redaction(rec, ctr, spans, &redaction);
        result = record_entries(rec, ctr, &redaction, deadline_ms, urls, &stored);
    }
    free(spans);
    if (result != REC_OUTCOME_RETRIABLE && stored > 0)
        result = rec_outcome_worst(result, store_urls(rec, ctr, urls, deadline_ms));
    for (int w = 0; w < CONNECT_AUDIO_KINDS; w++)
        rec_buf_clean_up(&urls[w], 0);
    return result;
}

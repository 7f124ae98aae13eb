#include "handler/stream_recording.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "handler/env_config.h"
#include "s3/upload_sink.h"

/* ListFragments' range: the CTR's timestamps (whole seconds, Connect's
 * clock) widened by a minute on each side, so clock skew and rounding never
 * leave the first or last fragment out; the numbers decide what is kept. */
#define STREAM_RECORDING_LIST_MARGIN_MS 60000

struct run;

/* One output's x-amz-meta-redacted-ms, formatted when its object commits. */
struct redacted_meta {
    struct run *run;
    enum recorder_output which;
    char text[24];
};

/* One run's state: the recorder and the uploads it opened. */
struct run {
    const struct stream_recording_job *job;
    struct recorder *recorder;
    struct s3_upload_status upload[RECORDER_OUTPUTS];
    int opened[RECORDER_OUTPUTS];
    struct redacted_meta meta[RECORDER_OUTPUTS];
};

static const char *redacted_ms_text(void *user)
{
    struct redacted_meta *m = user;
    struct recorder_stats *st = malloc(sizeof(*st));
    uint64_t ms = 0;
    if (st) {
        recorder_get_stats(m->run->recorder, st);
        for (int ro = 0; ro < TRACK_ROLES; ro++)
            if ((m->which == RECORDER_OUT_MIX || (int)m->which == ro) && st->redacted_ms[ro] > ms)
                ms = st->redacted_ms[ro];
    }
    free(st);
    snprintf(m->text, sizeof(m->text), st ? "%llu" : "unknown", (unsigned long long)ms);
    return m->text;
}

static int open_sink(void *user, enum recorder_output which, uint32_t rate, unsigned channels,
                     struct byte_sink *out)
{
    struct run *run = user;
    const struct recorder_sinks *local = &run->job->local_sinks;
    if (local->open)
        return local->open(local->user, which, rate, channels, out);
    const struct stream_recording_upload *up = &run->job->upload;
    if (!up->keys[which])
        return REC_ERR_STATE; /* the recorder opens wanted outputs only */
    int kms = up->kms_key_id && *up->kms_key_id;
    struct s3_upload_config cfg = {
        .s3 = run->job->clients->s3,
        .bucket = up->bucket,
        .key = up->keys[which],
        .content_type = up->content_type,
        .contact_id = up->contact_id,
        .sse = kms ? "aws:kms" : "AES256",
        .kms_key_id = kms ? up->kms_key_id : NULL,
        .acl = up->acl && *up->acl ? up->acl : NULL,
        .part_size = up->part_bytes,
        .deadline_ms = run->job->deadline_ms,
        .spool_dir = up->spool_dir && *up->spool_dir ? up->spool_dir : NULL,
    };
    if (up->redacted_ms_metadata) {
        run->meta[which] = (struct redacted_meta){ .run = run, .which = which };
        cfg.late_meta_name = "redacted-ms";
        cfg.late_value = redacted_ms_text;
        cfg.late_user = &run->meta[which];
    }
    int rc = s3_upload_sink_open(&cfg, &run->upload[which], out);
    if (!rc)
        run->opened[which] = 1;
    return rc;
}

/* ---- the recorder as the media session's sink ------------------------------ */

static int sink_push(void *user, const uint8_t *bytes, size_t len, struct rec_error *err)
{
    struct run *run = user;
    int rc = recorder_push(run->recorder, bytes, len);
    if (rc == MKV_STOP)
        return MEDIA_SINK_DONE;
    if (rc < 0)
        rec_error_wrap(err, recorder_error(run->recorder), "the media is not usable");
    return rc < 0 ? rc : 0;
}

static int sink_restart(void *user, struct rec_error *err)
{
    struct run *run = user;
    int rc = recorder_restart_input(run->recorder);
    if (rc)
        rec_error_set(err, rc, 1, "cannot resume GetMedia without duplicating audio");
    return rc;
}

static void sink_resume_point(void *user, struct kvs_resume_point *out)
{
    struct run *run = user;
    recorder_resume_point(run->recorder, out);
}

/* Whether the job names the span a fragment list needs. */
static int has_span(const struct stream_recording_job *job)
{
    const struct recorder_options *r = &job->recorder;
    return job->start_by_fragment && r->start_fragment && *r->start_fragment && r->stop_fragment &&
           *r->stop_fragment && job->start_ms > 0 && job->stop_ms >= job->start_ms;
}

static int read_media(struct run *run, struct stream_recording_result *out, struct rec_error *err)
{
    const struct stream_recording_job *job = run->job;
    struct media_session_result *res = &out->session;
    int by_fragment = job->start_by_fragment && job->recorder.start_fragment &&
                      *job->recorder.start_fragment;
    struct media_session_config session = {
        .kvs = job->clients->kvs,
        .endpoints = job->clients->endpoints,
        .stream_arn = job->stream_arn,
        .start_selector = by_fragment ? "FRAGMENT_NUMBER" : "NOW",
        .start_fragment = by_fragment ? job->recorder.start_fragment : NULL,
        .idle_ms = job->idle_ms,
        .max_calls = job->max_calls,
        .deadline_ms = job->read_deadline_ms,
        .log_name = job->log_name,
        .log_value = job->log_value,
        .stop_fragment = job->recorder.stop_fragment,
        .start_ms = job->start_ms,
        .stop_ms = job->stop_ms,
        .list_margin_ms = STREAM_RECORDING_LIST_MARGIN_MS,
        .batch_fragments = job->fragment_batch ? job->fragment_batch : KVS_FRAGMENT_LIST_MAX,
    };
    struct media_sink sink = { .user = run, .push = sink_push, .restart = sink_restart,
                               .resume_point = sink_resume_point };
    if (job->read_mode != MEDIA_READ_GET_MEDIA && has_span(job)) {
        struct rec_error list_err;
        rec_error_clear(&list_err);
        out->read_with = "GetMediaForFragmentList";
        int rc = media_session_read_fragments(&session, &sink, res, &list_err);
        if (!(rc && res->not_listed && job->read_mode == MEDIA_READ_AUTO)) {
            rec_error_wrap(err, &list_err, NULL);
            return rc;
        }
        rec_log(REC_LOG_INFO, "the recording's fragments are not listed; reading with GetMedia",
                LOG_STR(job->log_name, job->log_value), LOG_STR("stream", job->stream_arn),
                LOG_STR("reason", list_err.message));
    }
    out->read_with = "GetMedia";
    return media_session_read(&session, &sink, res, err);
}

/* After the reading: finishes the outputs. read_err holds the reading's
 * permanent fault, if any; the result's failure is an upload's that may
 * pass (retrying then saves what this run could not store), else the first
 * of the reading's, an upload's and the recorder's own. */
static void finish(struct run *run, struct stream_recording_result *out,
                   const struct rec_error *read_err, struct rec_error *result)
{
    int rc = recorder_finish(run->recorder);
    struct rec_error upload_err;
    rec_error_clear(&upload_err);
    for (int w = 0; w < RECORDER_OUTPUTS; w++) {
        if (!run->opened[w])
            continue;
        out->committed[w] = run->upload[w].committed;
        out->redacted_meta_left_out |= run->upload[w].late_meta_left_out;
        out->bytes[w] = run->upload[w].committed ? run->upload[w].bytes : 0;
        if (!run->upload[w].committed)
            rec_error_wrap(&upload_err, &run->upload[w].err, NULL);
    }
    if (upload_err.retriable)
        rec_error_wrap(result, &upload_err, NULL);
    rec_error_wrap(result, read_err, NULL);
    rec_error_wrap(result, &upload_err, NULL);
    /* A recording cut at the live edge or by the session is what there was;
     * anything else the recorder reports is a permanent fault (a track that
     * cannot be decoded: the other one is still stored). */
    if (rc && rc != REC_ERR_TRUNCATED)
        rec_error_wrap(result, recorder_error(run->recorder), "finishing the recording");
}

int stream_recording_run(const struct stream_recording_job *job, struct stream_recording_result *out,
                         struct rec_error *err)
{
    struct rec_error e, read_err;
    rec_error_clear(&e);
    rec_error_clear(&read_err);
    memset(out, 0, sizeof(*out));
    struct run *run = calloc(1, sizeof(*run));
    if (!run) {
        rec_error_set(&e, REC_ERR_NOMEM, 1, "out of memory");
        goto cleanup;
    }
    run->job = job;
    struct recorder_options opt = job->recorder;
    opt.sinks = (struct recorder_sinks){ .user = run, .open = open_sink };
    int rc = recorder_new(&opt, &run->recorder);
    if (rc) {
        rec_error_set(&e, rc, 0, "bad recording entry: %s", rec_strerror(rc));
        goto cleanup;
    }
    read_media(run, out, &read_err);
    if (read_err.retriable) {
        /* Discard: destroying without finish aborts every upload. */
        recorder_get_stats(run->recorder, &out->stats);
        rec_error_wrap(&e, &read_err, NULL);
        goto cleanup;
    }
    /* Read to the end, or a permanent fault: keep every complete block. */
    finish(run, out, &read_err, &e);
    recorder_get_stats(run->recorder, &out->stats);
cleanup:
    if (run)
        recorder_destroy(run->recorder);
    free(run);
    rec_error_wrap(err, &e, NULL);
    return e.code;
}

int stream_recording_clients_new(struct stream_recording_clients *c, struct rec_error *err)
{
    memset(c, 0, sizeof(*c));
    const char *which = "Kinesis Video";
    int rc = kvs_client_new(&c->kvs, NULL);
    if (!rc)
        rc = kvs_endpoint_cache_new(&c->endpoints);
    if (!rc)
        which = "S3", rc = rec_s3_client_new(&c->s3, NULL);
    if (rc)
        rec_error_set(err, rc, 0, "%s client: %s (" ENV_CLIENT_HINT ")", which, rec_strerror(rc));
    return rc;
}

void stream_recording_clients_destroy(struct stream_recording_clients *c)
{
    kvs_endpoint_cache_destroy(c->endpoints);
    kvs_client_destroy(c->kvs);
    rec_s3_client_destroy(c->s3);
    memset(c, 0, sizeof(*c));
}

int stream_recording_knobs_from_env(int64_t start_reserve_ms, int64_t finish_reserve_ms,
                                    enum media_read_mode read_mode, struct stream_recording_knobs *out,
                                    struct rec_error *err)
{
    /* In enum media_read_mode's order. */
    static const char *const modes[] = { "auto", "getmedia", "fragment-list" };
    int rc = 0;
    long long part, idle, start, finish, calls, batch;
    size_t mode;
    REC_TRY(env_number("MULTIPART_PART_BYTES", 16LL << 20, 5LL << 20, 5LL << 30, &part, err));
    REC_TRY(env_number("KVS_IDLE_TIMEOUT_MS", 5000, 1000, 600000, &idle, err));
    REC_TRY(env_number("DEADLINE_START_RESERVE_MS", start_reserve_ms, 0, 900000, &start, err));
    REC_TRY(env_number("DEADLINE_FINISH_RESERVE_MS", finish_reserve_ms, 0, 900000, &finish, err));
    REC_TRY(env_number("GET_MEDIA_MAX_CALLS", 50, 1, 10000, &calls, err));
    REC_TRY(env_choice("KVS_READ_MODE", modes, 3, (size_t)read_mode, &mode, err));
    REC_TRY(env_number("FRAGMENT_LIST_BATCH", KVS_FRAGMENT_LIST_MAX, 1, KVS_FRAGMENT_LIST_MAX, &batch, err));
    *out = (struct stream_recording_knobs){
        .part_bytes = (size_t)part,
        .idle_ms = (long)idle,
        .start_reserve_ms = start,
        .finish_reserve_ms = finish,
        .max_get_media_calls = (unsigned)calls,
        .read_mode = (enum media_read_mode)mode,
        .fragment_batch = (unsigned)batch,
    };
cleanup:
    return rc;
}

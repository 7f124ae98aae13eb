#include "handler/chime_call_recording.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "audio/file_sink.h"
#include "audio/wav_join.h"
#include "chime/call_metadata.h"
#include "chime/stereo.h"
#include "common/log.h"
#include "s3/upload_sink.h"

#define STAGED_PATH_MAX 4000 /* audio/file_sink.h's limit */

/* The staged files are named by us, never by an event. */
static const char *const leg_file[2] = { "leg-a.wav", "leg-b.wav" };
/* A work directory the configuration took always leaves room for them. */
_Static_assert(CHIME_CONFIG_DIR_MAX + sizeof("/leg-a.wav") <= STAGED_PATH_MAX + 1,
               "CHIME_WORK_DIR's cap leaves room for the staged files' names");

struct leg_run {
    const struct chime_leg *leg;
    char path[STAGED_PATH_MAX + 1];
    struct stream_recording_result result;
    struct chime_leg_audio audio;
    struct rec_error err;
};

/* Creates the work directory and removes what a process killed mid-call
 * (its time ran out) left there: only our own names. */
static int prepare_work_dir(const char *dir, struct rec_error *err)
{
    if (mkdir(dir, 0700) != 0 && errno != EEXIST)
        return rec_error_set(err, REC_ERR_IO, 1, "cannot create %s: %s", dir, strerror(errno));
    DIR *d = opendir(dir);
    if (!d)
        return rec_error_set(err, REC_ERR_IO, 1, "cannot open %s: %s", dir, strerror(errno));
    struct dirent *e;
    char path[STAGED_PATH_MAX + 300];
    while ((e = readdir(d)) != NULL) {
        if (strncmp(e->d_name, "leg-", 4) != 0 && strncmp(e->d_name, ".leg-", 5) != 0)
            continue;
        snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
        unlink(path);
    }
    closedir(d);
    return 0;
}

static int open_leg_file(void *user, enum recorder_output which, uint32_t rate, unsigned channels,
                         struct byte_sink *out)
{
    (void)which, (void)rate, (void)channels; /* one mono output per leg */
    struct leg_run *run = user;
    return file_sink_open(run->path, out);
}

static void log_leg(const char *call_id, const struct leg_run *run)
{
    const struct recorder_stats *st = &run->result.stats;
    const struct chime_leg_audio *a = &run->audio;
    rec_log(run->err.code ? (run->err.retriable ? REC_LOG_WARN : REC_LOG_ERROR) : REC_LOG_INFO,
            run->err.code ? "call leg not read completely" : "call leg read", LOG_STR("callId", call_id),
            LOG_STR("stream", run->leg->stream_arn), LOG_STR("side", chime_side_name(run->leg->side)),
            LOG_INT("fragmentsUsed", st->fragments_used), LOG_INT("fragmentsSkipped", st->fragments_skipped),
            LOG_STR("firstFragment", st->first_fragment), LOG_STR("lastFragment", st->last_fragment),
            LOG_STR("doneReason", st->done_reason), LOG_STR("readWith", run->result.read_with),
            LOG_INT("getMediaCalls", run->result.session.calls),
            LOG_INT("listFragmentsCalls", run->result.session.list_calls),
            LOG_DBL("seconds", a->rate ? (double)a->samples / a->rate : 0.0),
            LOG_STR("reason", run->err.code ? run->err.message : NULL));
}

/* An event's RFC 3339 time in epoch ms; 0 when absent or not a time (the
 * leg then has no span for the fragment list, and is read with GetMedia). */
static int64_t leg_time_ms(const char *text)
{
    int64_t ms = 0;
    return text[0] && chime_time_parse(text, &ms) == 0 && ms > 0 ? ms : 0;
}

/* Reads one leg into its staged mono file (handler/stream_recording.h):
 * with KVS_READ_MODE's rule, the fragment list when the ENDED event gave
 * the end fragment and both times. */
static void record_leg(const struct chime_call_recorder *r, const char *call_id, int64_t deadline_ms,
                       struct leg_run *run)
{
    const struct chime_vc_config *cfg = r->cfg;
    const struct chime_leg *leg = run->leg;
    struct stream_recording_job job = {
        .clients = r->clients,
        .stream_arn = leg->stream_arn,
        .start_by_fragment = 1,
        .recorder = { .tracks = chime_leg_tracks, .call_tag = CHIME_LEG_CALL_TAG,
                      .call_id = leg->transaction_id[0] ? leg->transaction_id : NULL,
                      .start_fragment = leg->start_fragment, .stop_fragment = leg->end_fragment,
                      .outputs = RECORDER_WANT(RECORDER_OUT_ROLE0) },
        .idle_ms = cfg->knobs.idle_ms,
        .max_calls = cfg->knobs.max_get_media_calls,
        .read_mode = cfg->knobs.read_mode,
        .start_ms = leg_time_ms(leg->start_time),
        .stop_ms = leg_time_ms(leg->end_time),
        .fragment_batch = cfg->knobs.fragment_batch,
        .read_deadline_ms = deadline_ms ? deadline_ms - cfg->knobs.finish_reserve_ms : 0,
        .deadline_ms = deadline_ms,
        .log_name = "callId",
        .log_value = call_id,
        .local_sinks = { .user = run, .open = open_leg_file },
    };
    rec_error_clear(&run->err);
    stream_recording_run(&job, &run->result, &run->err);
    run->audio = chime_leg_audio_of(leg->side, leg->stream_arn, &run->result.stats);
    log_leg(call_id, run);
}

/* ---- S3 ------------------------------------------------------------------------ */

/* Joins ch (n channels at rate) into the WAV object key; adds its size to
 * *bytes. */
static int upload_join(const struct chime_call_recorder *r, const char *key, const char *call_id,
                       const struct chime_leg *info, const struct wav_join_channel *ch, unsigned n,
                       uint32_t rate, int64_t deadline_ms, uint64_t *frames, uint64_t *bytes,
                       struct rec_error *err)
{
    const struct chime_vc_config *cfg = r->cfg;
    int kms = cfg->kms_key_id[0] != '\0';
    struct rec_aws_header meta[3] = { { "call-id", call_id } };
    size_t n_meta = 1;
    if (info->transaction_id[0])
        meta[n_meta++] = (struct rec_aws_header){ "transaction-id", info->transaction_id };
    if (info->voice_connector_id[0])
        meta[n_meta++] = (struct rec_aws_header){ "voice-connector-id", info->voice_connector_id };
    struct s3_upload_config up = {
        .s3 = r->clients->s3, .bucket = cfg->bucket, .key = key, .content_type = "audio/wav",
        .sse = kms ? "aws:kms" : "AES256", .kms_key_id = kms ? cfg->kms_key_id : NULL,
        .part_size = cfg->knobs.part_bytes, .deadline_ms = deadline_ms, .metadata = meta,
        .n_metadata = n_meta,
    };
    struct s3_upload_status status;
    struct byte_sink sink;
    int rc = s3_upload_sink_open(&up, &status, &sink);
    if (rc)
        return rec_error_set(err, rc, rc == REC_ERR_NOMEM, "s3://%s/%s: cannot start: %s", cfg->bucket,
                             key, rec_strerror(rc));
    struct rec_error join_err;
    rec_error_clear(&join_err);
    struct wav_join_result jr;
    rc = wav_join(ch, n, rate, &sink, &jr, &join_err);
    int closed = byte_sink_close(&sink, rc == 0);
    if (!rc && !closed) {
        *frames = jr.frames;
        *bytes += status.bytes;
        return 0;
    }
    /* The upload's own failure tells best whether trying again may help. */
    rec_error_wrap(err, &status.err, NULL);
    rec_error_wrap(err, &join_err, NULL);
    return rec_error_set(err, REC_ERR_IO, 1, "s3://%s/%s: the upload failed", cfg->bucket, key);
}

/* PutObject of the call's JSON; adds its size to *bytes. */
static int put_json(const struct chime_call_recorder *r, const char *key, const cJSON *doc,
                    int64_t deadline_ms, uint64_t *bytes, struct rec_error *err)
{
    const struct chime_vc_config *cfg = r->cfg;
    int kms = cfg->kms_key_id[0] != '\0';
    char *text = doc ? cJSON_PrintUnformatted(doc) : NULL;
    if (!text)
        return rec_error_set(err, REC_ERR_NOMEM, 1, "the call metadata: out of memory");
    struct rec_s3_put_options opt = { .content_type = "application/json",
                                      .sse = kms ? "aws:kms" : "AES256",
                                      .sse_kms_key_id = kms ? cfg->kms_key_id : NULL,
                                      .deadline_ms = deadline_ms };
    struct rec_aws_response resp;
    rec_aws_response_init(&resp);
    int rc = rec_s3_put_object(r->clients->s3, cfg->bucket, key, text, strlen(text), &opt, &resp, err);
    if (!rc)
        *bytes += strlen(text);
    rec_aws_response_clean_up(&resp);
    cJSON_free(text);
    return rc;
}

/* Best effort: a WAV whose JSON could not be written goes, so a retry
 * starts from nothing (and a failure here is only logged). */
static void delete_object(const struct chime_call_recorder *r, const char *key, int64_t deadline_ms)
{
    if (!key[0])
        return;
    struct rec_s3_request req = { .operation = "DeleteObject", .method = "DELETE",
                                  .bucket = r->cfg->bucket, .key = key, .deadline_ms = deadline_ms };
    struct rec_aws_response resp;
    rec_aws_response_init(&resp);
    struct rec_error e;
    rec_error_clear(&e);
    if (rec_s3_send(r->clients->s3, &req, &resp, &e))
        rec_log(REC_LOG_WARN, "could not remove an object of a failed recording", LOG_STR("key", key),
                LOG_STR("reason", e.message));
    rec_aws_response_clean_up(&resp);
}

/* ---- the call --------------------------------------------------------------------- */

/* The stereo WAV: both legs on one timeline at rate. */
static int write_stereo(const struct chime_call_recorder *r, const char *call_id, struct leg_run *runs,
                        struct chime_call_record *rec, int64_t deadline_ms,
                        struct chime_call_outcome *out, struct rec_error *err)
{
    struct chime_leg_audio audio[2] = { runs[0].audio, runs[1].audio };
    uint32_t rate = audio[0].has_audio ? audio[0].rate : audio[1].rate;
    uint64_t lead[2];
    chime_leg_leads(audio, rate, lead);
    struct wav_join_channel ch[2];
    for (int i = 0; i < 2; i++) {
        rec->legs[i].lead_samples = lead[i];
        ch[rec->legs[i].channel] = (struct wav_join_channel){ audio[i].has_audio ? runs[i].path : NULL,
                                                              lead[i] };
    }
    if (chime_object_key(r->cfg->prefix, call_id, ".wav", out->wav_key, sizeof(out->wav_key)))
        return rec_error_set(err, REC_ERR_LIMIT, 0, "the object key passes %d bytes", REC_S3_KEY_MAX);
    rec->wav_key = out->wav_key;
    rec->sample_rate = rate;
    rec->channels = 2;
    int rc = upload_join(r, out->wav_key, call_id, runs[0].leg, ch, 2, rate, deadline_ms, &out->frames,
                         &out->bytes, err);
    if (rc)
        out->wav_key[0] = '\0';
    else
        out->seconds = rate ? (double)out->frames / rate : 0.0;
    return rc;
}

/* Legs at different rates: each its own mono file, left and right. */
static int write_monos(const struct chime_call_recorder *r, const char *call_id, struct leg_run *runs,
                       struct chime_call_record *rec, int64_t deadline_ms,
                       struct chime_call_outcome *out, struct rec_error *err)
{
    static const char *const suffix[2] = { "_left.wav", "_right.wav" };
    rec->channels = 1;
    for (int i = 0; i < 2; i++) {
        int c = rec->legs[i].channel;
        struct wav_join_channel ch = { runs[i].path, 0 };
        uint64_t frames;
        if (chime_object_key(r->cfg->prefix, call_id, suffix[c], out->mono_keys[c],
                             sizeof(out->mono_keys[c])))
            return rec_error_set(err, REC_ERR_LIMIT, 0, "the object key passes %d bytes", REC_S3_KEY_MAX);
        int rc = upload_join(r, out->mono_keys[c], call_id, runs[i].leg, &ch, 1, runs[i].audio.rate,
                             deadline_ms, &frames, &out->bytes, err);
        if (rc) {
            out->mono_keys[c][0] = '\0';
            return rc;
        }
        rec->mono_keys[c] = out->mono_keys[c];
        double s = runs[i].audio.rate ? (double)frames / runs[i].audio.rate : 0.0;
        if (s > out->seconds)
            out->seconds = s;
    }
    return 0;
}

/* Writes the audio and the JSON of legs read; a problem of the legs (not
 * retriable) is reported after what could be stored was. */
static int store_call(const struct chime_call_recorder *r, const char *call_id, struct leg_run *runs,
                      int64_t deadline_ms, struct chime_call_outcome *out, struct rec_error *err)
{
    struct rec_error problem;
    rec_error_clear(&problem);
    for (int i = 0; i < 2; i++)
        rec_error_wrap(&problem, &runs[i].err, runs[i].leg->stream_arn);
    struct chime_leg_audio audio[2] = { runs[0].audio, runs[1].audio };
    if (!audio[0].has_audio && !audio[1].has_audio) {
        rec_error_wrap(err, &problem, NULL);
        return rec_error_set(err, REC_ERR_NOT_FOUND, 0, "neither leg has audio in its stream");
    }
    int left, rc;
    struct chime_call_record rec = { .call_id = call_id };
    chime_assign_channels(audio, r->cfg->order, &left, &rec.arbitrary);
    out->arbitrary = rec.arbitrary;
    for (int i = 0; i < 2; i++)
        rec.legs[i] = (struct chime_leg_record){
            .leg = runs[i].leg, .channel = i == left ? 0 : 1,
            .first_fragment = runs[i].result.stats.first_fragment,
            .last_fragment = runs[i].result.stats.last_fragment, .samples = audio[i].samples };
    if (audio[0].has_audio && audio[1].has_audio && audio[0].rate != audio[1].rate) {
        rec_error_set(&problem, REC_ERR_UNSUPPORTED, 0,
                      "the legs' rates differ (%u Hz, %u Hz): two mono files instead of one stereo file",
                      audio[0].rate, audio[1].rate);
        rc = write_monos(r, call_id, runs, &rec, deadline_ms, out, err);
    } else {
        rc = write_stereo(r, call_id, runs, &rec, deadline_ms, out, err);
    }
    cJSON *doc = rc ? NULL : chime_call_metadata(&rec);
    if (!rc && chime_object_key(r->cfg->prefix, call_id, ".json", out->json_key, sizeof(out->json_key)))
        rc = rec_error_set(err, REC_ERR_LIMIT, 0, "the object key passes %d bytes", REC_S3_KEY_MAX);
    if (!rc)
        rc = put_json(r, out->json_key, doc, deadline_ms, &out->bytes, err);
    cJSON_Delete(doc);
    if (rc && err->retriable) { /* nothing stays for the retry to find */
        out->bytes = 0;
        out->seconds = 0.0;
        out->json_key[0] = '\0';
        delete_object(r, out->wav_key, deadline_ms);
        out->wav_key[0] = '\0';
        for (int c = 0; c < 2; c++) {
            delete_object(r, out->mono_keys[c], deadline_ms);
            out->mono_keys[c][0] = '\0';
        }
    }
    rec_error_wrap(err, &problem, NULL);
    return err->code;
}

int chime_call_record(const struct chime_call_recorder *r, const char *call_id,
                      const struct chime_leg *a, const struct chime_leg *b, int64_t deadline_ms,
                      struct chime_call_outcome *out, struct rec_error *err)
{
    memset(out, 0, sizeof(*out));
    struct rec_error e;
    rec_error_clear(&e);
    struct leg_run *runs = calloc(2, sizeof(*runs));
    int rc = runs ? prepare_work_dir(r->cfg->work_dir, &e)
                  : rec_error_set(&e, REC_ERR_NOMEM, 1, "out of memory");
    for (int i = 0; i < 2 && !rc; i++) {
        runs[i].leg = i == 0 ? a : b;
        snprintf(runs[i].path, sizeof(runs[i].path), "%s/%s", r->cfg->work_dir, leg_file[i]);
        record_leg(r, call_id, deadline_ms, &runs[i]);
        if (runs[i].err.retriable) /* try the whole call again later */
            rc = rec_error_wrap(&e, &runs[i].err, runs[i].leg->stream_arn);
    }
    if (!rc)
        store_call(r, call_id, runs, deadline_ms, out, &e);
    for (int i = 0; runs && i < 2; i++)
        if (runs[i].path[0])
            unlink(runs[i].path);
    free(runs);
    rec_error_wrap(err, &e, NULL);
    return e.code;
}

#include "recorder/output.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audio/sndfile_encoder.h"
#include "audio/wav_writer.h"

/* ---- the WAV encoder ------------------------------------------------------- */

static int wav_start(const void *options, struct byte_sink *sink, uint32_t rate, unsigned channels,
                     void **state)
{
    (void)options;
    struct wav_writer *w = malloc(sizeof(*w));
    if (!w)
        return REC_ERR_NOMEM;
    int rc = wav_writer_init(w, sink, rate, channels);
    if (rc) {
        free(w);
        return rc;
    }
    *state = w;
    return 0;
}

static int wav_write(void *state, const uint8_t *s16le, uint64_t n_frames)
{
    if (!s16le)
        return wav_writer_write_silence(state, n_frames);
    if (n_frames > SIZE_MAX)
        return REC_ERR_LIMIT;
    return wav_writer_write_s16le(state, s16le, (size_t)n_frames);
}

static int wav_finish(void *state)
{
    return wav_writer_finish(state);
}

const struct output_encoder output_encoder_wav = { wav_start, wav_write, wav_finish, free, NULL };

/* ---- FLAC, MP3, Opus: libsndfile ------------------------------------------- */

static int sf_start(const void *options, struct byte_sink *sink, uint32_t rate, unsigned channels,
                    void **state)
{
    struct sndfile_encoder *e = NULL;
    int rc = sndfile_encoder_start(sink, options, rate, channels, &e);
    *state = e;
    return rc;
}

static int sf_write(void *state, const uint8_t *s16le, uint64_t n_frames)
{
    return sndfile_encoder_write(state, s16le, n_frames);
}

static int sf_finish(void *state)
{
    return sndfile_encoder_finish(state);
}

static void sf_destroy(void *state)
{
    sndfile_encoder_destroy(state);
}

void output_encoder_for(const struct audio_encoding *enc, struct output_encoder *out)
{
    if (enc->format == AUDIO_FORMAT_WAV)
        *out = output_encoder_wav;
    else
        *out = (struct output_encoder){ sf_start, sf_write, sf_finish, sf_destroy, enc };
}

/* ---- the state machine ------------------------------------------------------ */

const char *output_state_name(enum output_state s)
{
    switch (s) {
    case OUTPUT_CLOSED: return "closed";
    case OUTPUT_OPEN: return "open";
    case OUTPUT_FAILED: return "failed";
    case OUTPUT_COMMITTED: return "committed";
    case OUTPUT_DISCARDED: return "discarded";
    default: return "unknown";
    }
}

/* A sink's failure may pass if tried again (the network, a deadline, memory);
 * the recorder cannot tell more than the code says. */
static int retriable(int code)
{
    return code == REC_ERR_HTTP || code == REC_ERR_TIMEOUT || code == REC_ERR_NOMEM;
}

/* Closes an open output's sink without keeping it: leaves `to`. */
static void drop(struct output *o, enum output_state to)
{
    if (o->state == OUTPUT_OPEN) {
        o->cfg.encoder->destroy(o->enc_state);
        o->enc_state = NULL;
        byte_sink_close(&o->sink, 0);
    }
    o->state = to;
}

static int fail(struct output *o, int code, const char *doing)
{
    drop(o, OUTPUT_FAILED);
    return rec_error_set(o->err, code, retriable(code), "cannot %s the %s output: %s", doing,
                         o->cfg.label, rec_strerror(code));
}

/* Opens the sink and starts the file at the first sample. */
static int ensure_open(struct output *o)
{
    if (o->state != OUTPUT_CLOSED || !o->cfg.wanted)
        return 0;
    int rc = o->cfg.sinks->open(o->cfg.sinks->user, o->cfg.which, o->rate, o->channels, &o->sink);
    if (rc) {
        o->state = OUTPUT_FAILED; /* nothing to close */
        return fail(o, rc, "open");
    }
    o->state = OUTPUT_OPEN;
    rc = o->cfg.encoder->start(o->cfg.encoder->options, &o->sink, o->rate, o->channels, &o->enc_state);
    if (rc) {
        o->enc_state = NULL;
        byte_sink_close(&o->sink, 0);
        o->state = OUTPUT_FAILED;
        return fail(o, rc, "write");
    }
    return 0;
}

/* The one way frames reach the file (s16le NULL: silence). Frame k of this
 * call is at o->origin_ns + (o->frames + k) / o->rate s: a per-sample
 * filter by absolute time belongs here, before the encoder. */
static int emit(struct output *o, const uint8_t *s16le, uint64_t n_frames)
{
    int rc = ensure_open(o);
    if (rc || o->state != OUTPUT_OPEN || n_frames == 0)
        return rc;
    rc = o->cfg.encoder->write(o->enc_state, s16le, n_frames);
    if (rc)
        return fail(o, rc, "write");
    o->frames += n_frames;
    return 0;
}

static int mix_emit(void *user, const uint8_t *frames, size_t n)
{
    return emit(user, frames, n);
}

int output_init(struct output *o, const struct output_config *cfg, struct rec_error *err)
{
    memset(o, 0, sizeof(*o));
    o->cfg = *cfg;
    if (!o->cfg.encoder)
        o->cfg.encoder = &output_encoder_wav;
    o->channels = cfg->which == RECORDER_OUT_MIX ? 2 : 1;
    o->err = err;
    if (cfg->which != RECORDER_OUT_MIX || !cfg->wanted)
        return 0;
    int rc = stereo_mix_init(&o->mix, cfg->max_mix_lag_bytes, mix_emit, o);
    if (rc)
        return rc;
    o->mix_live = 1;
    return 0;
}

void output_set_rate(struct output *o, uint32_t rate)
{
    if (o->channels == 1) {
        if (!o->rate) {
            o->rate = rate;
            timeline_track_init(&o->tl, rate, o->cfg.max_gap_ms);
        }
        return;
    }
    if (!o->mix_live || o->state == OUTPUT_FAILED || o->state == OUTPUT_DISCARDED)
        return;
    if (!o->rate) {
        o->rate = rate;
    } else if (rate != o->rate) {
        snprintf(o->refused, sizeof(o->refused),
                 "the tracks' rates differ (%u Hz and %u Hz): no stereo mix without resampling",
                 o->rate, rate);
        drop(o, OUTPUT_DISCARDED);
    }
}

void output_set_origin(struct output *o, int64_t origin_ns)
{
    o->origin_ns = origin_ns;
}

int output_place(struct output *o, int64_t time_ns, const uint8_t *s16le, uint64_t n,
                 uint64_t *silence)
{
    *silence = 0;
    if (timeline_track_place(&o->tl, o->origin_ns, time_ns, n, silence) != 0)
        return rec_error_set(o->err, REC_ERR_LIMIT, 0,
                             "%s block at %lld ns starts more than %llu ms after the track's "
                             "end (max_gap_ms)",
                             o->cfg.label, (long long)time_ns,
                             (unsigned long long)(o->tl.max_silence * 1000 / o->tl.rate));
    int rc = emit(o, NULL, *silence); /* opens the file at the first block */
    if (!rc)
        rc = emit(o, s16le, n);
    return rc;
}

int output_mix_add(struct output *mix, int ch, uint64_t silence, const uint8_t *s16le, uint64_t n)
{
    if (!mix->mix_live || mix->state == OUTPUT_FAILED || mix->state == OUTPUT_DISCARDED)
        return 0;
    int rc = 0;
    if (silence)
        rc = stereo_mix_add(&mix->mix, ch, NULL, silence);
    if (!rc && n)
        rc = stereo_mix_add(&mix->mix, ch, s16le, n);
    if (rc)
        return rec_error_set(mix->err, rc, retriable(rc), "%s failed: %s", mix->cfg.label,
                             rec_strerror(rc));
    return 0;
}

static int commit(struct output *o)
{
    int rc = o->cfg.encoder->finish(o->enc_state);
    o->cfg.encoder->destroy(o->enc_state);
    o->enc_state = NULL;
    int c = byte_sink_close(&o->sink, rc == 0);
    if (!rc)
        rc = c;
    o->state = rc ? OUTPUT_FAILED : OUTPUT_COMMITTED;
    if (rc)
        return rec_error_set(o->err, rc, retriable(rc), "cannot finish the %s output: %s",
                             o->cfg.label, rec_strerror(rc));
    return 0;
}

int output_finish(struct output *o, int keep)
{
    int rc = 0;
    if (keep && o->mix_live && (o->state == OUTPUT_CLOSED || o->state == OUTPUT_OPEN))
        rc = stereo_mix_flush(&o->mix);
    if (o->state != OUTPUT_OPEN)
        return rc;
    if (keep)
        return commit(o);
    o->cfg.encoder->destroy(o->enc_state);
    o->enc_state = NULL;
    int c = byte_sink_close(&o->sink, 0);
    o->state = c ? OUTPUT_FAILED : OUTPUT_DISCARDED;
    if (c)
        return rec_error_set(o->err, c, retriable(c), "cannot finish the %s output: %s",
                             o->cfg.label, rec_strerror(c));
    return 0;
}

uint64_t output_samples(const struct output *o)
{
    return o->channels == 1 ? o->tl.samples : 0;
}

void output_clean_up(struct output *o)
{
    drop(o, o->state == OUTPUT_OPEN ? OUTPUT_DISCARDED : o->state);
    if (o->mix_live)
        stereo_mix_clean_up(&o->mix);
    o->mix_live = 0;
}

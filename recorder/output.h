/*
 * One recording output: a role's mono file or the stereo mix, from its
 * first sample to a committed (or discarded) file.
 *
 * Each output has one explicit state instead of flags:
 *
 *   CLOSED ──first sample──> OPEN ──output_finish(keep)──> COMMITTED
 *     │                       │ └───output_finish(!keep)/clean_up──> DISCARDED
 *     │                       └──open/write/finish fails──> FAILED
 *     └──(the mix refused: the tracks' rates differ)──> DISCARDED
 *
 * An output that is not wanted stays CLOSED: its sink is never opened and
 * nothing is encoded. A mono output the mix needs still places its role's
 * blocks on the timeline (the mix is built from what the mono files would
 * hold) even when its own file is not wanted.
 *
 * The write path, the same for every output:
 *
 *   s16le frames (paused spans already zeroed: recorder/redaction.h) ─> encoder ─> byte sink
 *
 * Frame k of an output is at absolute time origin_ns + k / rate seconds,
 * origin_ns being the recording's origin on the stream's clock (the
 * outputs all start there), so a filter that silences spans of wall-clock
 * time goes in emit (output.c) before the encoder. The encoder is a small
 * interface (struct output_encoder): the WAV writer (audio/wav_writer.h)
 * or libsndfile's FLAC, MP3 and Opus (audio/sndfile_encoder.h).
 *
 * Mono outputs: blocks are placed by time on the role's timeline
 * (audio/timeline.h): silence before a block that starts late. The mix:
 * both roles' placed samples interleaved as they come (audio/stereo_mix.h),
 * left role 0, right role 1, only when both tracks got audio at one rate.
 *
 * Storage: struct output lives in the caller's storage (output_init /
 * output_clean_up); it owns its sink once opened, the encoder's state and
 * the mix's lag buffer (capped). Failures go to the error record given at
 * init; messages name the output by its label.
 */
#ifndef REC_RECORDER_OUTPUT_H
#define REC_RECORDER_OUTPUT_H

#include <stddef.h>
#include <stdint.h>

#include "audio/audio_format.h"
#include "audio/byte_sink.h"
#include "audio/stereo_mix.h"
#include "audio/timeline.h"
#include "common/error.h"

enum recorder_output {
    RECORDER_OUT_ROLE0 = 0, /* mono, role 0's track (Connect: AUDIO_FROM_CUSTOMER) */
    RECORDER_OUT_ROLE1 = 1, /* mono, role 1's track (Connect: AUDIO_TO_CUSTOMER) */
    RECORDER_OUT_MIX = 2,   /* stereo: left role 0, right role 1 */
};
#define RECORDER_OUTPUTS 3

/* Bits of a wanted-outputs mask. Connect's recordingAuth 1, 2 and 3 are
 * ROLE0, ROLE1 and ALL. */
#define RECORDER_WANT(which) (1u << (which))
#define RECORDER_WANT_ALL 7u

/* Where outputs' bytes go. open is called at most once per output, when it
 * gets its first sample (an output that never gets audio is never created):
 * it fills *out with an open, empty sink for rate frames/s of channels
 * 16-bit channels and returns 0 or a REC_ERR_* code. The output closes the
 * sink: commit once the file is complete, discard when it must not exist. */
struct recorder_sinks {
    void *user;
    int (*open)(void *user, enum recorder_output which, uint32_t rate, unsigned channels,
                struct byte_sink *out);
};

/* A file format over a byte sink. Frames are interleaved signed 16-bit
 * little-endian samples. Each function returns 0 or a REC_ERR_* code. */
struct output_encoder {
    /* Starts a file of rate frames/s and channels channels on sink (open,
     * empty, outliving the encoder); *state gets the encoder's own state.
     * options is the encoder's own field below. */
    int (*start)(const void *options, struct byte_sink *sink, uint32_t rate, unsigned channels,
                 void **state);
    /* Appends n_frames frames; s16le NULL means silence. */
    int (*write)(void *state, const uint8_t *s16le, uint64_t n_frames);
    /* Completes the file (e.g. the header's sizes); the caller then commits
     * the sink. */
    int (*finish)(void *state);
    /* Frees state (after finish, or instead of it). */
    void (*destroy)(void *state);
    const void *options; /* the format's settings, borrowed; NULL: none */
};

/* 16-bit PCM WAV, RF64 past 4 GiB (audio/wav_writer.h). */
extern const struct output_encoder output_encoder_wav;

/* The encoder writing enc's format into *out: output_encoder_wav for WAV,
 * else libsndfile's FLAC, MP3 or Opus (audio/sndfile_encoder.h) with enc's
 * bitrate. enc is borrowed by *out and must outlive it. */
void output_encoder_for(const struct audio_encoding *enc, struct output_encoder *out);

enum output_state {
    OUTPUT_CLOSED,    /* no sample yet, or not wanted: nothing was opened */
    OUTPUT_OPEN,      /* the sink and encoder are live */
    OUTPUT_FAILED,    /* opening, writing or finishing failed; the sink was discarded */
    OUTPUT_COMMITTED, /* finished and kept */
    OUTPUT_DISCARDED, /* closed without keeping, or the mix refused */
};

/* The state's name ("closed", ...), static. */
const char *output_state_name(enum output_state s);

struct output_config {
    enum recorder_output which;          /* passed to sinks->open; MIX makes a stereo output */
    int wanted;                          /* 0: no file (a mono role only the mix needs) */
    const char *label;                   /* names it in messages, e.g. "AUDIO_FROM_CUSTOMER"; borrowed */
    const struct recorder_sinks *sinks;  /* borrowed */
    const struct output_encoder *encoder; /* borrowed; NULL = output_encoder_wav */
    uint64_t max_gap_ms;                 /* mono: silence one block may require; 0 = 1 hour */
    size_t max_mix_lag_bytes;            /* mix: lag buffer cap; 0 = 2 MiB */
};

/* Private: defined here so callers can embed it. */
struct output {
    struct output_config cfg;
    unsigned channels;
    enum output_state state;
    uint32_t rate;      /* frames per second, 0 until known */
    int64_t origin_ns;  /* absolute time of frame 0, ns on the stream's clock */
    struct rec_error *err;
    struct byte_sink sink;
    void *enc_state;
    uint64_t frames;    /* frames given to the encoder */
    struct timeline_track tl; /* mono */
    struct stereo_mix mix;    /* the mix, when wanted */
    int mix_live;
    char refused[160];  /* the mix: why it was not made although wanted, "" */
};

/* Prepares o (caller's storage). err (outliving o) receives failures.
 * Returns 0 or REC_ERR_NOMEM (the mix's buffers). Pair with
 * output_clean_up either way. */
int output_init(struct output *o, const struct output_config *cfg, struct rec_error *err);

/* Tells the output a rate its samples come at, in Hz (> 0). Mono: the
 * first call sets up the timeline, later ones must give the same rate
 * (recorder/track_decoder.h refuses a change). Mix: each role's rate as it
 * becomes known; when two differ the mix is refused (DISCARDED with a
 * reason in refused; not an error: the mono files are still written). */
void output_set_rate(struct output *o, uint32_t rate);

/* Fixes the recording's origin, absolute ns on the stream's clock: the time
 * of every output's frame 0. Called once, before the first sample. */
void output_set_origin(struct output *o, int64_t origin_ns);

/* Mono: places a block of n samples (s16le, 2n bytes) that starts at
 * time_ns (absolute, ns) on the timeline starting at the origin, and writes
 * the silence before it and its samples to the file. *silence gets the
 * samples of silence placed before it (for the mix). Returns 0,
 * REC_ERR_LIMIT when the block starts further after the track's end than
 * max_gap_ms allows (nothing placed), or the sink's error (state FAILED). */
int output_place(struct output *o, int64_t time_ns, const uint8_t *s16le, uint64_t n,
                 uint64_t *silence);

/* Mix: adds silence samples of silence, then n samples (s16le) to channel
 * ch (0 left, 1 right). A mix not wanted, refused or failed ignores it.
 * Returns 0 or the sink's error (state FAILED). */
int output_mix_add(struct output *mix, int ch, uint64_t silence, const uint8_t *s16le,
                   uint64_t n);

/* Ends the output. keep: commit it if open (the mix first emits what it
 * holds); otherwise discard it. An output never opened stays CLOSED.
 * Returns 0 or the error finishing or closing it (state FAILED). */
int output_finish(struct output *o, int keep);

/* Samples placed on a mono output's timeline, silence included (also when
 * its file is not wanted). */
uint64_t output_samples(const struct output *o);

/* Frees what o holds; an output still open is discarded. Safe twice. */
void output_clean_up(struct output *o);

#endif

/*
 * The recorder: a call's audio out of a Kinesis Video Streams media stream
 * (GetMedia output: Matroska fragments), into mono files per role and a
 * stereo mix.
 *
 * It does not care which service wrote the stream: the caller says which
 * tracks hold the call's two sides (struct track_roles), which tag names the
 * call and which call is wanted, and which outputs it wants. Amazon
 * Connect's layout is recorder_tracks_connect and RECORDER_CALL_TAG_CONNECT.
 * kvs2wav and the Lambda handler drive it the same way:
 *
 *     recorder_new(&opt, &rec);
 *     while (more input && rc == 0)
 *         rc = recorder_push(rec, bytes, n);   // MKV_STOP: complete, stop reading
 *     rc = recorder_finish(rec);               // finalizes the files
 *     recorder_get_stats(rec, &stats);         // fragments, tracks, outputs
 *     recorder_destroy(rec);
 *
 * Outputs (recorder/output.h): role 0 and role 1 as mono 16-bit files at
 * the track's rate, each only when the track got audio, and the stereo mix
 * (left role 0, right role 1) only when both did and their rates agree.
 * Both roles share one timeline starting at the recording's origin (the
 * earliest block time of either role track, wanted or not, that can be
 * decoded), so a track that starts late begins with silence; each mono file
 * ends with its own last sample, the mix is as long as the longer track.
 * An output nobody wants is not decoded at all: its role's blocks are read
 * for their times until the origin is fixed, then skipped unread.
 *
 * Inside: the Matroska reader (kvs/mkv_reader.h) drives the fragment gate
 * (recorder/fragment_gate.h), which judges fragments and commits their
 * frames; each role's track decoder (recorder/track_decoder.h) turns them
 * into samples for the outputs.
 *
 * Memory is bounded whatever the input's length: one fragment's frames are
 * held (Connect writes ContactId and MimeType after the Cluster, so a
 * fragment can only be judged at its end), plus the mix's lag buffer, the
 * reader's element buffer and the sinks' own buffers. Everything is written
 * as it is read.
 *
 * Errors: one record (common/error.h, recorder_error), the first failure
 * wins; media faults are never retriable.
 */
#ifndef REC_RECORDER_RECORDER_H
#define REC_RECORDER_RECORDER_H

#include <stddef.h>
#include <stdint.h>

#include "common/error.h"
#include "kvs/fragment_number.h"
#include "kvs/mkv_reader.h"
#include "kvs/resume_point.h"
#include "recorder/fragment_select.h"
#include "recorder/output.h"
#include "recorder/redaction.h"
#include "recorder/track_codec.h"

/* Amazon Connect's layout (REFERENCE.md §3): tracks AUDIO_FROM_CUSTOMER
 * (role 0) and AUDIO_TO_CUSTOMER (role 1); the older single track
 * Track_audio/L16, or a lone unnamed audio track, is role 0; the call is
 * named by the ContactId tag. */
extern const struct track_roles recorder_tracks_connect;
#define RECORDER_CALL_TAG_CONNECT "ContactId"

struct recorder_options {
    struct track_roles tracks; /* which tracks are role 0 and 1; strings borrowed */
    /* The TagName naming the call (Connect: "ContactId", Chime:
     * "TransactionId"); borrowed. NULL/"": no call tag (call_id must be unset). */
    const char *call_tag;
    const char *call_id;        /* the wanted call, NULL/"" = every call; copied */
    const char *start_fragment; /* NULL/"" = from the first fragment; included; copied */
    const char *stop_fragment;  /* NULL/"" = to the end; included, nothing after; copied */
    unsigned outputs;           /* RECORDER_WANT(...) bits; at least one */
    struct recorder_sinks sinks;
    /* Wall-clock spans silenced in every output (recorder/redaction.h);
     * copied. All zero: nothing is silenced. */
    struct redaction_config redaction;
    /* The outputs' file format (recorder/output.h's output_encoder_for);
     * borrowed; NULL: WAV. */
    const struct output_encoder *encoder;
    /* Caps (0 = default). */
    size_t max_fragment_bytes; /* one held fragment's frames: 8 MiB */
    size_t max_mix_lag_bytes;  /* stereo mix lag buffer: 2 MiB */
    uint64_t max_gap_ms;       /* silence one block may require: 1 hour */
    size_t max_element_bytes;  /* the reader's element cap (and largest block): 4 MiB */
};

struct recorder_track_stats {
    const char *name;     /* the role's configured track name ("" if none); borrowed */
    int present;          /* the role had a track in a used fragment */
    char codec_id[TRACK_CODEC_ID_MAX + 1]; /* its CodecID, e.g. "A_AAC" ("" if too long) */
    const char *pcm;      /* "s16le", "s16be", or NULL if not decodable */
    uint32_t rate;        /* Hz, 0 if unknown */
    int decoded;          /* its blocks are decoded (its file or the mix is wanted) */
    uint64_t samples;     /* on its timeline, silence included (0 when not decoded) */
    uint64_t blocks;      /* blocks placed */
    uint64_t gaps_ms;     /* silence filled between blocks, ms */
    uint64_t lead_ms;     /* silence before its first block (late start), ms */
    /* Why the track could not be decoded, "" if it could: data for the log
     * (a wanted one also makes recorder_finish return REC_ERR_UNSUPPORTED). */
    char unsupported[224];
};

struct recorder_output_stats {
    enum output_state state; /* OUTPUT_COMMITTED: the file exists */
    uint64_t frames;         /* frames written (samples per channel) */
};

struct recorder_stats {
    uint64_t fragments_used;
    uint64_t fragments_skipped; /* read (at least to their Cluster) and not used */
    char first_fragment[FRAGMENT_NUMBER_MAX_DIGITS + 1]; /* first used, "" if none */
    char last_fragment[FRAGMENT_NUMBER_MAX_DIGITS + 1];  /* last used, "" if none */
    /* The wanted call, or without one the call tag of the first used
     * fragment ("" if none, or longer than FRAGMENT_SELECT_MAX_CALL_ID). */
    char call_id[FRAGMENT_SELECT_MAX_CALL_ID + 1];
    /* Why the recording is complete (the stop fragment or a call change was
     * reached); FRAGMENT_NOT_DONE while it is not. */
    enum fragment_done_reason done_why;
    const char *done_reason; /* "stop_fragment", "call_changed" or NULL */
    int truncated;           /* the input ended inside a fragment */
    uint64_t bytes_read;     /* since the last recorder_restart_input */
    /* The recording's origin: the absolute time of every output's first
     * sample, in ns on the stream's clock (Cluster Timecode scale: Connect's
     * and Chime's timecodes are epoch ms, so this is epoch ns). */
    int origin_set;
    int64_t origin_ns;
    struct recorder_track_stats track[TRACK_ROLES];
    struct recorder_output_stats output[RECORDER_OUTPUTS];
    /* What the redaction silenced: samples per role, fragments placed by
     * their server timestamp or silenced whole (recorder/redaction.h). */
    struct redaction_stats redaction;
    uint64_t redacted_ms[TRACK_ROLES]; /* ms of each role's audio silenced */
    uint64_t mix_lost_samples; /* see audio/stereo_mix.h */
    char mix_refused[160];     /* why there is no mix although wanted and two tracks, "" */
};

struct recorder;

/* Creates a recorder (heap; free with recorder_destroy). Returns 0,
 * REC_ERR_INVALID (a fragment number is not decimal, start > stop, a call
 * ID longer than FRAGMENT_SELECT_MAX_CALL_ID or without a call tag, a track
 * name longer than TRACK_NAME_MAX or both roles named alike, no output
 * wanted, no sinks.open) or REC_ERR_NOMEM. */
int recorder_new(const struct recorder_options *opt, struct recorder **out);

/* Feeds len bytes of GetMedia output, split anywhere. Returns 0 to go on,
 * MKV_STOP once the recording is complete (stop fragment used, or the call
 * changed: the caller should stop reading; more input is ignored), or a
 * negative REC_ERR_* that stays set (REC_ERR_INVALID malformed input,
 * REC_ERR_LIMIT a cap, REC_ERR_AWS a KVS error tag, REC_ERR_IO and others a
 * sink failed; details in recorder_error). REC_ERR_STATE after finish. */
int recorder_push(struct recorder *r, const uint8_t *bytes, size_t len);

/* Non-zero once the recording is complete (see recorder_push). */
int recorder_done(const struct recorder *r);

/* For a GetMedia that ended early: forgets a fragment that was cut and not
 * yet used, and restarts the reader for a new byte stream that continues
 * after the resume point. Returns 0, or REC_ERR_STATE when audio of the cut
 * fragment was already written (no call filter and codecs known at its
 * start), after finish, or after an error. */
int recorder_restart_input(struct recorder *r);

/* Where a GetMedia that ended early may go on from (KVS GetMedia
 * StartSelector: the continuation token, else the last fragment number);
 * copied into *out. */
void recorder_resume_point(const struct recorder *r, struct kvs_resume_point *out);

/* Ends the input and finalizes every output with audio, also after an
 * error: every complete block read before the end or the fault is kept. A
 * fragment cut off by the end of input (or an error) is judged with the
 * tags it had (recorder/fragment_select.h: FRAGMENT_CUT). Returns 0, the
 * sticky error, REC_ERR_UNSUPPORTED when a decoded track's codec could not
 * be decoded (the other track is still written) or the used fragments have
 * no track with a role, or REC_ERR_TRUNCATED when the input ended inside a
 * fragment; a non-zero result is also in recorder_error. Calling it twice
 * returns the same result. */
int recorder_finish(struct recorder *r);

/* Fills *out (strings borrowed from r and the options, valid until
 * recorder_destroy). */
void recorder_get_stats(const struct recorder *r, struct recorder_stats *out);

/* The first failure (code 0 and "" if none), owned by r. */
const struct rec_error *recorder_error(const struct recorder *r);

/* Frees r; outputs not finalized by recorder_finish are discarded. NULL ok. */
void recorder_destroy(struct recorder *r);

#endif

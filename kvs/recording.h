/*
 * The recorder: GetMedia bytes in, a contact's WAV recordings out.
 *
 * Glue between the Matroska reader (kvs/mkv_reader.h), fragment selection
 * (recorder/fragment_select.h), track roles and codecs (recorder/track_codec.h), the
 * audio timeline (audio/timeline.h), the stereo mix (audio/stereo_mix.h) and
 * the WAV writer (audio/wav_writer.h) over byte sinks (audio/byte_sink.h).
 * kvs2wav and the Lambda handler drive it the same way:
 *
 *     recording_new(&cfg, &rec);
 *     while (more input && rc == 0)
 *         rc = recording_push(rec, bytes, n);   // MKV_STOP: complete, stop reading
 *     rc = recording_finish(rec);               // finalizes the WAVs
 *     recording_get_stats(rec, &stats);         // fragments, tracks, resume point
 *     recording_destroy(rec);
 *
 * Outputs: AUDIO_FROM_CUSTOMER and AUDIO_TO_CUSTOMER as mono 16-bit WAVs at
 * the track's rate, each only when the track got audio, and the stereo mix
 * (left from, right to) only when both did and their rates agree. Both
 * tracks share one timeline starting at the recording's origin (the
 * earliest block time of either track), so a track that starts late begins
 * with silence; each mono file ends with its own last sample, the mix is as
 * long as the longer track.
 *
 * Memory is bounded whatever the input's length: one fragment's frames are
 * held (Connect writes the ContactId and MimeType tags after the Cluster,
 * so a fragment can only be judged at its end), plus the mix's lag buffer,
 * the reader's element buffer and the sinks' own buffers. Everything is
 * written as it is read.
 */
#ifndef REC_KVS_RECORDING_H
#define REC_KVS_RECORDING_H

#include <stddef.h>
#include <stdint.h>

#include "audio/byte_sink.h"
#include "kvs/fragment_number.h"
#include "recorder/fragment_select.h"
#include "kvs/mkv_reader.h"

enum recording_output {
    RECORDING_FROM_CUSTOMER = 0, /* mono, AUDIO_FROM_CUSTOMER */
    RECORDING_TO_CUSTOMER = 1,   /* mono, AUDIO_TO_CUSTOMER */
    RECORDING_MIXED = 2,         /* stereo: left from, right to */
};
#define RECORDING_OUTPUTS 3

/* Where the WAVs go. open is called at most once per output, when it gets
 * its first sample (so an output that never gets audio is never created):
 * it fills *out with an open, empty sink for rate frames/s of channels
 * 16-bit channels and returns 0 or a REC_ERR_* code. The recorder closes the
 * sink: commit once the WAV is complete (recording_finish), discard when it
 * must not exist (a mix whose other track never got audio, a failed write,
 * recording_destroy without finish). */
struct recording_sinks {
    void *user;
    int (*open)(void *user, enum recording_output which, uint32_t rate, unsigned channels,
                struct byte_sink *out);
};

struct recording_config {
    const char *contact_id;     /* NULL/"" = every contact; copied */
    const char *start_fragment; /* NULL/"" = from the first fragment; included */
    const char *stop_fragment;  /* NULL/"" = to the end; included, nothing after */
    struct recording_sinks sinks;
    /* Caps (0 = default). */
    size_t max_fragment_bytes; /* one held fragment's frames: 8 MiB */
    size_t max_mix_lag_bytes;  /* stereo mix lag buffer: 2 MiB */
    uint64_t max_gap_ms;       /* silence one block may require: 1 hour */
    size_t max_element_bytes;  /* the reader's element cap: 4 MiB */
};

struct recording_track_stats {
    const char *name;     /* "AUDIO_FROM_CUSTOMER" / "AUDIO_TO_CUSTOMER" */
    int present;          /* the track appeared in a used fragment */
    char codec_id[64];    /* its CodecID, e.g. "A_AAC" */
    const char *pcm;      /* "s16le", "s16be", or NULL if not decodable */
    uint32_t rate;        /* Hz, 0 if unknown */
    uint64_t samples;     /* in its mono output, silence included */
    uint64_t blocks;      /* blocks placed */
    uint64_t gaps_ms;     /* silence filled between blocks, ms */
    uint64_t lead_ms;     /* silence before its first block (late start), ms */
    char error[192];      /* why the track is unsupported, "" if it is fine */
};

struct recording_stats {
    uint64_t fragments_used;
    uint64_t fragments_skipped; /* read (at least to their Cluster) and not used */
    char first_fragment[FRAGMENT_NUMBER_MAX_DIGITS + 1]; /* first used, "" if none */
    char last_fragment[FRAGMENT_NUMBER_MAX_DIGITS + 1];  /* last used, "" if none */
    /* The wanted contact, or without one the ContactId of the first used
     * fragment ("" if none). */
    char contact_id[FRAGMENT_SELECT_MAX_CALL_ID + 1];
    /* To resume a GetMedia that ended early: the last fragment whose end was
     * read (for an AfterFragmentNumber selector) and the last
     * AWS_KINESISVIDEO_CONTINUATION_TOKEN seen ("" if none). */
    char last_fragment_seen[FRAGMENT_NUMBER_MAX_DIGITS + 1];
    char continuation_token[256];
    int done;                /* the stop fragment or a contact change was reached */
    const char *done_reason; /* "stop_fragment", "contact_changed" or NULL */
    int truncated;           /* the input ended inside a fragment */
    uint64_t bytes_read;
    struct recording_track_stats track[2]; /* [RECORDING_FROM_CUSTOMER], [..TO..] */
    uint64_t mix_frames;       /* frames in the stereo mix */
    uint64_t mix_lost_samples; /* see audio/stereo_mix.h */
    char mix_error[192];       /* why there is no mix despite two tracks, "" */
    int committed[RECORDING_OUTPUTS]; /* output finished and kept */
};

struct recording;

/* Creates a recorder (heap; free with recording_destroy). Returns 0,
 * REC_ERR_INVALID (a fragment number is not decimal, start > stop, a
 * contact ID longer than 255 bytes, no sinks.open) or REC_ERR_NOMEM. */
int recording_new(const struct recording_config *cfg, struct recording **out);

/* Feeds len bytes of GetMedia output, split anywhere. Returns 0 to go on,
 * MKV_STOP once the recording is complete (stop fragment used, or the
 * contact changed: the caller should stop reading; more input is ignored),
 * or a negative REC_ERR_* that stays set (REC_ERR_INVALID malformed input,
 * REC_ERR_UNSUPPORTED, REC_ERR_LIMIT a cap, REC_ERR_AWS a KVS error tag,
 * REC_ERR_IO a sink failed). Details: recording_error. */
int recording_push(struct recording *r, const uint8_t *bytes, size_t len);

/* Non-zero once the recording is complete (see recording_push). */
int recording_done(const struct recording *r);

/* Ends the input and finalizes every output with audio, also after an
 * error: every complete block read before the end or the fault is kept. A
 * fragment cut off by the end of input (or an error) is judged with the
 * tags it had (recorder/fragment_select.h: FRAGMENT_CUT). Returns 0, the sticky
 * error, REC_ERR_UNSUPPORTED when a track's codec could not be decoded
 * (the other track is still written) or the used fragments have no track
 * to record, or REC_ERR_TRUNCATED when the input ended inside a fragment.
 * Calling it twice returns the same result. */
int recording_finish(struct recording *r);

/* For a GetMedia that ended early: forgets a fragment that was cut and not
 * yet used, and restarts the reader for a new byte stream that continues
 * after stats.last_fragment_seen (or from the continuation token). Returns
 * 0, or REC_ERR_STATE when audio of the cut fragment was already written
 * (no contact filter and codecs known at its start), after finish, or after
 * an error. */
int recording_restart_input(struct recording *r);

/* Fills *out (strings owned by r, valid until recording_destroy). */
void recording_get_stats(const struct recording *r, struct recording_stats *out);

/* The first error's explanation ("" if none), owned by r. */
const char *recording_error(const struct recording *r);

/* Frees r; outputs not finalized by recording_finish are discarded. NULL ok. */
void recording_destroy(struct recording *r);

#endif

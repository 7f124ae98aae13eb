/*
 * One role's track across the fragments of a recording: its codec, decided
 * at every used fragment (tracks are repeated per fragment, and A_AAC's
 * meaning comes from each fragment's MimeType tag), and its blocks turned
 * into signed 16-bit little-endian samples.
 *
 * A track that cannot be decoded (recorder/track_codec.h), or whose rate
 * changes mid-stream (its samples would no longer line up in one file), is
 * refused for good: its blocks are dropped from then on and the reason is
 * kept, for the recorder's statistics and its UNSUPPORTED result. What it
 * wrote before stays.
 *
 * Storage: struct track_decoder lives in the caller's storage
 * (track_decoder_init / track_decoder_clean_up); a conversion buffer for
 * byte-swapped blocks grows on the heap up to max_block_bytes.
 */
#ifndef REC_RECORDER_TRACK_DECODER_H
#define REC_RECORDER_TRACK_DECODER_H

#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"
#include "common/bytes.h"
#include "recorder/track_codec.h"

struct track_decoder {
    const char *label;  /* names the role in reasons, e.g. "AUDIO_TO_CUSTOMER"; borrowed */
    int present;        /* the role had a track in a used fragment */
    char codec_id[TRACK_CODEC_ID_MAX + 1]; /* its latest CodecID, "" if absent or too long */
    int resolved;       /* the codec was decided at least once */
    struct track_codec codec;
    int refused;        /* not decodable (any more) */
    char why[224];      /* why it was refused, beginning with the label; "" */
    struct rec_buf scratch; /* byte-swapped blocks */
};

/* Prepares d for the role named label (borrowed) whose blocks are at most
 * max_block_bytes (the reader's element cap). Nothing to fail. */
void track_decoder_init(struct track_decoder *d, const char *label, size_t max_block_bytes);

/* Decides the codec of the role's track t in a used fragment, with the
 * fragment's MimeType (NULL if none). A codec that cannot be decoded, or a
 * rate other than the one decided before, refuses the track for good. */
void track_decoder_update(struct track_decoder *d, const struct track_entry *t,
                          const struct track_mime *mime);

/* Non-zero when the role's blocks can be decoded now. */
int track_decoder_usable(const struct track_decoder *d);

/* Converts a block (in: len bytes in the track's layout) to s16le in *out:
 * in itself for little-endian PCM, else d's buffer (valid until the next
 * call). Returns 0, REC_ERR_INVALID when len is odd (not whole samples),
 * REC_ERR_LIMIT past max_block_bytes, REC_ERR_NOMEM, or REC_ERR_STATE when
 * the track is not usable. */
int track_decoder_to_s16le(struct track_decoder *d, struct rec_bytes in, struct rec_bytes *out);

/* Frees the conversion buffer. Safe twice. */
void track_decoder_clean_up(struct track_decoder *d);

#endif

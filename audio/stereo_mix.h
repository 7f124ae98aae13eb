/*
 * Interleaving two mono tracks into one stereo stream, as they are read.
 *
 * The stereo recording (left = AUDIO_FROM_CUSTOMER, right =
 * AUDIO_TO_CUSTOMER) is frame i = (left[i], right[i]), where left and right
 * are exactly the two mono outputs (leading silence and gap silence
 * included); the shorter one is padded with silence at the end.
 *
 * Why as you go and not from the finished mono files: in the Lambda the mono
 * files are S3 multipart uploads that keep only their first part, so there
 * is nothing to read back at the end. The price is a lag buffer: whichever
 * channel is ahead is held until the other catches up. The buffer has a hard
 * cap. When it fills, the oldest held frames are written with silence on the
 * lagging channel (it has had no block for that long, so in a time-ordered
 * stream its next block will start later and the silence is what its own
 * timeline will put there); the lagging channel's samples for those frames
 * are then skipped when they arrive, and any that are not silence are
 * counted in lost_samples (only possible when one track's blocks trail the
 * other's in the stream by more than the cap, which Connect never does).
 *
 * Samples are signed 16-bit little-endian bytes throughout (the WAV data
 * format), so no step depends on the host's byte order.
 */
#ifndef REC_AUDIO_STEREO_MIX_H
#define REC_AUDIO_STEREO_MIX_H

#include <stddef.h>
#include <stdint.h>

/* Receives n_frames interleaved stereo frames (n_frames * 4 bytes, s16le).
 * Returns 0 or a negative REC_ERR_*, which stereo_mix_add returns. */
typedef int (*stereo_mix_emit_fn)(void *user, const uint8_t *frames, size_t n_frames);

struct stereo_mix {
    stereo_mix_emit_fn emit;
    void *user;
    uint64_t total[2];     /* samples received per channel (0 left, 1 right) */
    uint64_t emitted;      /* frames emitted */
    uint64_t lost_samples; /* non-zero samples skipped, see above */
    /* Ring of the leading channel's samples not yet emitted: position
     * emitted .. emitted + held - 1 of channel `leader`. */
    uint8_t *ring;
    size_t ring_cap; /* samples */
    size_t ring_head;
    size_t held;
    int leader;
    uint8_t *out;    /* staging for emit, OUT_FRAMES frames */
    size_t out_n;
};

/* Prepares m. max_lag_bytes caps the lag buffer (0 = 2 MiB, about 131 s at
 * 8 kHz); emit gets the frames. Returns 0 or REC_ERR_NOMEM. */
int stereo_mix_init(struct stereo_mix *m, size_t max_lag_bytes, stereo_mix_emit_fn emit, void *user);

/* Adds n samples to channel ch (0 left, 1 right). s16le holds n*2 bytes, or
 * is NULL for n samples of silence. Returns 0 or the emit callback's error. */
int stereo_mix_add(struct stereo_mix *m, int ch, const uint8_t *s16le, uint64_t n);

/* Emits everything held, padding the shorter channel with silence, so that
 * emitted == max(total[0], total[1]). Returns 0 or the emit error. */
int stereo_mix_flush(struct stereo_mix *m);

/* Frees the lag buffer and staging area (the frames still held are
 * dropped: call stereo_mix_flush first to keep them). Safe twice. */
void stereo_mix_clean_up(struct stereo_mix *m);

#endif

/*
 * Streaming writer of 16-bit PCM WAV files, RF64 beyond 4 GiB.
 *
 * Samples are written as they arrive; nothing is kept but the counters, so a
 * recording of any length needs the same few bytes. The header is written
 * once as a placeholder and rewritten by wav_writer_finish with the final
 * sizes: the only seek, back to offset 0 for 80 bytes, inside the byte
 * sink's header region (audio/byte_sink.h).
 *
 * Layout (EBU Tech 3306 "MBWF / RF64", section 3.4, the way to write a file
 * whose final size is unknown): "RIFF" + "WAVE" + a 28-byte "JUNK" chunk
 * reserved for ds64 + "fmt " (WAVE_FORMAT_PCM, 16 bytes) + "data".
 * Finished at up to 4 GiB it stays a RIFF/WAVE file (readers skip JUNK);
 * past that the JUNK becomes "ds64" with the 64-bit sizes and the file
 * becomes RF64 (riff and data sizes 0xFFFFFFFF).
 *
 * Why not libsndfile's own writer: its SF_FORMAT_RF64 (even downgraded with
 * SFC_RF64_AUTO_DOWNGRADE) always writes WAVE_FORMAT_EXTENSIBLE plus a fact
 * chunk, which plain-PCM readers such as Python 3.11's wave module refuse,
 * and its SF_FORMAT_WAV cannot grow past 4 GiB. The files this writer makes
 * are checked with libsndfile (sf_open) and Python's wave in the tests.
 */
#ifndef REC_AUDIO_WAV_WRITER_H
#define REC_AUDIO_WAV_WRITER_H

#include <stddef.h>
#include <stdint.h>

#include "audio/byte_sink.h"

/* Size of the header this writer puts before the samples, in bytes. */
#define WAV_HEADER_BYTES 80u

struct wav_writer {
    struct byte_sink *sink; /* not owned: the caller closes it */
    uint32_t rate;          /* frames per second */
    uint16_t channels;      /* 1 or 2 */
    uint64_t data_bytes;    /* sample bytes written */
    int finished;
};

/* Starts a WAV of rate frames/s and channels (1..8) 16-bit channels on an
 * open, empty sink: writes the placeholder header. sink must outlive w.
 * Returns 0, REC_ERR_INVALID (bad rate/channels) or the sink's error. */
int wav_writer_init(struct wav_writer *w, struct byte_sink *sink, uint32_t rate, unsigned channels);

/* Appends n_frames frames of interleaved signed 16-bit little-endian samples
 * (n_frames * channels * 2 bytes at s16le). Returns 0, REC_ERR_STATE after
 * finish, or the sink's error. */
int wav_writer_write_s16le(struct wav_writer *w, const uint8_t *s16le, size_t n_frames);

/* Appends n_frames frames of silence (zeros). Errors as above. */
int wav_writer_write_silence(struct wav_writer *w, uint64_t n_frames);

/* Frames written so far. */
uint64_t wav_writer_frames(const struct wav_writer *w);

/* Rewrites the header with the final sizes (RIFF up to 4 GiB, else RF64)
 * and leaves the sink positioned at its end; the caller then closes the
 * sink. Returns 0, REC_ERR_STATE if called twice, or the sink's error. */
int wav_writer_finish(struct wav_writer *w);

#endif

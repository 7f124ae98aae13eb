/*
 * FLAC, MP3 and Opus-in-Ogg files written by libsndfile over a byte sink
 * (audio/byte_sink.h), as the samples arrive.
 *
 * libsndfile writes through its virtual I/O (sf_open_virtual): its writes
 * go to the sink, its seeks and tells to the sink's position. What makes a
 * streamed upload possible is where these formats seek, checked against
 * the byte sink's promise (seeks only back into the first
 * BYTE_SINK_HEADER_REGION = 4 KiB, or to the end) by the unit tests:
 *  - FLAC: libFLAC writes "fLaC" and STREAMINFO first and, when the
 *    encoder finishes, seeks back to STREAMINFO (bytes 8..41: total
 *    samples, MD5 of the audio, minimum and maximum frame size; FLAC format
 *    specification, "METADATA_BLOCK_STREAMINFO") and rewrites it. No
 *    SEEKTABLE is asked for, so nothing else is rewritten. Like the WAV
 *    header, these bytes are in part 1, which the S3 upload holds and sends
 *    last: the object gets the final STREAMINFO.
 *  - MP3: LAME's Info frame (the first frame: frame count, byte count,
 *    encoder delay and padding for gapless decoding) is rewritten at the
 *    end the same way (libsndfile mpeg_l3_encode.c, lame_get_lametag_frame).
 *  - Opus in Ogg: written straight through (Ogg pages carry their own
 *    granule positions; RFC 7845), no seek back.
 * A sink that refuses a seek makes libsndfile's write fail, never a file
 * with a stale header.
 *
 * Bitrates (audio/audio_format.h: per channel) reach libsndfile through its
 * only knob, SFC_SET_COMPRESSION_LEVEL (0..1), inverted from libsndfile
 * 1.2.0's own mapping: MP3 constant bitrate = top - level * (top - 8)
 * kbps, top = 64 (MPEG-2.5, rates under 16 kHz), 160 (MPEG-2, 16-24 kHz)
 * or 320 (MPEG-1); Opus target = ((1 - level) * 250000 + 6000) bps per
 * channel. MP3's total (kbps x channels) must be one of the bitrates its
 * MPEG version allows (ISO/IEC 11172-3 and 13818-3 Layer III tables).
 *
 * Storage: the encoder is heap (sndfile_encoder_start / _destroy); the sink
 * is borrowed and must outlive it.
 */
#ifndef REC_AUDIO_SNDFILE_ENCODER_H
#define REC_AUDIO_SNDFILE_ENCODER_H

#include <stddef.h>
#include <stdint.h>

#include "audio/audio_format.h"
#include "audio/byte_sink.h"

struct sndfile_encoder;

/* Whether enc (FLAC, MP3 or Opus) can be written at rate frames/s with
 * channels channels: 0, REC_ERR_UNSUPPORTED (the rate, or MP3's total
 * bitrate at that rate's MPEG version) or REC_ERR_INVALID. What
 * sndfile_encoder_start checks first; a configuration can ask it before a
 * recording starts. */
int sndfile_encoder_check(const struct audio_encoding *enc, uint32_t rate, unsigned channels);

/* Starts a file in enc's format (FLAC, MP3 or Opus; not WAV: that is
 * audio/wav_writer.h) of rate frames/s and channels (1 or 2) 16-bit
 * channels on an open, empty sink. Returns 0, REC_ERR_UNSUPPORTED (a rate
 * or bitrate the format cannot take: MP3 rates are 8, 11.025, 12, 16,
 * 22.05, 24, 32, 44.1 and 48 kHz, Opus rates 8, 12, 16, 24 and 48 kHz),
 * REC_ERR_INVALID, REC_ERR_NOMEM or the sink's error. */
int sndfile_encoder_start(struct byte_sink *sink, const struct audio_encoding *enc, uint32_t rate,
                          unsigned channels, struct sndfile_encoder **out);

/* Appends n_frames frames of interleaved signed 16-bit little-endian
 * samples (n_frames * channels * 2 bytes); s16le NULL: silence. Returns 0,
 * REC_ERR_STATE after finish, the sink's error, or REC_ERR_IO (libsndfile
 * failed for another reason). */
int sndfile_encoder_write(struct sndfile_encoder *e, const uint8_t *s16le, uint64_t n_frames);

/* Completes the file (the rewrites above) and leaves the sink at its end;
 * the caller then commits the sink. Errors as write. */
int sndfile_encoder_finish(struct sndfile_encoder *e);

/* Frees e (after finish, or instead of it: the sink's bytes are then
 * incomplete and must be discarded). NULL accepted. */
void sndfile_encoder_destroy(struct sndfile_encoder *e);

#endif

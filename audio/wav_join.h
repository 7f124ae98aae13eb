/*
 * Joining mono WAV files as the channels of one WAV file, each channel
 * shifted by its own lead of silence.
 *
 * Two recordings made apart (a Chime call's two legs, each its own Kinesis
 * Video stream) share one timeline only once each is placed at its start:
 * channel c's frame k is file c's sample k - lead[c] (silence before its
 * lead and after its end), and the output is as long as the longest
 * channel. The files are read back with libsndfile a block at a time and
 * the output is written through the WAV writer (audio/wav_writer.h) on a
 * byte sink as it goes, so memory stays flat whatever the length.
 */
#ifndef REC_AUDIO_WAV_JOIN_H
#define REC_AUDIO_WAV_JOIN_H

#include <stdint.h>

#include "audio/byte_sink.h"
#include "common/error.h"

#define WAV_JOIN_MAX_CHANNELS 2

struct wav_join_channel {
    const char *path;     /* a mono 16-bit PCM WAV at the output's rate; NULL: silence */
    uint64_t lead_frames; /* frames of silence before its first sample */
};

struct wav_join_result {
    uint64_t frames;                               /* output frames (per channel) */
    uint64_t samples[WAV_JOIN_MAX_CHANNELS];       /* samples read from each file */
};

/* Writes a WAV of n channels (1..WAV_JOIN_MAX_CHANNELS) at rate Hz on sink
 * (open and empty; the caller closes it: commit on 0, discard otherwise).
 * Returns 0; REC_ERR_INVALID (a file that is not mono 16-bit PCM at rate,
 * bad arguments), REC_ERR_IO (a file that cannot be read), REC_ERR_NOMEM,
 * or the sink's error; err says which. */
int wav_join(const struct wav_join_channel *ch, unsigned n, uint32_t rate, struct byte_sink *sink,
             struct wav_join_result *out, struct rec_error *err);

#endif

/*
 * The file formats a recording can be written in, and what names, labels
 * and bitrates go with each: one table, so the object names, the
 * Content-Type, the configuration and the encoders never disagree.
 *
 *   format  extension  Content-Type  codec                      bitrate
 *   wav     .wav       audio/wav     16-bit PCM (wav_writer.h)  -
 *   flac    .flac      audio/flac    FLAC, lossless             -
 *   mp3     .mp3       audio/mpeg    MPEG-1/2/2.5 Layer III, CBR  24 kbps per channel
 *   opus    .opus      audio/ogg     Opus in Ogg, VBR           12 kbps per channel
 *
 * Content types: RFC 9639 (audio/flac), RFC 3003 (audio/mpeg), RFC 5334
 * section 10.1 (audio/ogg; RFC 7845 names .opus as the extension of Opus in
 * Ogg). The defaults are for 8 kHz telephone speech (Connect's tracks):
 * MP3 at 8 kHz is MPEG-2.5, whose bitrates are 8..64 kbps in steps of 8;
 * 24 kbps per channel is the lowest whose mono frames (216 bytes) hold
 * LAME's Info frame (exact duration in players; 16 kbps frames do not) and
 * the stereo mix then takes 48 of MPEG-2.5's 64: a fifth of the WAV. Opus
 * codes narrowband speech well from about 8 kbps (RFC 6716 section 2.1.1:
 * 8-12 kbps for narrowband speech); 12 is a tenth of the WAV. At 8 kHz MP3
 * takes 24 or 32 kbps per channel (the mix doubles it, at most 64).
 * Bitrates are per channel: the stereo mix gets twice the mono files'.
 */
#ifndef REC_AUDIO_AUDIO_FORMAT_H
#define REC_AUDIO_AUDIO_FORMAT_H

#include <stddef.h>

enum audio_format {
    AUDIO_FORMAT_WAV = 0,
    AUDIO_FORMAT_FLAC = 1,
    AUDIO_FORMAT_MP3 = 2,
    AUDIO_FORMAT_OPUS = 3,
};
#define AUDIO_FORMATS 4

/* How a recording is encoded: the format and, for the lossy ones, the
 * bitrate per channel (kbps; 0: the format's default). */
struct audio_encoding {
    enum audio_format format;
    unsigned kbps;
};

/* The format's name as configured ("wav", "flac", "mp3", "opus"), static. */
const char *audio_format_name(enum audio_format f);

/* The file name extension without the dot ("wav", "flac", "mp3", "opus"). */
const char *audio_format_extension(enum audio_format f);

/* The Content-Type its objects are stored with (table above). */
const char *audio_format_content_type(enum audio_format f);

/* The names of all formats in order, for configuration choices. */
extern const char *const audio_format_names[AUDIO_FORMATS];

/* Lossy formats take a bitrate: the range per channel in kbps (both 0 for
 * a lossless one) and the default. */
void audio_format_kbps_range(enum audio_format f, unsigned *min, unsigned *max, unsigned *dflt);

/* The bitrate per channel an encoding means (its kbps, or the default;
 * 0 for a lossless format). */
unsigned audio_encoding_kbps(const struct audio_encoding *e);

/* 0 when e's bitrate is in its format's range (lossless formats take none:
 * kbps must be 0), else REC_ERR_INVALID. Whether a sample rate takes it is
 * sndfile_encoder_check's question (audio/sndfile_encoder.h). */
int audio_encoding_check(const struct audio_encoding *e);

#endif

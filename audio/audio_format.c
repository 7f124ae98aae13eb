#include "audio/audio_format.h"

#include "common/error.h"

struct format_row {
    const char *content_type;
    unsigned min_kbps, max_kbps, default_kbps; /* per channel; 0 0 0: lossless */
};

/* Ranges: MP3 from 24 kbps (below that a mono frame at 8 kHz is too small
 * for LAME's Info frame, so players lose the encoder delay and the file is
 * 1,105 samples late and longer: measured) to MPEG-2's highest for one
 * channel (160; the exact bitrates a rate allows are checked by
 * audio/sndfile_encoder.h); Opus as libsndfile maps it (6 to
 * 256 kbps per channel, ogg_opus.c SFC_SET_COMPRESSION_LEVEL). */
static const struct format_row rows[AUDIO_FORMATS] = {
    [AUDIO_FORMAT_WAV] = { "audio/wav", 0, 0, 0 },
    [AUDIO_FORMAT_FLAC] = { "audio/flac", 0, 0, 0 },
    [AUDIO_FORMAT_MP3] = { "audio/mpeg", 24, 160, 24 },
    [AUDIO_FORMAT_OPUS] = { "audio/ogg", 6, 256, 12 },
};

const char *const audio_format_names[AUDIO_FORMATS] = { "wav", "flac", "mp3", "opus" };

static const struct format_row *row(enum audio_format f)
{
    return (unsigned)f < AUDIO_FORMATS ? &rows[f] : &rows[AUDIO_FORMAT_WAV];
}

const char *audio_format_name(enum audio_format f)
{
    return audio_format_names[(unsigned)f < AUDIO_FORMATS ? f : AUDIO_FORMAT_WAV];
}

const char *audio_format_extension(enum audio_format f)
{
    return audio_format_name(f); /* the extensions are the names */
}

const char *audio_format_content_type(enum audio_format f)
{
    return row(f)->content_type;
}

void audio_format_kbps_range(enum audio_format f, unsigned *min, unsigned *max, unsigned *dflt)
{
    *min = row(f)->min_kbps;
    *max = row(f)->max_kbps;
    *dflt = row(f)->default_kbps;
}

unsigned audio_encoding_kbps(const struct audio_encoding *e)
{
    return e->kbps ? e->kbps : row(e->format)->default_kbps;
}

int audio_encoding_check(const struct audio_encoding *e)
{
    const struct format_row *r = row(e->format);
    if ((unsigned)e->format >= AUDIO_FORMATS)
        return REC_ERR_INVALID;
    if (!r->max_kbps)
        return e->kbps ? REC_ERR_INVALID : 0;
    return e->kbps && (e->kbps < r->min_kbps || e->kbps > r->max_kbps) ? REC_ERR_INVALID : 0;
}

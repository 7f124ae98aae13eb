#include "audio/sndfile_encoder.h"

#include <stdlib.h>
#include <string.h>

#include <sndfile.h>

#include "common/error.h"

enum { CHUNK_FRAMES = 2048 };

struct sndfile_encoder {
    struct byte_sink *sink; /* borrowed */
    SNDFILE *sf;
    unsigned channels;
    int sink_error;         /* the sink's first failure, 0 if none */
    int finished;
    int pcm[CHUNK_FRAMES * 2]; /* 32-bit: see sndfile_encoder_write */
};

/* ---- libsndfile's virtual I/O over the byte sink ---------------------------- */

static sf_count_t vio_filelen(void *user)
{
    struct sndfile_encoder *e = user;
    return (sf_count_t)e->sink->len;
}

static sf_count_t vio_seek(sf_count_t offset, int whence, void *user)
{
    struct sndfile_encoder *e = user;
    int64_t base = whence == SEEK_CUR ? (int64_t)e->sink->pos
                   : whence == SEEK_END ? (int64_t)e->sink->len : 0;
    int64_t to = base + offset;
    int rc = to < 0 ? REC_ERR_STATE : byte_sink_seek(e->sink, (uint64_t)to);
    if (rc) {
        if (!e->sink_error)
            e->sink_error = rc;
        return -1;
    }
    return to;
}

static sf_count_t vio_read(void *ptr, sf_count_t count, void *user)
{
    (void)ptr, (void)count, (void)user;
    return 0; /* write only: nothing is ever read back */
}

static sf_count_t vio_write(const void *ptr, sf_count_t count, void *user)
{
    struct sndfile_encoder *e = user;
    if (e->sink_error || count < 0)
        return 0;
    int rc = byte_sink_write(e->sink, ptr, (size_t)count);
    if (rc) {
        e->sink_error = rc;
        return 0;
    }
    return count;
}

static sf_count_t vio_tell(void *user)
{
    struct sndfile_encoder *e = user;
    return (sf_count_t)byte_sink_tell(e->sink);
}

/* ---- formats and bitrates ---------------------------------------------------- */

/* The MPEG Layer III bitrates (kbps) of the version a rate belongs to, and
 * the top of libsndfile's mapping for it; 0 for a rate MP3 has not. */
static unsigned mp3_bitrates(uint32_t rate, const unsigned **list, size_t *n)
{
    static const unsigned v25[] = { 8, 16, 24, 32, 40, 48, 56, 64 };
    static const unsigned v2[] = { 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160 };
    static const unsigned v1[] = { 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320 };
    switch (rate) {
    case 8000: case 11025: case 12000: *list = v25; *n = 8; return 64;
    case 16000: case 22050: case 24000: *list = v2; *n = 14; return 160;
    case 32000: case 44100: case 48000: *list = v1; *n = 14; return 320;
    default: return 0;
    }
}

/* SFC_SET_COMPRESSION_LEVEL's argument giving total kbps for MP3 at rate:
 * a quarter kbps above the target so libsndfile's truncation lands on it. */
static int mp3_level(uint32_t rate, unsigned total_kbps, double *level)
{
    const unsigned *list = NULL;
    size_t n = 0;
    unsigned top = mp3_bitrates(rate, &list, &n);
    int allowed = 0;
    for (size_t i = 0; i < n; i++)
        allowed |= list[i] == total_kbps;
    if (!top || !allowed)
        return REC_ERR_UNSUPPORTED;
    double l = (top - (total_kbps + 0.25)) / (top - 8.0);
    *level = l < 0 ? 0 : l > 1 ? 1 : l;
    return 0;
}

static int opus_level(uint32_t rate, unsigned kbps, double *level)
{
    if (rate != 8000 && rate != 12000 && rate != 16000 && rate != 24000 && rate != 48000)
        return REC_ERR_UNSUPPORTED;
    double l = 1.0 - ((double)kbps * 1000.0 - 6000.0 + 0.5) / 250000.0;
    *level = l < 0 ? 0 : l > 1 ? 1 : l;
    return 0;
}

/* libsndfile's major format and its settings for enc at rate. */
static int format_of(const struct audio_encoding *enc, uint32_t rate, unsigned channels, int *format,
                     double *level)
{
    unsigned kbps = audio_encoding_kbps(enc);
    *level = -1; /* none */
    switch (enc->format) {
    case AUDIO_FORMAT_FLAC:
        *format = SF_FORMAT_FLAC | SF_FORMAT_PCM_16;
        return 0;
    case AUDIO_FORMAT_MP3:
        *format = SF_FORMAT_MPEG | SF_FORMAT_MPEG_LAYER_III;
        return mp3_level(rate, kbps * channels, level);
    case AUDIO_FORMAT_OPUS:
        *format = SF_FORMAT_OGG | SF_FORMAT_OPUS;
        return opus_level(rate, kbps, level);
    default:
        return REC_ERR_INVALID;
    }
}

/* ---- the encoder -------------------------------------------------------------- */

/* A libsndfile failure as our code: the sink's own error when it caused it. */
static int sf_failed(const struct sndfile_encoder *e)
{
    return e->sink_error ? e->sink_error : REC_ERR_IO;
}

/* The level first: libsndfile's MPEG bitrate mode re-applies the level it
 * was given and fails while there is none. */
static int configure(struct sndfile_encoder *e, int format, double level)
{
    if (level >= 0 && sf_command(e->sf, SFC_SET_COMPRESSION_LEVEL, &level, sizeof(level)) != SF_TRUE)
        return REC_ERR_UNSUPPORTED;
    if ((format & SF_FORMAT_TYPEMASK) == SF_FORMAT_MPEG) {
        int mode = SF_BITRATE_MODE_CONSTANT;
        if (sf_command(e->sf, SFC_SET_BITRATE_MODE, &mode, sizeof(mode)) != SF_TRUE)
            return REC_ERR_UNSUPPORTED;
    }
    return 0;
}

/* Checks enc at rate and channels and decides libsndfile's format and
 * level for it (sndfile_encoder_check's result). */
static int plan(const struct audio_encoding *enc, uint32_t rate, unsigned channels, int *format,
                double *level)
{
    if (rate == 0 || rate > 655350 || channels < 1 || channels > 2 || audio_encoding_check(enc))
        return REC_ERR_INVALID;
    return format_of(enc, rate, channels, format, level);
}

int sndfile_encoder_check(const struct audio_encoding *enc, uint32_t rate, unsigned channels)
{
    int format = 0;
    double level = -1;
    return plan(enc, rate, channels, &format, &level);
}

int sndfile_encoder_start(struct byte_sink *sink, const struct audio_encoding *enc, uint32_t rate,
                          unsigned channels, struct sndfile_encoder **out)
{
    static SF_VIRTUAL_IO vio = { vio_filelen, vio_seek, vio_read, vio_write, vio_tell };
    int format = 0;
    double level = -1;
    *out = NULL;
    int rc = plan(enc, rate, channels, &format, &level);
    if (rc)
        return rc;
    struct sndfile_encoder *e = calloc(1, sizeof(*e));
    if (!e)
        return REC_ERR_NOMEM;
    e->sink = sink;
    e->channels = channels;
    SF_INFO info = { .samplerate = (int)rate, .channels = (int)channels, .format = format };
    e->sf = sf_open_virtual(&vio, SFM_WRITE, &info, e);
    rc = e->sf ? configure(e, format, level) : sf_failed(e);
    if (rc == REC_ERR_IO && !e->sink_error)
        rc = REC_ERR_UNSUPPORTED; /* libsndfile refused the format itself */
    if (rc) {
        sndfile_encoder_destroy(e);
        return rc;
    }
    *out = e;
    return 0;
}

int sndfile_encoder_write(struct sndfile_encoder *e, const uint8_t *s16le, uint64_t n_frames)
{
    if (e->finished)
        return REC_ERR_STATE;
    if (!s16le)
        memset(e->pcm, 0, sizeof(e->pcm));
    while (n_frames > 0) {
        size_t n = n_frames < CHUNK_FRAMES ? (size_t)n_frames : CHUNK_FRAMES;
        if (s16le) {
            /* little-endian bytes to host integers, whatever the host; full
             * scale 32-bit (libsndfile's int scale: sample << 16) */
            for (size_t i = 0; i < n * e->channels; i++)
                e->pcm[i] = (int)(int16_t)(uint16_t)(s16le[2 * i] | (s16le[2 * i + 1] << 8)) * 65536;
            s16le += n * e->channels * 2;
        }
        /* int, not short: libsndfile 1.2.0's stereo MP3 short writer copies
         * half the samples (a memcpy of writecount bytes, not shorts, in
         * mpeg_l3_encode_write_short_stereo); its int writer passes them as
         * they are, and FLAC and Opus take ints exactly. */
        if (sf_writef_int(e->sf, e->pcm, (sf_count_t)n) != (sf_count_t)n)
            return sf_failed(e);
        n_frames -= n;
    }
    return 0;
}

int sndfile_encoder_finish(struct sndfile_encoder *e)
{
    if (e->finished)
        return REC_ERR_STATE;
    e->finished = 1;
    int closed = sf_close(e->sf);
    e->sf = NULL;
    if (closed != 0 || e->sink_error)
        return sf_failed(e);
    return byte_sink_seek(e->sink, e->sink->len);
}

void sndfile_encoder_destroy(struct sndfile_encoder *e)
{
    if (!e)
        return;
    if (e->sf)
        sf_close(e->sf); /* its last bytes go to a sink that is discarded */
    free(e);
}

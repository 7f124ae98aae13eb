#include "audio/wav_join.h"

#include <stdlib.h>
#include <string.h>

#include <sndfile.h>

#include "audio/wav_writer.h"

enum { BLOCK_FRAMES = 4096 };

struct input {
    SNDFILE *file;
    uint64_t lead, len; /* frames */
};

static int open_input(const struct wav_join_channel *ch, uint32_t rate, struct input *in,
                      struct rec_error *err)
{
    memset(in, 0, sizeof(*in));
    in->lead = ch->lead_frames;
    if (!ch->path)
        return 0;
    SF_INFO info = { 0 };
    in->file = sf_open(ch->path, SFM_READ, &info);
    if (!in->file)
        return rec_error_set(err, REC_ERR_IO, 1, "%s: %s", ch->path, sf_strerror(NULL));
    if (info.channels != 1 || info.samplerate != (int)rate ||
        (info.format & SF_FORMAT_SUBMASK) != SF_FORMAT_PCM_16)
        return rec_error_set(err, REC_ERR_INVALID, 0,
                             "%s: %d channels at %d Hz, not mono 16-bit at %u Hz", ch->path,
                             info.channels, info.samplerate, rate);
    in->len = (uint64_t)info.frames;
    return 0;
}

/* Fills channel c of n frames from `at` in out (interleaved, nch
 * channels, s16le). */
static int fill_channel(struct input *in, unsigned c, unsigned nch, uint64_t at, size_t n,
                        uint8_t *out, short *tmp, uint64_t *read_total, struct rec_error *err)
{
    for (size_t k = 0; k < n; k++) {
        uint64_t pos = at + k;
        size_t run = 0;
        if (in->file && pos >= in->lead && pos - in->lead < in->len) {
            uint64_t left = in->len - (pos - in->lead);
            run = n - k < left ? n - k : (size_t)left;
            if (sf_readf_short(in->file, tmp, (sf_count_t)run) != (sf_count_t)run)
                return rec_error_set(err, REC_ERR_IO, 1, "a channel file ended early");
            *read_total += run;
        }
        for (size_t j = 0; j < (run ? run : 1); j++) {
            uint16_t v = run ? (uint16_t)tmp[j] : 0;
            uint8_t *p = out + ((k + j) * nch + c) * 2;
            p[0] = (uint8_t)v;
            p[1] = (uint8_t)(v >> 8);
        }
        if (run)
            k += run - 1;
    }
    return 0;
}

int wav_join(const struct wav_join_channel *ch, unsigned n, uint32_t rate, struct byte_sink *sink,
             struct wav_join_result *out, struct rec_error *err)
{
    memset(out, 0, sizeof(*out));
    if (n == 0 || n > WAV_JOIN_MAX_CHANNELS || rate == 0)
        return rec_error_set(err, REC_ERR_INVALID, 0, "wav_join: %u channels at %u Hz", n, rate);
    struct input in[WAV_JOIN_MAX_CHANNELS];
    memset(in, 0, sizeof(in));
    uint8_t *frames = malloc((size_t)BLOCK_FRAMES * n * 2);
    short *tmp = malloc(BLOCK_FRAMES * sizeof(short));
    int rc = frames && tmp ? 0 : rec_error_set(err, REC_ERR_NOMEM, 1, "wav_join: out of memory");
    for (unsigned c = 0; c < n && !rc; c++) {
        rc = open_input(&ch[c], rate, &in[c], err);
        uint64_t end = in[c].file ? in[c].lead + in[c].len : 0;
        if (end > out->frames)
            out->frames = end;
    }
    struct wav_writer w;
    if (!rc && (rc = wav_writer_init(&w, sink, rate, n)) != 0)
        rec_error_set(err, rc, 0, "wav_join: cannot start the WAV: %s", rec_strerror(rc));
    for (uint64_t at = 0; !rc && at < out->frames; at += BLOCK_FRAMES) {
        size_t k = out->frames - at < BLOCK_FRAMES ? (size_t)(out->frames - at) : BLOCK_FRAMES;
        for (unsigned c = 0; c < n && !rc; c++)
            rc = fill_channel(&in[c], c, n, at, k, frames, tmp, &out->samples[c], err);
        if (!rc && (rc = wav_writer_write_s16le(&w, frames, k)) != 0)
            rec_error_set(err, rc, 0, "wav_join: writing: %s", rec_strerror(rc));
    }
    if (!rc && (rc = wav_writer_finish(&w)) != 0)
        rec_error_set(err, rc, 0, "wav_join: finishing: %s", rec_strerror(rc));
    for (unsigned c = 0; c < n; c++)
        if (in[c].file)
            sf_close(in[c].file);
    free(frames);
    free(tmp);
    return rc;
}

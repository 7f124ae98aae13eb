/* Tests of audio/sndfile_encoder: FLAC, MP3 and Opus written over a byte
 * sink that keeps the header-region promise (audio/byte_sink.h) and read
 * back with libsndfile. FLAC gives back exactly the samples and rewrites
 * its STREAMINFO inside the header region; MP3 and Opus give back the
 * right duration and channels; rates and bitrates a format cannot take are
 * refused before anything is written; a sink's failure (a write, or the
 * seek back to the header) is the encoder's error, never a file with a
 * stale header. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <sndfile.h>

#include "audio/sndfile_encoder.h"
#include "common/error.h"

/* ---- a byte sink in memory, recording where it was asked to seek ---------- */

struct mem_sink {
    uint8_t *data;
    size_t len, cap;
    uint64_t lowest_seek;   /* UINT64_MAX: never sought back */
    int fail_write_after;   /* writes allowed before REC_ERR_HTTP; -1: never */
    int refuse_seek;        /* every seek fails */
};

static int mem_write(void *impl, uint64_t pos, const void *bytes, size_t len)
{
    struct mem_sink *m = impl;
    if (m->fail_write_after == 0)
        return REC_ERR_HTTP;
    if (m->fail_write_after > 0)
        m->fail_write_after--;
    if (pos + len > m->cap) {
        m->cap = (size_t)(pos + len) * 2;
        m->data = realloc(m->data, m->cap);
        assert_non_null(m->data);
    }
    memcpy(m->data + pos, bytes, len);
    if (pos + len > m->len)
        m->len = (size_t)(pos + len);
    return 0;
}

static int mem_seek(void *impl, uint64_t offset)
{
    struct mem_sink *m = impl;
    if (m->refuse_seek)
        return REC_ERR_STATE;
    if (offset < m->len && offset < m->lowest_seek)
        m->lowest_seek = offset;
    return 0;
}

static int mem_close(void *impl, int commit)
{
    (void)impl, (void)commit;
    return 0;
}

static const struct byte_sink_ops mem_ops = { mem_write, mem_seek, mem_close };

static void mem_open(struct mem_sink *m, struct byte_sink *sink)
{
    *m = (struct mem_sink){ .lowest_seek = UINT64_MAX, .fail_write_after = -1 };
    *sink = (struct byte_sink){ .ops = &mem_ops, .impl = m };
}

/* ---- reading it back through libsndfile ------------------------------------ */

struct mem_read {
    const struct mem_sink *m;
    sf_count_t pos;
};

static sf_count_t r_len(void *u)
{
    return (sf_count_t)((struct mem_read *)u)->m->len;
}

static sf_count_t r_seek(sf_count_t off, int whence, void *u)
{
    struct mem_read *r = u;
    r->pos = (whence == SEEK_SET ? 0 : whence == SEEK_CUR ? r->pos : (sf_count_t)r->m->len) + off;
    return r->pos;
}

static sf_count_t r_read(void *ptr, sf_count_t count, void *u)
{
    struct mem_read *r = u;
    sf_count_t left = (sf_count_t)r->m->len - r->pos;
    sf_count_t n = count < left ? count : left;
    if (n <= 0)
        return 0;
    memcpy(ptr, r->m->data + r->pos, (size_t)n);
    r->pos += n;
    return n;
}

static sf_count_t r_write(const void *ptr, sf_count_t count, void *u)
{
    (void)ptr, (void)count, (void)u;
    return 0;
}

static sf_count_t r_tell(void *u)
{
    return ((struct mem_read *)u)->pos;
}

/* Decodes the sink's bytes; *pcm (malloc'ed, caller frees) gets the frames. */
static sf_count_t decode(const struct mem_sink *m, SF_INFO *info, short **pcm)
{
    static SF_VIRTUAL_IO vio = { r_len, r_seek, r_read, r_write, r_tell };
    struct mem_read r = { m, 0 };
    memset(info, 0, sizeof(*info));
    SNDFILE *sf = sf_open_virtual(&vio, SFM_READ, info, &r);
    assert_non_null(sf);
    size_t cap = (size_t)(info->frames > 0 ? info->frames : 1) * (size_t)info->channels + 65536;
    *pcm = calloc(cap, sizeof(short));
    sf_count_t got = sf_readf_short(sf, *pcm, (sf_count_t)(cap / (size_t)info->channels));
    sf_close(sf);
    return got;
}

/* ---- the signal --------------------------------------------------------------- */

/* frames of a two-tone signal with a little noise, s16le, channels interleaved
 * (channel 1 a different tone so a swap would show). */
static uint8_t *signal_s16le(size_t frames, unsigned channels)
{
    uint8_t *b = malloc(frames * channels * 2);
    uint32_t seed = 12345;
    for (size_t i = 0; i < frames; i++)
        for (unsigned c = 0; c < channels; c++) {
            seed = seed * 1103515245u + 12345u;
            int v = (int)((i * (c ? 7 : 3)) % 80) * 200 - 8000 + (int)((seed >> 16) % 64) - 32;
            b[2 * (i * channels + c)] = (uint8_t)((unsigned)v & 0xFF);
            b[2 * (i * channels + c) + 1] = (uint8_t)(((unsigned)v >> 8) & 0xFF);
        }
    return b;
}

static void write_in_pieces(struct sndfile_encoder *e, const uint8_t *s, size_t frames, unsigned channels)
{
    size_t at = 0, piece = 1;
    while (at < frames) {
        size_t n = frames - at < piece ? frames - at : piece;
        assert_int_equal(sndfile_encoder_write(e, s + at * channels * 2, n), 0);
        at += n;
        piece = piece * 3 + 1; /* uneven pieces, as blocks arrive */
    }
    assert_int_equal(sndfile_encoder_write(e, NULL, 800), 0); /* silence */
}

static void flac_gives_back_every_sample_and_rewrites_streaminfo_in_the_header(void **state)
{
    (void)state;
    for (unsigned channels = 1; channels <= 2; channels++) {
        const size_t frames = 24000;
        uint8_t *s = signal_s16le(frames, channels);
        struct mem_sink m;
        struct byte_sink sink;
        mem_open(&m, &sink);
        struct audio_encoding enc = { AUDIO_FORMAT_FLAC, 0 };
        struct sndfile_encoder *e = NULL;
        assert_int_equal(sndfile_encoder_start(&sink, &enc, 8000, channels, &e), 0);
        write_in_pieces(e, s, frames, channels);
        assert_int_equal(sndfile_encoder_finish(e), 0);
        sndfile_encoder_destroy(e);
        assert_int_equal(byte_sink_tell(&sink), m.len); /* left at the end */
        assert_memory_equal(m.data, "fLaC", 4);
        /* STREAMINFO was rewritten: a seek back into it, inside the region */
        assert_true(m.lowest_seek >= 8 && m.lowest_seek < 42);
        SF_INFO info;
        short *pcm = NULL;
        assert_int_equal(decode(&m, &info, &pcm), frames + 800);
        assert_int_equal(info.channels, channels);
        assert_int_equal(info.samplerate, 8000);
        assert_int_equal(info.frames, frames + 800); /* total samples from STREAMINFO */
        for (size_t i = 0; i < frames * channels; i++)
            assert_int_equal(pcm[i], (short)(s[2 * i] | (s[2 * i + 1] << 8)));
        for (size_t i = frames * channels; i < (frames + 800) * channels; i++)
            assert_int_equal(pcm[i], 0);
        free(pcm);
        free(m.data);
        free(s);
    }
}

static void mp3_and_opus_give_back_the_duration_and_channels(void **state)
{
    (void)state;
    struct audio_encoding encs[] = { { AUDIO_FORMAT_MP3, 0 }, { AUDIO_FORMAT_MP3, 32 },
                                     { AUDIO_FORMAT_OPUS, 0 }, { AUDIO_FORMAT_OPUS, 24 } };
    for (size_t k = 0; k < sizeof(encs) / sizeof(encs[0]); k++)
        for (unsigned channels = 1; channels <= 2; channels++) {
            const size_t frames = 40000; /* 5 s */
            uint8_t *s = signal_s16le(frames, channels);
            struct mem_sink m;
            struct byte_sink sink;
            mem_open(&m, &sink);
            struct sndfile_encoder *e = NULL;
            assert_int_equal(sndfile_encoder_start(&sink, &encs[k], 8000, channels, &e), 0);
            write_in_pieces(e, s, frames, channels);
            assert_int_equal(sndfile_encoder_finish(e), 0);
            sndfile_encoder_destroy(e);
            SF_INFO info;
            short *pcm = NULL;
            sf_count_t got = decode(&m, &info, &pcm);
            assert_int_equal(got, frames + 800); /* gapless: encoder delay and padding removed */
            assert_int_equal(info.channels, channels);
            assert_int_equal(info.samplerate, 8000);
            /* the size follows the bitrate: kbps x channels x 5.1 s, within 15% (Opus is VBR) */
            double want = audio_encoding_kbps(&encs[k]) * 1000.0 / 8 * channels * 5.1;
            assert_true(m.len > want * 0.85 && m.len < want * 1.15);
            if (encs[k].format == AUDIO_FORMAT_MP3)
                assert_true(m.lowest_seek < BYTE_SINK_HEADER_REGION); /* the Info frame rewritten */
            else
                assert_int_equal(m.lowest_seek, UINT64_MAX); /* Ogg: straight through */
            free(pcm);
            free(m.data);
            free(s);
        }
}

static void what_a_format_cannot_take_is_refused_before_writing(void **state)
{
    (void)state;
    struct mem_sink m;
    struct byte_sink sink;
    mem_open(&m, &sink);
    struct sndfile_encoder *e = (struct sndfile_encoder *)&m; /* must be reset */
    struct audio_encoding opus = { AUDIO_FORMAT_OPUS, 0 };
    assert_int_equal(sndfile_encoder_start(&sink, &opus, 44100, 1, &e), REC_ERR_UNSUPPORTED);
    assert_null(e);
    struct audio_encoding mp3_40 = { AUDIO_FORMAT_MP3, 40 };
    assert_int_equal(sndfile_encoder_check(&mp3_40, 8000, 1), 0);                   /* 40 mono */
    assert_int_equal(sndfile_encoder_check(&mp3_40, 8000, 2), REC_ERR_UNSUPPORTED); /* 80 > 64 */
    assert_int_equal(sndfile_encoder_check(&mp3_40, 16000, 2), 0);                  /* MPEG-2: 80 */
    struct audio_encoding mp3_16 = { AUDIO_FORMAT_MP3, 16 };
    assert_int_equal(sndfile_encoder_check(&mp3_16, 8000, 1), REC_ERR_INVALID); /* under 24 */
    struct audio_encoding mp3 = { AUDIO_FORMAT_MP3, 0 };
    assert_int_equal(sndfile_encoder_check(&mp3, 7000, 1), REC_ERR_UNSUPPORTED);
    struct audio_encoding flac_kbps = { AUDIO_FORMAT_FLAC, 64 };
    assert_int_equal(sndfile_encoder_check(&flac_kbps, 8000, 1), REC_ERR_INVALID);
    struct audio_encoding flac = { AUDIO_FORMAT_FLAC, 0 };
    assert_int_equal(sndfile_encoder_check(&flac, 8000, 3), REC_ERR_INVALID);
    struct audio_encoding wav = { AUDIO_FORMAT_WAV, 0 };
    assert_int_equal(sndfile_encoder_check(&wav, 8000, 1), REC_ERR_INVALID); /* wav_writer's */
    assert_int_equal(m.len, 0);
}

static void a_sink_failure_is_the_encoders_error(void **state)
{
    (void)state;
    const size_t frames = 80000;
    uint8_t *s = signal_s16le(frames, 1);
    struct audio_encoding flac = { AUDIO_FORMAT_FLAC, 0 };
    /* a write fails mid-file: the sink's own code comes back */
    struct mem_sink m;
    struct byte_sink sink;
    mem_open(&m, &sink);
    struct sndfile_encoder *e = NULL;
    assert_int_equal(sndfile_encoder_start(&sink, &flac, 8000, 1, &e), 0);
    m.fail_write_after = 3;
    int rc = sndfile_encoder_write(e, s, frames);
    if (rc == 0)
        rc = sndfile_encoder_finish(e);
    assert_int_equal(rc, REC_ERR_HTTP);
    sndfile_encoder_destroy(e);
    free(m.data);
    /* the seek back to STREAMINFO is refused: finishing fails */
    mem_open(&m, &sink);
    assert_int_equal(sndfile_encoder_start(&sink, &flac, 8000, 1, &e), 0);
    assert_int_equal(sndfile_encoder_write(e, s, frames), 0);
    m.refuse_seek = 1;
    assert_int_equal(sndfile_encoder_finish(e), REC_ERR_STATE);
    assert_int_equal(sndfile_encoder_write(e, s, 1), REC_ERR_STATE); /* after finish */
    sndfile_encoder_destroy(e);
    free(m.data);
    free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(flac_gives_back_every_sample_and_rewrites_streaminfo_in_the_header),
        cmocka_unit_test(mp3_and_opus_give_back_the_duration_and_channels),
        cmocka_unit_test(what_a_format_cannot_take_is_refused_before_writing),
        cmocka_unit_test(a_sink_failure_is_the_encoders_error),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* Unit tests for the WAV writer (audio/wav_writer.h), the byte sink promise
 * (audio/byte_sink.h) and the file sink (audio/file_sink.h). Headers are
 * checked field by field and read back with libsndfile. */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <sndfile.h>

#include "audio/byte_sink.h"
#include "audio/file_sink.h"
#include "audio/wav_writer.h"
#include "common/error.h"

/* ---- a memory sink that records every seek ------------------------------- */

struct mem_sink {
    uint8_t *data;
    size_t cap;
    uint64_t len;
    int keep_data;   /* 0: count bytes only (for > 4 GiB) */
    int seeks;
    uint64_t max_seek_below_end; /* highest seek target that was not the end */
    int closed, committed;
    int fail_writes_after; /* -1 never */
};

static int mem_write(void *impl, uint64_t pos, const void *bytes, size_t len)
{
    struct mem_sink *m = impl;
    if (m->fail_writes_after == 0)
        return REC_ERR_IO;
    if (m->fail_writes_after > 0)
        m->fail_writes_after--;
    if (m->keep_data || pos < 4096) {
        uint64_t end = pos + len;
        if (!m->keep_data && end > 4096)
            end = 4096;
        if (end > m->cap) {
            size_t cap = (size_t)end * 2;
            m->data = realloc(m->data, cap);
            assert_non_null(m->data);
            memset(m->data + m->cap, 0, cap - m->cap);
            m->cap = cap;
        }
        memcpy(m->data + pos, bytes, (size_t)(end - pos));
    }
    if (pos + len > m->len)
        m->len = pos + len;
    return 0;
}

static int mem_seek(void *impl, uint64_t offset)
{
    struct mem_sink *m = impl;
    m->seeks++;
    if (offset != m->len && offset > m->max_seek_below_end)
        m->max_seek_below_end = offset;
    return 0;
}

static int mem_close(void *impl, int commit)
{
    struct mem_sink *m = impl;
    m->closed = 1;
    m->committed = commit;
    return 0;
}

static const struct byte_sink_ops mem_ops = { mem_write, mem_seek, mem_close };

static void mem_open(struct mem_sink *m, struct byte_sink *s, int keep_data)
{
    memset(m, 0, sizeof(*m));
    m->keep_data = keep_data;
    m->fail_writes_after = -1;
    *s = (struct byte_sink){ .ops = &mem_ops, .impl = m };
}

static uint32_t rd32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t rd64(const uint8_t *p)
{
    return rd32(p) | (uint64_t)rd32(p + 4) << 32;
}

static uint16_t rd16(const uint8_t *p)
{
    return (uint16_t)(p[0] | p[1] << 8);
}

/* ---- tests --------------------------------------------------------------- */

static void small_file_is_plain_riff_wave_pcm(void **state)
{
    (void)state;
    struct mem_sink m;
    struct byte_sink s;
    struct wav_writer w;
    mem_open(&m, &s, 1);
    assert_int_equal(wav_writer_init(&w, &s, 8000, 1), 0);
    uint8_t pcm[6] = { 1, 0, 2, 0, 0xFF, 0x7F };
    assert_int_equal(wav_writer_write_s16le(&w, pcm, 3), 0);
    assert_int_equal(wav_writer_write_silence(&w, 10000), 0);
    assert_int_equal(wav_writer_frames(&w), 10003);
    assert_int_equal(wav_writer_finish(&w), 0);
    assert_int_equal(wav_writer_finish(&w), REC_ERR_STATE);
    assert_int_equal(wav_writer_write_silence(&w, 1), REC_ERR_STATE);

    const uint8_t *h = m.data;
    uint64_t data_bytes = 2 * 10003;
    assert_int_equal(m.len, WAV_HEADER_BYTES + data_bytes);
    assert_memory_equal(h, "RIFF", 4);
    assert_int_equal(rd32(h + 4), m.len - 8);
    assert_memory_equal(h + 8, "WAVEJUNK", 8);
    assert_int_equal(rd32(h + 16), 28);
    assert_memory_equal(h + 48, "fmt ", 4);
    assert_int_equal(rd32(h + 52), 16);
    assert_int_equal(rd16(h + 56), 1); /* WAVE_FORMAT_PCM, not EXTENSIBLE */
    assert_int_equal(rd16(h + 58), 1);
    assert_int_equal(rd32(h + 60), 8000);
    assert_int_equal(rd32(h + 64), 16000);
    assert_int_equal(rd16(h + 68), 2);
    assert_int_equal(rd16(h + 70), 16);
    assert_memory_equal(h + 72, "data", 4);
    assert_int_equal(rd32(h + 76), data_bytes);
    assert_memory_equal(h + 80, pcm, sizeof(pcm));
    /* One seek back into the header, one back to the end. */
    assert_int_equal(m.seeks, 2);
    assert_int_equal(m.max_seek_below_end, 0);
    free(m.data);
}

static void stereo_header_and_empty_file(void **state)
{
    (void)state;
    struct mem_sink m;
    struct byte_sink s;
    struct wav_writer w;
    mem_open(&m, &s, 1);
    assert_int_equal(wav_writer_init(&w, &s, 16000, 2), 0);
    assert_int_equal(wav_writer_finish(&w), 0);
    assert_int_equal(m.len, WAV_HEADER_BYTES);
    assert_int_equal(rd32(m.data + 4), WAV_HEADER_BYTES - 8);
    assert_int_equal(rd16(m.data + 58), 2);
    assert_int_equal(rd32(m.data + 64), 64000);
    assert_int_equal(rd16(m.data + 68), 4);
    assert_int_equal(rd32(m.data + 76), 0);
    free(m.data);
    assert_int_equal(wav_writer_init(&w, &s, 0, 1), REC_ERR_INVALID);
    assert_int_equal(wav_writer_init(&w, &s, 8000, 0), REC_ERR_INVALID);
}

static void past_4_gib_the_file_becomes_rf64_with_ds64(void **state)
{
    (void)state;
    struct mem_sink m;
    struct byte_sink s;
    struct wav_writer w;
    mem_open(&m, &s, 0); /* count bytes, keep only the header region */
    assert_int_equal(wav_writer_init(&w, &s, 8000, 1), 0);
    /* Largest data size that still fits a RIFF header: riff size =
     * 72 + data <= 0xFFFFFFFF. One more frame makes it RF64. */
    uint64_t max_riff_frames = (0xFFFFFFFFull - 72) / 2;
    assert_int_equal(wav_writer_write_silence(&w, max_riff_frames), 0);
    struct wav_writer w2 = w; /* the same file finished now: still RIFF */
    assert_int_equal(wav_writer_finish(&w2), 0);
    assert_memory_equal(m.data, "RIFF", 4);
    assert_int_equal(rd32(m.data + 4), 72 + max_riff_frames * 2);
    assert_memory_equal(m.data + 12, "JUNK", 4);

    w.finished = 0;
    assert_int_equal(wav_writer_write_silence(&w, 1), 0);
    assert_int_equal(wav_writer_finish(&w), 0);
    uint64_t data = (max_riff_frames + 1) * 2;
    assert_memory_equal(m.data, "RF64", 4);
    assert_int_equal(rd32(m.data + 4), 0xFFFFFFFFu);
    assert_memory_equal(m.data + 8, "WAVEds64", 8);
    assert_int_equal(rd32(m.data + 16), 28);
    assert_true(rd64(m.data + 20) == 72 + data);
    assert_true(rd64(m.data + 28) == data);
    assert_true(rd64(m.data + 36) == max_riff_frames + 1);
    assert_int_equal(rd32(m.data + 44), 0);
    assert_int_equal(rd32(m.data + 76), 0xFFFFFFFFu);
    assert_true(m.len == WAV_HEADER_BYTES + data);
    assert_int_equal(m.max_seek_below_end, 0);
    free(m.data);
}

static void sink_refuses_seeks_and_rewrites_past_the_header_region(void **state)
{
    (void)state;
    struct mem_sink m;
    struct byte_sink s;
    mem_open(&m, &s, 1);
    static uint8_t big[10000];
    assert_int_equal(byte_sink_write(&s, big, sizeof(big)), 0);
    assert_int_equal(byte_sink_seek(&s, 5000), REC_ERR_STATE); /* streamed out already */
    assert_int_equal(byte_sink_tell(&s), 10000);
    assert_int_equal(byte_sink_seek(&s, 100), 0);
    /* A rewrite may not run past the header region. */
    assert_int_equal(byte_sink_write(&s, big, BYTE_SINK_HEADER_REGION), REC_ERR_STATE);
    assert_int_equal(byte_sink_write(&s, big, 80), 0);
    assert_int_equal(byte_sink_tell(&s), 180);
    assert_int_equal(byte_sink_seek(&s, 10000), 0); /* back to the end */
    assert_int_equal(byte_sink_write(&s, big, 10), 0);
    assert_int_equal(s.len, 10010);
    assert_int_equal(byte_sink_close(&s, 1), 0);
    assert_true(m.committed);
    assert_int_equal(byte_sink_write(&s, big, 1), REC_ERR_STATE);
    assert_int_equal(byte_sink_close(&s, 1), 0); /* twice is harmless */
    free(m.data);
}

static void sink_errors_reach_the_writer(void **state)
{
    (void)state;
    struct mem_sink m;
    struct byte_sink s;
    struct wav_writer w;
    mem_open(&m, &s, 1);
    m.fail_writes_after = 1; /* the header goes through, then writes fail */
    assert_int_equal(wav_writer_init(&w, &s, 8000, 1), 0);
    assert_int_equal(wav_writer_write_silence(&w, 100), REC_ERR_IO);
    free(m.data);
}

static char g_dir[64];

static int count_entries(const char *dir)
{
    DIR *d = opendir(dir);
    assert_non_null(d);
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)))
        n += strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
    closedir(d);
    return n;
}

static int make_dir(void **state)
{
    (void)state;
    snprintf(g_dir, sizeof(g_dir), "/tmp/test_wav_writer.XXXXXX");
    assert_non_null(mkdtemp(g_dir));
    return 0;
}

static int remove_dir(void **state)
{
    (void)state;
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", g_dir);
    return system(cmd) == 0 ? 0 : -1;
}

static void file_sink_commits_by_rename_and_libsndfile_reads_it(void **state)
{
    (void)state;
    char path[128];
    snprintf(path, sizeof(path), "%s/a.wav", g_dir);
    struct byte_sink s;
    struct wav_writer w;
    assert_int_equal(file_sink_open(path, &s), 0);
    assert_int_equal(count_entries(g_dir), 1);
    assert_int_equal(access(path, F_OK), -1); /* only the hidden temporary so far */
    assert_int_equal(wav_writer_init(&w, &s, 8000, 2), 0);
    int16_t frames[2000];
    for (int i = 0; i < 2000; i++)
        frames[i] = (int16_t)(i * 31 - 30000);
    uint8_t le[4000];
    for (int i = 0; i < 2000; i++) {
        le[2 * i] = (uint8_t)frames[i];
        le[2 * i + 1] = (uint8_t)((uint16_t)frames[i] >> 8);
    }
    assert_int_equal(wav_writer_write_s16le(&w, le, 1000), 0);
    assert_int_equal(wav_writer_finish(&w), 0);
    assert_int_equal(byte_sink_close(&s, 1), 0);
    assert_int_equal(count_entries(g_dir), 1);
    struct stat sb;
    assert_int_equal(stat(path, &sb), 0);
    assert_int_equal(sb.st_size, WAV_HEADER_BYTES + 4000);
    assert_int_equal(sb.st_mode & 0044, 0044); /* not mkstemp's 0600 */

    SF_INFO info = { 0 };
    SNDFILE *sf = sf_open(path, SFM_READ, &info);
    assert_non_null(sf);
    assert_int_equal(info.samplerate, 8000);
    assert_int_equal(info.channels, 2);
    assert_int_equal(info.frames, 1000);
    assert_int_equal(info.format, SF_FORMAT_WAV | SF_FORMAT_PCM_16);
    int16_t back[2000];
    assert_int_equal(sf_readf_short(sf, back, 1000), 1000);
    assert_memory_equal(back, frames, sizeof(back));
    sf_close(sf);
}

static void file_sink_discard_and_signal_cleanup_leave_nothing(void **state)
{
    (void)state;
    char path[128];
    snprintf(path, sizeof(path), "%s/b.wav", g_dir);
    struct byte_sink s, t;
    assert_int_equal(file_sink_open(path, &s), 0);
    assert_int_equal(byte_sink_write(&s, "xyz", 3), 0);
    assert_int_equal(byte_sink_close(&s, 0), 0);
    assert_int_equal(count_entries(g_dir), 1); /* a.wav from the previous test only */
    assert_int_equal(access(path, F_OK), -1);

    assert_int_equal(file_sink_open(path, &s), 0);
    assert_int_equal(file_sink_open(path, &t), 0);
    assert_int_equal(count_entries(g_dir), 3);
    file_sink_remove_temps(); /* what the signal handler does */
    assert_int_equal(count_entries(g_dir), 1);
    byte_sink_close(&s, 0);
    byte_sink_close(&t, 0);

    char bad[128];
    snprintf(bad, sizeof(bad), "%s/no/such/dir/c.wav", g_dir);
    assert_int_equal(file_sink_open(bad, &s), REC_ERR_IO);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(small_file_is_plain_riff_wave_pcm),
        cmocka_unit_test(stereo_header_and_empty_file),
        cmocka_unit_test(past_4_gib_the_file_becomes_rf64_with_ds64),
        cmocka_unit_test(sink_refuses_seeks_and_rewrites_past_the_header_region),
        cmocka_unit_test(sink_errors_reach_the_writer),
        cmocka_unit_test(file_sink_commits_by_rename_and_libsndfile_reads_it),
        cmocka_unit_test(file_sink_discard_and_signal_cleanup_leave_nothing),
    };
    return cmocka_run_group_tests(tests, make_dir, remove_dir);
}

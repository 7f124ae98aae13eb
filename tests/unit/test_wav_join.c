/* Unit tests for audio/wav_join: channels placed after their leads, the
 * shorter padded, files of the wrong shape refused (nothing half-written
 * is kept by the caller), a silent channel. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <sndfile.h>

#include "audio/file_sink.h"
#include "audio/wav_join.h"
#include "common/error.h"

static char dir[64];

static void path(char *out, const char *name)
{
    snprintf(out, 128, "%s/%s", dir, name);
}

static void write_mono(const char *name, int rate, int channels, const short *s, int n)
{
    char p[128];
    path(p, name);
    SF_INFO info = { .samplerate = rate, .channels = channels, .format = SF_FORMAT_WAV | SF_FORMAT_PCM_16 };
    SNDFILE *f = sf_open(p, SFM_WRITE, &info);
    assert_non_null(f);
    assert_int_equal(sf_writef_short(f, s, n / channels), n / channels);
    sf_close(f);
}

static int join(const struct wav_join_channel *ch, unsigned n, const char *out, struct wav_join_result *r,
                struct rec_error *err)
{
    char p[128];
    path(p, out);
    struct byte_sink sink;
    assert_int_equal(file_sink_open(p, &sink), 0);
    rec_error_clear(err);
    int rc = wav_join(ch, n, 8000, &sink, r, err);
    byte_sink_close(&sink, rc == 0);
    return rc;
}

static void channels_start_after_their_leads(void **state)
{
    (void)state;
    short a[3] = { 1, 2, 3 }, b[5] = { 10, 20, 30, 40, 50 };
    write_mono("a.wav", 8000, 1, a, 3);
    write_mono("b.wav", 8000, 1, b, 5);
    char pa[128], pb[128], po[128];
    path(pa, "a.wav");
    path(pb, "b.wav");
    struct wav_join_channel ch[2] = { { pa, 4 }, { pb, 1 } };
    struct wav_join_result r;
    struct rec_error err;
    assert_int_equal(join(ch, 2, "out.wav", &r, &err), 0);
    assert_int_equal(r.frames, 7);
    assert_int_equal(r.samples[0], 3);
    assert_int_equal(r.samples[1], 5);
    path(po, "out.wav");
    SF_INFO info = { 0 };
    SNDFILE *f = sf_open(po, SFM_READ, &info);
    assert_non_null(f);
    assert_int_equal(info.channels, 2);
    assert_int_equal(info.frames, 7);
    short got[14];
    assert_int_equal(sf_readf_short(f, got, 7), 7);
    sf_close(f);
    const short want[14] = { 0, 0, 0, 10, 0, 20, 0, 30, 1, 40, 2, 50, 3, 0 };
    assert_memory_equal(got, want, sizeof(want));
}

static void a_silent_channel_and_refused_files(void **state)
{
    (void)state;
    short a[4] = { 5, 6, 7, 8 };
    write_mono("c.wav", 8000, 1, a, 4);
    write_mono("stereo.wav", 8000, 2, a, 4);
    write_mono("rate.wav", 16000, 1, a, 4);
    char pc[128], ps[128], pr[128], po[128];
    path(pc, "c.wav");
    path(ps, "stereo.wav");
    path(pr, "rate.wav");
    struct wav_join_channel ch[2] = { { NULL, 0 }, { pc, 2 } };
    struct wav_join_result r;
    struct rec_error err;
    assert_int_equal(join(ch, 2, "silent.wav", &r, &err), 0);
    assert_int_equal(r.frames, 6);
    ch[1].path = ps;
    assert_int_equal(join(ch, 2, "bad1.wav", &r, &err), REC_ERR_INVALID);
    assert_non_null(strstr(err.message, "not mono 16-bit"));
    ch[1].path = pr;
    assert_int_equal(join(ch, 2, "bad2.wav", &r, &err), REC_ERR_INVALID);
    path(po, "bad2.wav");
    assert_int_not_equal(access(po, F_OK), 0); /* discarded by the caller */
    ch[1].path = "/nonexistent/x.wav";
    assert_int_equal(join(ch, 2, "bad3.wav", &r, &err), REC_ERR_IO);
    assert_int_equal(join(ch, 3, "bad4.wav", &r, &err), REC_ERR_INVALID);
}

static int setup(void **state)
{
    (void)state;
    snprintf(dir, sizeof(dir), "/tmp/test_wav_join-XXXXXX");
    return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
    return system(cmd) == 0 ? 0 : -1;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(channels_start_after_their_leads),
        cmocka_unit_test(a_silent_channel_and_refused_files),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}

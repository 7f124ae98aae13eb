/* Unit tests for the recorder (kvs/recording.h) over memory sinks, with
 * Matroska built by hand here (the Python fixture generator covers the
 * Connect layout end to end through kvs2wav). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "common/buf.h"
#include "common/error.h"
#include "kvs/recording.h"

/* ---- a tiny EBML builder ------------------------------------------------------ */

struct bytes {
    uint8_t *p;
    size_t n;
};

static void put(struct bytes *b, const void *p, size_t n)
{
    b->p = realloc(b->p, b->n + n + 1);
    assert_non_null(b->p);
    memcpy(b->p + b->n, p, n);
    b->n += n;
}

static void put_id(struct bytes *b, uint32_t id)
{
    uint8_t v[4];
    int n = id > 0xFFFFFF ? 4 : id > 0xFFFF ? 3 : id > 0xFF ? 2 : 1;
    for (int i = 0; i < n; i++)
        v[i] = (uint8_t)(id >> (8 * (n - 1 - i)));
    put(b, v, (size_t)n);
}

static void put_size(struct bytes *b, uint64_t size)
{
    uint8_t v[8] = { 0x01 };
    for (int i = 0; i < 7; i++)
        v[7 - i] = (uint8_t)(size >> (8 * i));
    put(b, v, 8);
}

static void el(struct bytes *b, uint32_t id, const void *p, size_t n)
{
    put_id(b, id);
    put_size(b, n);
    put(b, p, n);
}

static void el_b(struct bytes *b, uint32_t id, struct bytes *body)
{
    el(b, id, body->p, body->n);
    free(body->p);
    *body = (struct bytes){ 0 };
}

static void el_uint(struct bytes *b, uint32_t id, uint64_t v)
{
    uint8_t x[8];
    for (int i = 0; i < 8; i++)
        x[i] = (uint8_t)(v >> (8 * (7 - i)));
    el(b, id, x, 8);
}

static void el_str(struct bytes *b, uint32_t id, const char *s)
{
    el(b, id, s, strlen(s));
}

static void el_float(struct bytes *b, uint32_t id, double d)
{
    uint64_t u;
    memcpy(&u, &d, 8);
    uint8_t x[8];
    for (int i = 0; i < 8; i++)
        x[i] = (uint8_t)(u >> (8 * (7 - i)));
    el(b, id, x, 8);
}

static void tag(struct bytes *b, const char *name, const char *value)
{
    struct bytes st = { 0 }, t = { 0 }, tags = { 0 };
    el_str(&st, 0x45A3, name);
    el_str(&st, 0x4487, value);
    el_b(&t, 0x67C8, &st);
    el_b(&tags, 0x7373, &t);
    el_b(b, 0x1254C367, &tags);
}

struct trk {
    const char *name;
    const char *codec;
    double rate;
    uint64_t bits;
};

struct blk {
    int track;        /* 1-based */
    int16_t rel_ms;
    int16_t first;    /* sample values first, first+1, ... */
    size_t n;         /* samples (bytes = 2n, or odd_bytes if set) */
    size_t odd_bytes;
};

/* One Connect-style fragment: EBML header, unknown-size Segment, Tracks,
 * fragment number tag, unknown-size Cluster, then ContactId/MimeType. */
static void fragment(struct bytes *out, const char *number, const char *contact,
                     uint64_t cluster_ms, const struct trk *tracks, int n_tracks,
                     const struct blk *blocks, int n_blocks, const char *mime)
{
    struct bytes h = { 0 }, body = { 0 };
    el_uint(&h, 0x4286, 1);
    el_str(&h, 0x4282, "matroska");
    el_b(out, 0x1A45DFA3, &h);
    put_id(out, 0x18538067);
    put(out, "\x01\xFF\xFF\xFF\xFF\xFF\xFF\xFF", 8);
    struct bytes info = { 0 };
    el_uint(&info, 0x2AD7B1, 1000000);
    el_b(out, 0x1549A966, &info);
    for (int i = 0; i < n_tracks; i++) {
        struct bytes te = { 0 }, au = { 0 };
        el_uint(&te, 0xD7, (uint64_t)i + 1);
        el_uint(&te, 0x83, 2);
        el_str(&te, 0x536E, tracks[i].name);
        el_str(&te, 0x86, tracks[i].codec);
        el_float(&au, 0xB5, tracks[i].rate);
        el_uint(&au, 0x9F, 1);
        if (tracks[i].bits)
            el_uint(&au, 0x6264, tracks[i].bits);
        el_b(&te, 0xE1, &au);
        el_b(&body, 0xAE, &te);
    }
    el_b(out, 0x1654AE6B, &body);
    if (number)
        tag(out, "AWS_KINESISVIDEO_FRAGMENT_NUMBER", number);
    put_id(out, 0x1F43B675);
    put(out, "\x01\xFF\xFF\xFF\xFF\xFF\xFF\xFF", 8);
    el_uint(out, 0xE7, cluster_ms);
    for (int i = 0; i < n_blocks; i++) {
        const struct blk *k = &blocks[i];
        size_t len = k->odd_bytes ? k->odd_bytes : 2 * k->n;
        uint8_t *sb = malloc(4 + len);
        sb[0] = (uint8_t)(0x80 | k->track);
        sb[1] = (uint8_t)((uint16_t)k->rel_ms >> 8);
        sb[2] = (uint8_t)k->rel_ms;
        sb[3] = 0x80;
        int big = !strcmp(tracks[k->track - 1].codec, "A_PCM/INT/BIG");
        for (size_t j = 0; j < len / 2; j++) {
            uint16_t v = (uint16_t)(k->first + (int16_t)j);
            sb[4 + 2 * j + big] = (uint8_t)v;
            sb[4 + 2 * j + !big] = (uint8_t)(v >> 8);
        }
        if (len % 2)
            sb[4 + len - 1] = 0;
        el(out, 0xA3, sb, 4 + len);
        free(sb);
    }
    if (contact)
        tag(out, "ContactId", contact);
    if (mime)
        tag(out, "MimeType", mime);
    tag(out, "AWS_KINESISVIDEO_CONTINUATION_TOKEN", number ? number : "none");
}

/* ---- memory sinks ------------------------------------------------------------ */

struct msink {
    struct bytes data;
    int opened, closed, committed;
    uint32_t rate;
    unsigned channels;
};

struct sinks {
    struct msink out[RECORDING_OUTPUTS];
    int fail_open; /* output index whose open fails, -1 none */
};

static int ms_write(void *impl, uint64_t pos, const void *bytes, size_t len)
{
    struct msink *m = impl;
    if (pos + len > m->data.n) {
        m->data.p = realloc(m->data.p, (size_t)pos + len);
        m->data.n = (size_t)pos + len;
    }
    memcpy(m->data.p + pos, bytes, len);
    return 0;
}

static int ms_seek(void *impl, uint64_t offset)
{
    (void)impl;
    (void)offset;
    return 0;
}

static int ms_close(void *impl, int commit)
{
    struct msink *m = impl;
    m->closed = 1;
    m->committed = commit;
    return 0;
}

static const struct byte_sink_ops ms_ops = { ms_write, ms_seek, ms_close };

static int open_sink(void *user, enum recording_output which, uint32_t rate, unsigned channels,
                     struct byte_sink *out)
{
    struct sinks *s = user;
    if (s->fail_open == (int)which)
        return REC_ERR_IO;
    struct msink *m = &s->out[which];
    assert_false(m->opened); /* at most once per output */
    m->opened = 1;
    m->rate = rate;
    m->channels = channels;
    *out = (struct byte_sink){ .ops = &ms_ops, .impl = m };
    return 0;
}

static void sinks_free(struct sinks *s)
{
    for (int i = 0; i < RECORDING_OUTPUTS; i++)
        free(s->out[i].data.p);
    memset(s, 0, sizeof(*s));
}

/* Sample i of a committed output (after the 80-byte header). */
static int16_t sample(const struct msink *m, size_t i)
{
    const uint8_t *p = m->data.p + 80 + 2 * i;
    return (int16_t)(p[0] | p[1] << 8);
}

static size_t samples(const struct msink *m)
{
    return (m->data.n - 80) / 2;
}

static struct recording *start(struct sinks *s, const char *contact, const char *first,
                               const char *stop)
{
    memset(s, 0, sizeof(*s));
    s->fail_open = -1;
    struct recording_config cfg = {
        .contact_id = contact,
        .start_fragment = first,
        .stop_fragment = stop,
        .sinks = { .user = s, .open = open_sink },
    };
    struct recording *r;
    assert_int_equal(recording_new(&cfg, &r), 0);
    return r;
}

static const struct trk connect_tracks[2] = {
    { "AUDIO_FROM_CUSTOMER", "A_AAC", 8000, 0 },
    { "AUDIO_TO_CUSTOMER", "A_AAC", 8000, 0 },
};
#define L16 "audio/L16;rate=8000;channels=1;"
#define T0 1700000000000ULL

/* Three fragments of 100 ms: contacts A, A, B; 10 ms blocks (80 samples). */
static struct bytes three_fragments(void)
{
    struct bytes b = { 0 };
    for (int f = 0; f < 3; f++) {
        struct blk blocks[20];
        for (int i = 0; i < 10; i++) {
            blocks[2 * i] = (struct blk){ 1, (int16_t)(10 * i), (int16_t)(f * 800 + i * 80), 80, 0 };
            blocks[2 * i + 1] =
                (struct blk){ 2, (int16_t)(10 * i), (int16_t)(-20000 + f * 800 + i * 80), 80, 0 };
        }
        char num[16];
        snprintf(num, sizeof(num), "%d", 100 + f);
        fragment(&b, num, f < 2 ? "A" : "B", T0 + 100 * (uint64_t)f, connect_tracks, 2, blocks,
                 20, L16);
    }
    return b;
}

/* ---- tests ------------------------------------------------------------------- */

static void any_split_of_the_input_gives_the_same_files(void **state)
{
    (void)state;
    struct bytes in = three_fragments();
    struct sinks whole;
    struct recording *r = start(&whole, NULL, NULL, NULL);
    assert_int_equal(recording_push(r, in.p, in.n), 0);
    assert_int_equal(recording_finish(r), 0);
    struct recording_stats st;
    recording_get_stats(r, &st);
    assert_int_equal(st.fragments_used, 3);
    assert_string_equal(st.first_fragment, "100");
    assert_string_equal(st.last_fragment, "102");
    assert_string_equal(st.contact_id, "A");
    assert_string_equal(st.last_fragment_seen, "102");
    assert_string_equal(st.continuation_token, "102");
    assert_int_equal(st.track[0].samples, 2400);
    assert_string_equal(st.track[0].pcm, "s16le");
    assert_string_equal(st.track[0].codec_id, "A_AAC");
    assert_true(st.committed[0] && st.committed[1] && st.committed[2]);
    assert_int_equal(st.mix_frames, 2400);
    recording_destroy(r);
    for (size_t i = 0; i < 2400; i++) {
        assert_int_equal(sample(&whole.out[0], i), (int16_t)i);
        assert_int_equal(sample(&whole.out[1], i), (int16_t)(-20000 + (int)i));
        assert_int_equal(sample(&whole.out[2], 2 * i), (int16_t)i);
        assert_int_equal(sample(&whole.out[2], 2 * i + 1), (int16_t)(-20000 + (int)i));
    }

    srand(7);
    for (int run = 0; run < 3; run++) {
        struct sinks split;
        r = start(&split, NULL, NULL, NULL);
        for (size_t at = 0; at < in.n;) {
            size_t k = run == 0 ? 1 : (size_t)(rand() % 300) + 1;
            if (k > in.n - at)
                k = in.n - at;
            uint8_t *piece = malloc(k); /* own copy: ASan sees reads past it */
            memcpy(piece, in.p + at, k);
            assert_int_equal(recording_push(r, piece, k), 0);
            free(piece);
            at += k;
        }
        assert_int_equal(recording_finish(r), 0);
        recording_destroy(r);
        for (int o = 0; o < RECORDING_OUTPUTS; o++) {
            assert_int_equal(split.out[o].data.n, whole.out[o].data.n);
            assert_memory_equal(split.out[o].data.p, whole.out[o].data.p, whole.out[o].data.n);
        }
        sinks_free(&split);
    }
    sinks_free(&whole);
    free(in.p);
}

static void the_recording_stops_at_a_contact_change_and_push_says_so(void **state)
{
    (void)state;
    struct bytes in = three_fragments();
    struct sinks s;
    struct recording *r = start(&s, "A", NULL, NULL);
    assert_int_equal(recording_push(r, in.p, in.n), MKV_STOP);
    assert_true(recording_done(r));
    assert_int_equal(recording_push(r, in.p, 10), MKV_STOP);
    assert_int_equal(recording_finish(r), 0);
    struct recording_stats st;
    recording_get_stats(r, &st);
    assert_int_equal(st.fragments_used, 2);
    assert_int_equal(st.fragments_skipped, 1);
    assert_string_equal(st.done_reason, "contact_changed");
    assert_int_equal(samples(&s.out[0]), 1600);
    recording_destroy(r);
    sinks_free(&s);

    r = start(&s, NULL, "101", "101");
    assert_int_equal(recording_push(r, in.p, in.n), MKV_STOP);
    assert_int_equal(recording_finish(r), 0);
    recording_get_stats(r, &st);
    assert_string_equal(st.done_reason, "stop_fragment");
    assert_int_equal(st.fragments_used, 1);
    assert_int_equal(samples(&s.out[0]), 800);
    assert_int_equal(sample(&s.out[0], 0), 800); /* fragment 101's first sample */
    recording_destroy(r);
    sinks_free(&s);
    free(in.p);
}

static void destroy_without_finish_discards_every_output(void **state)
{
    (void)state;
    struct bytes in = three_fragments();
    struct sinks s;
    struct recording *r = start(&s, NULL, NULL, NULL);
    assert_int_equal(recording_push(r, in.p, in.n), 0);
    recording_destroy(r);
    for (int o = 0; o < 2; o++) {
        assert_true(s.out[o].opened);
        assert_true(s.out[o].closed);
        assert_false(s.out[o].committed);
    }
    sinks_free(&s);
    free(in.p);
}

static void restart_after_a_cut_fragment_does_not_duplicate_audio(void **state)
{
    (void)state;
    struct bytes in = three_fragments();
    struct sinks s;
    struct recording *r = start(&s, "A", NULL, NULL);
    /* The first GetMedia ends in the middle of fragment 101's Cluster. */
    size_t cut = in.n / 2;
    assert_int_equal(recording_push(r, in.p, cut), 0);
    struct recording_stats st;
    recording_get_stats(r, &st);
    assert_string_equal(st.last_fragment_seen, "100");
    assert_int_equal(recording_restart_input(r), 0);
    /* The second one starts after fragment 100. */
    size_t second = 0;
    for (size_t i = 1; i + 4 < in.n; i++)
        if (!memcmp(in.p + i, "\x1A\x45\xDF\xA3", 4)) {
            second = i;
            break;
        }
    assert_true(second > 0 && second < cut);
    assert_int_equal(recording_push(r, in.p + second, in.n - second), MKV_STOP);
    assert_int_equal(recording_finish(r), 0);
    assert_int_equal(samples(&s.out[0]), 1600);
    for (size_t i = 0; i < 1600; i++)
        assert_int_equal(sample(&s.out[0], i), (int16_t)i);
    assert_int_equal(recording_restart_input(r), REC_ERR_STATE);
    recording_destroy(r);
    sinks_free(&s);
    free(in.p);
}

static void an_unsupported_track_fails_alone(void **state)
{
    (void)state;
    struct trk t[2] = { { "AUDIO_FROM_CUSTOMER", "A_PCM/INT/BIG", 8000, 16 },
                        { "AUDIO_TO_CUSTOMER", "A_VORBIS", 8000, 0 } };
    struct blk blocks[2] = { { 1, 0, 5, 80, 0 }, { 2, 0, 9, 80, 0 } };
    struct bytes in = { 0 };
    fragment(&in, "1", "A", T0, t, 2, blocks, 2, NULL);
    struct sinks s;
    struct recording *r = start(&s, NULL, NULL, NULL);
    assert_int_equal(recording_push(r, in.p, in.n), 0);
    assert_int_equal(recording_finish(r), REC_ERR_UNSUPPORTED);
    assert_non_null(strstr(recording_error(r), "A_VORBIS"));
    struct recording_stats st;
    recording_get_stats(r, &st);
    assert_true(st.committed[0]);
    assert_false(st.committed[1]);
    assert_false(st.committed[2]);
    assert_null(st.track[1].pcm);
    assert_non_null(strstr(st.track[1].error, "AUDIO_TO_CUSTOMER"));
    assert_string_equal(st.track[0].pcm, "s16be");
    assert_int_equal(sample(&s.out[0], 79), 5 + 79); /* big-endian decoded */
    recording_destroy(r);
    sinks_free(&s);
    free(in.p);
}

static void different_rates_refuse_only_the_mix(void **state)
{
    (void)state;
    struct trk t[2] = { { "AUDIO_FROM_CUSTOMER", "A_PCM/INT/LIT", 8000, 16 },
                        { "AUDIO_TO_CUSTOMER", "A_PCM/INT/LIT", 16000, 16 } };
    struct blk blocks[2] = { { 1, 0, 5, 80, 0 }, { 2, 0, 9, 160, 0 } };
    struct bytes in = { 0 };
    fragment(&in, "1", "A", T0, t, 2, blocks, 2, NULL);
    struct sinks s;
    struct recording *r = start(&s, NULL, NULL, NULL);
    assert_int_equal(recording_push(r, in.p, in.n), 0);
    assert_int_equal(recording_finish(r), 0);
    struct recording_stats st;
    recording_get_stats(r, &st);
    assert_true(st.committed[0] && st.committed[1]);
    assert_false(st.committed[2]);
    assert_non_null(strstr(st.mix_error, "8000 Hz and 16000 Hz"));
    assert_int_equal(s.out[1].rate, 16000);
    recording_destroy(r);
    sinks_free(&s);
    free(in.p);
}

static void a_bad_block_keeps_what_came_before(void **state)
{
    (void)state;
    struct blk good[2] = { { 1, 0, 1, 80, 0 }, { 2, 0, 2, 80, 0 } };
    struct blk bad[3] = { { 1, 0, 100, 80, 0 }, { 2, 0, 200, 0, 7 }, { 1, 10, 300, 80, 0 } };
    struct bytes in = { 0 };
    fragment(&in, "1", "A", T0, connect_tracks, 2, good, 2, L16);
    fragment(&in, "2", "A", T0 + 10, connect_tracks, 2, bad, 3, L16);
    struct sinks s;
    struct recording *r = start(&s, NULL, NULL, NULL);
    /* Judged once its MimeType tag is in, during the push. */
    assert_int_equal(recording_push(r, in.p, in.n), REC_ERR_INVALID);
    assert_int_equal(recording_finish(r), REC_ERR_INVALID);
    assert_non_null(strstr(recording_error(r), "not whole 16-bit samples"));
    struct recording_stats st;
    recording_get_stats(r, &st);
    assert_true(st.committed[0] && st.committed[1]);
    assert_int_equal(samples(&s.out[0]), 160); /* fragment 1 and the block before the fault */
    assert_int_equal(sample(&s.out[0], 80), 100);
    assert_int_equal(samples(&s.out[1]), 80);
    recording_destroy(r);
    sinks_free(&s);
    free(in.p);
}

static void kvs_error_tags_and_sink_failures_are_errors(void **state)
{
    (void)state;
    struct bytes in = { 0 };
    struct blk blocks[1] = { { 1, 0, 1, 80, 0 } };
    fragment(&in, "1", "A", T0, connect_tracks, 2, blocks, 1, L16);
    tag(&in, "AWS_KINESISVIDEO_ERROR_CODE", "4000");
    tag(&in, "AWS_KINESISVIDEO_ERROR_ID", "fragment not found");
    struct sinks s;
    struct recording *r = start(&s, NULL, NULL, NULL);
    assert_int_equal(recording_push(r, in.p, in.n), REC_ERR_AWS);
    assert_non_null(strstr(recording_error(r), "4000"));
    recording_destroy(r);
    sinks_free(&s);
    free(in.p);

    in = (struct bytes){ 0 };
    fragment(&in, "1", "A", T0, connect_tracks, 2, blocks, 1, L16);
    r = start(&s, NULL, NULL, NULL);
    s.fail_open = RECORDING_FROM_CUSTOMER;
    assert_true(recording_push(r, in.p, in.n) < 0);
    assert_int_equal(recording_finish(r), REC_ERR_IO);
    assert_non_null(strstr(recording_error(r), "AUDIO_FROM_CUSTOMER"));
    recording_destroy(r);
    sinks_free(&s);
    free(in.p);
}

static void a_fragment_over_the_hold_cap_is_refused(void **state)
{
    (void)state;
    struct blk blocks[4] = { { 1, 0, 1, 400, 0 }, { 2, 0, 1, 400, 0 },
                             { 1, 50, 1, 400, 0 }, { 2, 50, 1, 400, 0 } };
    struct bytes in = { 0 };
    fragment(&in, "1", "A", T0, connect_tracks, 2, blocks, 4, L16);
    struct sinks s = { .fail_open = -1 };
    struct recording_config cfg = { .sinks = { .user = &s, .open = open_sink },
                                    .max_fragment_bytes = 2000 };
    struct recording *r;
    assert_int_equal(recording_new(&cfg, &r), 0);
    assert_int_equal(recording_push(r, in.p, in.n), REC_ERR_LIMIT);
    assert_non_null(strstr(recording_error(r), "max_fragment_bytes"));
    recording_destroy(r);
    sinks_free(&s);
    free(in.p);

    cfg.stop_fragment = "12x";
    assert_int_equal(recording_new(&cfg, &r), REC_ERR_INVALID);
    assert_null(r);
    cfg.stop_fragment = NULL;
    cfg.sinks.open = NULL;
    assert_int_equal(recording_new(&cfg, &r), REC_ERR_INVALID);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(any_split_of_the_input_gives_the_same_files),
        cmocka_unit_test(the_recording_stops_at_a_contact_change_and_push_says_so),
        cmocka_unit_test(destroy_without_finish_discards_every_output),
        cmocka_unit_test(restart_after_a_cut_fragment_does_not_duplicate_audio),
        cmocka_unit_test(an_unsupported_track_fails_alone),
        cmocka_unit_test(different_rates_refuse_only_the_mix),
        cmocka_unit_test(a_bad_block_keeps_what_came_before),
        cmocka_unit_test(kvs_error_tags_and_sink_failures_are_errors),
        cmocka_unit_test(a_fragment_over_the_hold_cap_is_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* Unit tests for the recorder's façade (recorder/recorder.h) over memory
 * sinks, with Matroska built by hand (tests/unit/test_recorder_support.h). */
#include "tests/unit/test_recorder_support.h"

#include "recorder/recorder.h"

/* Connect's layout, every output wanted. */
static struct recorder_options connect_options(struct sinks *s)
{
    return (struct recorder_options){
        .tracks = recorder_tracks_connect,
        .call_tag = RECORDER_CALL_TAG_CONNECT,
        .outputs = RECORDER_WANT_ALL,
        .sinks = { .user = s, .open = open_sink },
    };
}

static struct recorder *start_with(struct sinks *s, const struct recorder_options *opt)
{
    memset(s, 0, sizeof(*s));
    s->fail_open = -1;
    struct recorder_options o = *opt;
    o.sinks = (struct recorder_sinks){ .user = s, .open = open_sink };
    struct recorder *r;
    assert_int_equal(recorder_new(&o, &r), 0);
    return r;
}

static struct recorder *start(struct sinks *s, const char *contact, const char *first,
                              const char *stop)
{
    struct recorder_options o = connect_options(s);
    o.call_id = contact;
    o.start_fragment = first;
    o.stop_fragment = stop;
    return start_with(s, &o);
}

static int committed(const struct recorder_stats *st, enum recorder_output which)
{
    return st->output[which].state == OUTPUT_COMMITTED;
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
    struct recorder *r = start(&whole, NULL, NULL, NULL);
    assert_int_equal(recorder_push(r, in.p, in.n), 0);
    assert_int_equal(recorder_finish(r), 0);
    struct recorder_stats st;
    recorder_get_stats(r, &st);
    assert_int_equal(st.fragments_used, 3);
    assert_string_equal(st.first_fragment, "100");
    assert_string_equal(st.last_fragment, "102");
    assert_string_equal(st.call_id, "A");
    struct kvs_resume_point resume;
    recorder_resume_point(r, &resume);
    assert_string_equal(resume.last_fragment, "102");
    assert_string_equal(resume.continuation_token, "102");
    assert_int_equal(resume.fragments_seen, 3);
    assert_true(st.origin_set);
    assert_int_equal(st.origin_ns, (int64_t)T0 * 1000000);
    assert_int_equal(st.track[0].samples, 2400);
    assert_string_equal(st.track[0].pcm, "s16le");
    assert_string_equal(st.track[0].codec_id, "A_AAC");
    assert_true(committed(&st, 0) && committed(&st, 1) && committed(&st, 2));
    assert_int_equal(st.output[RECORDER_OUT_MIX].frames, 2400);
    recorder_destroy(r);
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
            assert_int_equal(recorder_push(r, piece, k), 0);
            free(piece);
            at += k;
        }
        assert_int_equal(recorder_finish(r), 0);
        recorder_destroy(r);
        for (int o = 0; o < RECORDER_OUTPUTS; o++) {
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
    struct recorder *r = start(&s, "A", NULL, NULL);
    assert_int_equal(recorder_push(r, in.p, in.n), MKV_STOP);
    assert_true(recorder_done(r));
    assert_int_equal(recorder_push(r, in.p, 10), MKV_STOP);
    assert_int_equal(recorder_finish(r), 0);
    struct recorder_stats st;
    recorder_get_stats(r, &st);
    assert_int_equal(st.fragments_used, 2);
    assert_int_equal(st.fragments_skipped, 1);
    assert_string_equal(st.done_reason, "call_changed");
    assert_int_equal(samples(&s.out[0]), 1600);
    recorder_destroy(r);
    sinks_free(&s);

    r = start(&s, NULL, "101", "101");
    assert_int_equal(recorder_push(r, in.p, in.n), MKV_STOP);
    assert_int_equal(recorder_finish(r), 0);
    recorder_get_stats(r, &st);
    assert_string_equal(st.done_reason, "stop_fragment");
    assert_int_equal(st.fragments_used, 1);
    assert_int_equal(samples(&s.out[0]), 800);
    assert_int_equal(sample(&s.out[0], 0), 800); /* fragment 101's first sample */
    recorder_destroy(r);
    sinks_free(&s);
    free(in.p);
}

static void destroy_without_finish_discards_every_output(void **state)
{
    (void)state;
    struct bytes in = three_fragments();
    struct sinks s;
    struct recorder *r = start(&s, NULL, NULL, NULL);
    assert_int_equal(recorder_push(r, in.p, in.n), 0);
    recorder_destroy(r);
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
    struct recorder *r = start(&s, "A", NULL, NULL);
    /* The first GetMedia ends in the middle of fragment 101's Cluster. */
    size_t cut = in.n / 2;
    assert_int_equal(recorder_push(r, in.p, cut), 0);
    struct kvs_resume_point resume;
    recorder_resume_point(r, &resume);
    assert_string_equal(resume.last_fragment, "100");
    assert_int_equal(recorder_restart_input(r), 0);
    /* The second one starts after fragment 100. */
    size_t second = 0;
    for (size_t i = 1; i + 4 < in.n; i++)
        if (!memcmp(in.p + i, "\x1A\x45\xDF\xA3", 4)) {
            second = i;
            break;
        }
    assert_true(second > 0 && second < cut);
    assert_int_equal(recorder_push(r, in.p + second, in.n - second), MKV_STOP);
    assert_int_equal(recorder_finish(r), 0);
    assert_int_equal(samples(&s.out[0]), 1600);
    for (size_t i = 0; i < 1600; i++)
        assert_int_equal(sample(&s.out[0], i), (int16_t)i);
    assert_int_equal(recorder_restart_input(r), REC_ERR_STATE);
    recorder_destroy(r);
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
    struct recorder *r = start(&s, NULL, NULL, NULL);
    assert_int_equal(recorder_push(r, in.p, in.n), 0);
    assert_int_equal(recorder_finish(r), REC_ERR_UNSUPPORTED);
    assert_non_null(strstr(recorder_error(r)->message, "A_VORBIS"));
    struct recorder_stats st;
    recorder_get_stats(r, &st);
    assert_true(committed(&st, 0));
    assert_false(committed(&st, 1));
    assert_false(committed(&st, 2));
    assert_null(st.track[1].pcm);
    assert_non_null(strstr(st.track[1].unsupported, "AUDIO_TO_CUSTOMER"));
    assert_string_equal(st.track[0].pcm, "s16be");
    assert_int_equal(sample(&s.out[0], 79), 5 + 79); /* big-endian decoded */
    recorder_destroy(r);
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
    struct recorder *r = start(&s, NULL, NULL, NULL);
    assert_int_equal(recorder_push(r, in.p, in.n), 0);
    assert_int_equal(recorder_finish(r), 0);
    struct recorder_stats st;
    recorder_get_stats(r, &st);
    assert_true(committed(&st, 0) && committed(&st, 1));
    assert_false(committed(&st, 2));
    assert_non_null(strstr(st.mix_refused, "8000 Hz and 16000 Hz"));
    assert_int_equal(s.out[1].rate, 16000);
    recorder_destroy(r);
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
    struct recorder *r = start(&s, NULL, NULL, NULL);
    /* Judged once its MimeType tag is in, during the push. */
    assert_int_equal(recorder_push(r, in.p, in.n), REC_ERR_INVALID);
    assert_int_equal(recorder_finish(r), REC_ERR_INVALID);
    assert_non_null(strstr(recorder_error(r)->message, "not whole 16-bit samples"));
    struct recorder_stats st;
    recorder_get_stats(r, &st);
    assert_true(committed(&st, 0) && committed(&st, 1));
    assert_int_equal(samples(&s.out[0]), 160); /* fragment 1 and the block before the fault */
    assert_int_equal(sample(&s.out[0], 80), 100);
    assert_int_equal(samples(&s.out[1]), 80);
    recorder_destroy(r);
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
    struct recorder *r = start(&s, NULL, NULL, NULL);
    assert_int_equal(recorder_push(r, in.p, in.n), REC_ERR_AWS);
    assert_non_null(strstr(recorder_error(r)->message, "4000"));
    recorder_destroy(r);
    sinks_free(&s);
    free(in.p);

    in = (struct bytes){ 0 };
    fragment(&in, "1", "A", T0, connect_tracks, 2, blocks, 1, L16);
    r = start(&s, NULL, NULL, NULL);
    s.fail_open = RECORDER_OUT_ROLE0;
    assert_true(recorder_push(r, in.p, in.n) < 0);
    assert_int_equal(recorder_finish(r), REC_ERR_IO);
    assert_non_null(strstr(recorder_error(r)->message, "AUDIO_FROM_CUSTOMER"));
    recorder_destroy(r);
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
    struct recorder_options cfg = connect_options(&s);
    cfg.max_fragment_bytes = 2000;
    struct recorder *r;
    assert_int_equal(recorder_new(&cfg, &r), 0);
    assert_int_equal(recorder_push(r, in.p, in.n), REC_ERR_LIMIT);
    assert_non_null(strstr(recorder_error(r)->message, "max_fragment_bytes"));
    recorder_destroy(r);
    sinks_free(&s);
    free(in.p);

    /* Held for its MimeType: the third block's bytes pass the cap after
     * its header went in; the two blocks held whole are still judged (by
     * the first fragment's MimeType) and written at finish, the cut one is
     * not. */
    struct blk first[2] = { { 1, 0, 1, 80, 0 }, { 2, 0, 1, 80, 0 } };
    in = (struct bytes){ 0 };
    fragment(&in, "1", "A", T0, connect_tracks, 2, first, 2, L16);
    fragment(&in, "2", "A", T0 + 100, connect_tracks, 2, blocks, 4, NULL);
    r = start_with(&s, &cfg);
    assert_int_equal(recorder_push(r, in.p, in.n), REC_ERR_LIMIT);
    assert_int_equal(recorder_finish(r), REC_ERR_LIMIT);
    struct recorder_stats st;
    recorder_get_stats(r, &st);
    assert_int_equal(st.fragments_used, 2);
    assert_int_equal(st.track[0].blocks, 2);
    assert_int_equal(st.track[1].blocks, 2);
    assert_true(committed(&st, RECORDER_OUT_ROLE0));
    assert_int_equal(st.output[RECORDER_OUT_ROLE0].frames, 800 + 400);
    recorder_destroy(r);
    sinks_free(&s);
    free(in.p);

    cfg.stop_fragment = "12x";
    assert_int_equal(recorder_new(&cfg, &r), REC_ERR_INVALID);
    assert_null(r);
    cfg.stop_fragment = NULL;
    cfg.sinks.open = NULL;
    assert_int_equal(recorder_new(&cfg, &r), REC_ERR_INVALID);
}

static void bad_options_are_refused(void **state)
{
    (void)state;
    struct sinks s;
    struct recorder *r = (struct recorder *)&s;
    struct recorder_options o = connect_options(&s);
    o.outputs = 0;
    assert_int_equal(recorder_new(&o, &r), REC_ERR_INVALID);
    assert_null(r);
    o = connect_options(&s);
    o.outputs = 8;
    assert_int_equal(recorder_new(&o, &r), REC_ERR_INVALID);
    o = connect_options(&s);
    o.call_tag = NULL;
    o.call_id = "A"; /* a wanted call nothing could name */
    assert_int_equal(recorder_new(&o, &r), REC_ERR_INVALID);
    o = connect_options(&s);
    o.tracks.name[1] = o.tracks.name[0];
    assert_int_equal(recorder_new(&o, &r), REC_ERR_INVALID);
    char long_name[TRACK_NAME_MAX + 2];
    memset(long_name, 'n', sizeof(long_name) - 1);
    long_name[sizeof(long_name) - 1] = '\0';
    o = connect_options(&s);
    o.tracks.name[0] = long_name;
    assert_int_equal(recorder_new(&o, &r), REC_ERR_INVALID);
    char long_call[FRAGMENT_SELECT_MAX_CALL_ID + 2];
    memset(long_call, 'c', sizeof(long_call) - 1);
    long_call[sizeof(long_call) - 1] = '\0';
    o = connect_options(&s);
    o.call_id = long_call;
    assert_int_equal(recorder_new(&o, &r), REC_ERR_INVALID);
}

/* Role 1 (to the customer) starts 100 ms before role 0 in the first
 * fragment; blocks of 10 ms (80 samples). In stream order role 0's first
 * block comes first, so a held fragment's origin is not its first block,
 * and a fragment read straight through fixes it on its first block. */
static struct bytes late_role0(const struct trk *tracks, const char *mime, int role1_first)
{
    struct bytes b = { 0 };
    for (int f = 0; f < 3; f++) {
        struct blk blocks[40];
        int n = 0;
        if (f == 0 && role1_first)
            blocks[n++] = (struct blk){ 2, 0, -30000, 80, 0 };
        for (int i = 0; i < 20; i++) {
            if (f > 0 || i >= 10)
                blocks[n++] = (struct blk){ 1, (int16_t)(10 * i), (int16_t)(f * 1600 + i * 80), 80, 0 };
            if (!(f == 0 && role1_first && i == 0))
                blocks[n++] = (struct blk){ 2, (int16_t)(10 * i), (int16_t)(-20000 + f * 1600 + i * 80), 80, 0 };
        }
        char num[16];
        snprintf(num, sizeof(num), "%d", 100 + f);
        fragment(&b, num, "A", T0 + 200 * (uint64_t)f, tracks, 2, blocks, n, mime);
    }
    return b;
}

/* Records in with outputs, returns the sinks (caller frees) and stats. */
static void record(struct bytes in, unsigned outputs, struct sinks *s, struct recorder_stats *st)
{
    struct recorder_options o = connect_options(s);
    o.outputs = outputs;
    struct recorder *r = start_with(s, &o);
    assert_int_equal(recorder_push(r, in.p, in.n), 0);
    assert_int_equal(recorder_finish(r), 0);
    recorder_get_stats(r, st);
    recorder_destroy(r);
}

static void assert_same_output(const struct msink *a, const struct msink *b)
{
    assert_true(a->committed && b->committed);
    assert_int_equal(a->data.n, b->data.n);
    assert_memory_equal(a->data.p, b->data.p, a->data.n);
}

/* recordingAuth 1 and 2 against 3: the one file wanted is the same file,
 * leading silence included, and nothing else is decoded or opened. */
static void an_unwanted_output_is_not_decoded_and_the_rest_is_unchanged(void **state)
{
    (void)state;
    static const struct trk lit[2] = { { "AUDIO_FROM_CUSTOMER", "A_PCM/INT/LIT", 8000, 16 },
                                       { "AUDIO_TO_CUSTOMER", "A_PCM/INT/LIT", 8000, 16 } };
    struct bytes inputs[3] = { late_role0(connect_tracks, L16, 0), late_role0(lit, NULL, 0),
                               late_role0(lit, NULL, 1) };
    for (int k = 0; k < 3; k++) {
        struct sinks all, one;
        struct recorder_stats st_all, st_one;
        record(inputs[k], RECORDER_WANT_ALL, &all, &st_all);
        record(inputs[k], RECORDER_WANT(RECORDER_OUT_ROLE0), &one, &st_one);
        assert_true(st_all.track[0].lead_ms > 0 || k == 1); /* role 0 starts with silence */
        assert_same_output(&one.out[0], &all.out[0]);
        assert_false(one.out[1].opened || one.out[2].opened);
        assert_int_equal(st_one.origin_ns, st_all.origin_ns);
        assert_false(st_one.track[1].decoded);
        assert_int_equal(st_one.track[1].samples, 0);
        assert_true(st_one.track[1].present); /* still known, for the log */
        assert_int_equal(st_one.output[RECORDER_OUT_ROLE1].state, OUTPUT_CLOSED);
        assert_int_equal(st_one.output[RECORDER_OUT_MIX].state, OUTPUT_CLOSED);
        assert_int_equal(st_one.output[RECORDER_OUT_ROLE0].frames, st_all.track[0].samples);
        sinks_free(&one);
        record(inputs[k], RECORDER_WANT(RECORDER_OUT_ROLE1), &one, &st_one);
        assert_same_output(&one.out[1], &all.out[1]);
        assert_false(one.out[0].opened || one.out[2].opened);
        sinks_free(&one);
        record(inputs[k], RECORDER_WANT(RECORDER_OUT_MIX), &one, &st_one);
        assert_same_output(&one.out[2], &all.out[2]);
        assert_false(one.out[0].opened || one.out[1].opened);
        assert_true(st_one.track[0].decoded && st_one.track[1].decoded);
        sinks_free(&one);
        sinks_free(&all);
        free(inputs[k].p);
    }
}

/* Once the origin is fixed an unwanted track's blocks are skipped by the
 * reader unread: a block over the reader's element cap is then no error. */
static void blocks_of_an_unwanted_track_are_skipped_once_the_origin_is_fixed(void **state)
{
    (void)state;
    struct blk first[2] = { { 1, 0, 1, 80, 0 }, { 2, 0, 2, 80, 0 } };
    struct blk big[2] = { { 1, 0, 3, 80, 0 }, { 2, 0, 4, 2000, 0 } };
    struct bytes in = { 0 };
    fragment(&in, "1", "A", T0, connect_tracks, 2, first, 2, L16);
    fragment(&in, "2", "A", T0 + 10, connect_tracks, 2, big, 2, L16);
    for (int all = 0; all < 2; all++) {
        struct sinks s;
        struct recorder_options o = connect_options(&s);
        o.max_element_bytes = 1000;
        o.outputs = all ? RECORDER_WANT_ALL : RECORDER_WANT(RECORDER_OUT_ROLE0);
        struct recorder *r = start_with(&s, &o);
        assert_int_equal(recorder_push(r, in.p, in.n), all ? REC_ERR_LIMIT : 0);
        assert_int_equal(recorder_finish(r), all ? REC_ERR_LIMIT : 0);
        if (!all)
            assert_int_equal(samples(&s.out[0]), 160);
        recorder_destroy(r);
        sinks_free(&s);
    }
    free(in.p);
}

/* An unwanted track that cannot be decoded is a fact for the log, not a
 * failure: nothing of it was asked for. */
static void an_unwanted_unsupported_track_is_not_a_failure(void **state)
{
    (void)state;
    struct trk t[2] = { { "AUDIO_FROM_CUSTOMER", "A_PCM/INT/LIT", 8000, 16 },
                        { "AUDIO_TO_CUSTOMER", "A_VORBIS", 8000, 0 } };
    struct blk blocks[2] = { { 1, 0, 5, 80, 0 }, { 2, 0, 9, 80, 0 } };
    struct bytes in = { 0 };
    fragment(&in, "1", "A", T0, t, 2, blocks, 2, NULL);
    struct sinks s;
    struct recorder_stats st;
    record(in, RECORDER_WANT(RECORDER_OUT_ROLE0), &s, &st);
    assert_non_null(strstr(st.track[1].unsupported, "A_VORBIS"));
    assert_true(s.out[0].committed);
    sinks_free(&s);
    free(in.p);
}

/* A Chime-like stream: one audio track of any name, the call named by
 * TransactionId. The same stream with Connect's layout has no track to
 * record. */
static void a_stream_with_one_track_of_any_name_and_another_call_tag(void **state)
{
    (void)state;
    static const struct trk one[1] = { { "ChimeAudio", "A_PCM/INT/LIT", 8000, 16 } };
    struct bytes in = { 0 };
    for (int f = 0; f < 3; f++) {
        struct blk b[1] = { { 1, 0, (int16_t)(f * 80), 80, 0 } };
        char num[16];
        snprintf(num, sizeof(num), "%d", 10 + f);
        fragment_tagged(&in, num, "TransactionId", f < 2 ? "T-1" : "T-2", T0 + 10 * (uint64_t)f,
                        one, 1, b, 1, NULL);
    }
    struct sinks s;
    struct recorder_options o = {
        .tracks = { .name = { NULL, NULL }, .lone_any_name = 1 },
        .call_tag = "TransactionId",
        .call_id = "T-1",
        .outputs = RECORDER_WANT(RECORDER_OUT_ROLE0),
    };
    struct recorder *r = start_with(&s, &o);
    assert_int_equal(recorder_push(r, in.p, in.n), MKV_STOP);
    assert_int_equal(recorder_finish(r), 0);
    struct recorder_stats st;
    recorder_get_stats(r, &st);
    assert_string_equal(st.done_reason, "call_changed");
    assert_string_equal(st.call_id, "T-1");
    assert_string_equal(st.track[0].name, "");
    assert_int_equal(samples(&s.out[0]), 160);
    assert_int_equal(sample(&s.out[0], 159), 159);
    recorder_destroy(r);
    sinks_free(&s);

    r = start(&s, NULL, NULL, NULL);
    assert_int_equal(recorder_push(r, in.p, in.n), 0);
    assert_int_equal(recorder_finish(r), REC_ERR_UNSUPPORTED);
    assert_non_null(strstr(recorder_error(r)->message, "no audio track to record"));
    assert_non_null(strstr(recorder_error(r)->message, "Track_audio/L16"));
    assert_false(recorder_error(r)->retriable);
    recorder_destroy(r);
    sinks_free(&s);
    free(in.p);
}

/* A call tag longer than any call ID accepted is never the wanted call (it
 * is compared whole, never cut to fit), and its value is not reported. */
static void an_over_long_call_id_is_never_the_wanted_call(void **state)
{
    (void)state;
    char want[FRAGMENT_SELECT_MAX_CALL_ID + 1], longer[FRAGMENT_SELECT_MAX_CALL_ID + 2];
    memset(want, 'c', sizeof(want) - 1);
    want[sizeof(want) - 1] = '\0';
    memset(longer, 'c', sizeof(longer) - 1);
    longer[sizeof(longer) - 1] = '\0';
    struct blk b[2] = { { 1, 0, 1, 80, 0 }, { 2, 0, 2, 80, 0 } };
    struct bytes in = { 0 };
    fragment(&in, "1", longer, T0, connect_tracks, 2, b, 2, L16);
    fragment(&in, "2", want, T0 + 10, connect_tracks, 2, b, 2, L16);
    fragment(&in, "3", longer, T0 + 20, connect_tracks, 2, b, 2, L16);
    struct sinks s;
    struct recorder *r = start(&s, want, NULL, NULL);
    assert_int_equal(recorder_push(r, in.p, in.n), MKV_STOP);
    assert_int_equal(recorder_finish(r), 0);
    struct recorder_stats st;
    recorder_get_stats(r, &st);
    assert_int_equal(st.fragments_used, 1);
    assert_string_equal(st.first_fragment, "2");
    assert_string_equal(st.done_reason, "call_changed");
    recorder_destroy(r);
    sinks_free(&s);

    r = start(&s, NULL, NULL, NULL); /* every call: the first one's ID is too long to report */
    assert_int_equal(recorder_push(r, in.p, in.n), 0);
    recorder_get_stats(r, &st);
    assert_int_equal(st.fragments_used, 3);
    assert_string_equal(st.call_id, "");
    recorder_destroy(r);
    sinks_free(&s);
    free(in.p);
}

/* A continuation token too long to keep is forgotten, never cut: resuming
 * then goes by the last fragment number. */
static void an_over_long_continuation_token_is_forgotten(void **state)
{
    (void)state;
    char token[KVS_CONTINUATION_TOKEN_MAX + 2];
    memset(token, '7', sizeof(token) - 1);
    token[sizeof(token) - 1] = '\0';
    struct blk b[2] = { { 1, 0, 1, 80, 0 }, { 2, 0, 2, 80, 0 } };
    struct bytes in = { 0 };
    fragment(&in, "41", "A", T0, connect_tracks, 2, b, 2, L16);
    tag(&in, "AWS_KINESISVIDEO_CONTINUATION_TOKEN", token);
    struct sinks s;
    struct recorder *r = start(&s, "A", NULL, NULL);
    assert_int_equal(recorder_push(r, in.p, in.n), 0);
    struct kvs_resume_point at;
    recorder_resume_point(r, &at);
    assert_string_equal(at.continuation_token, "");
    assert_string_equal(at.last_fragment, "41");
    token[KVS_CONTINUATION_TOKEN_MAX] = '\0'; /* the longest kept */
    tag(&in, "AWS_KINESISVIDEO_CONTINUATION_TOKEN", token);
    recorder_destroy(r);
    sinks_free(&s);
    r = start(&s, "A", NULL, NULL);
    assert_int_equal(recorder_push(r, in.p, in.n), 0);
    recorder_resume_point(r, &at);
    assert_string_equal(at.continuation_token, token);
    recorder_destroy(r);
    sinks_free(&s);
    free(in.p);
}

/* Input cut inside a fragment: the files keep the complete blocks, the
 * result is TRUNCATED, in the error record too; push after finish is a
 * caller's mistake. */
static void a_cut_input_is_truncated_in_the_record(void **state)
{
    (void)state;
    struct bytes in = three_fragments();
    struct sinks s;
    struct recorder *r = start(&s, NULL, NULL, NULL);
    assert_int_equal(recorder_push(r, in.p, in.n - 700), 0);
    assert_int_equal(recorder_finish(r), REC_ERR_TRUNCATED);
    assert_int_equal(recorder_finish(r), REC_ERR_TRUNCATED);
    const struct rec_error *e = recorder_error(r);
    assert_int_equal(e->code, REC_ERR_TRUNCATED);
    assert_false(e->retriable);
    assert_true(e->message[0] != '\0');
    struct recorder_stats st;
    recorder_get_stats(r, &st);
    assert_true(st.truncated);
    assert_true(committed(&st, 0) && committed(&st, 1) && committed(&st, 2));
    assert_int_equal(recorder_push(r, in.p, 1), REC_ERR_STATE);
    recorder_destroy(r);
    sinks_free(&s);
    free(in.p);
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
        cmocka_unit_test(bad_options_are_refused),
        cmocka_unit_test(an_unwanted_output_is_not_decoded_and_the_rest_is_unchanged),
        cmocka_unit_test(blocks_of_an_unwanted_track_are_skipped_once_the_origin_is_fixed),
        cmocka_unit_test(an_unwanted_unsupported_track_is_not_a_failure),
        cmocka_unit_test(a_stream_with_one_track_of_any_name_and_another_call_tag),
        cmocka_unit_test(an_over_long_call_id_is_never_the_wanted_call),
        cmocka_unit_test(an_over_long_continuation_token_is_forgotten),
        cmocka_unit_test(a_cut_input_is_truncated_in_the_record),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

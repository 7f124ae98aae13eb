/* Unit tests for one recording output (recorder/output.h): its states, the
 * write path through a replaceable encoder, the mix, and failures. */
#include "tests/unit/test_recorder_support.h"

#define MS 1000000LL
#define T0 (1700000000000LL * MS)

static void setup(struct output *o, struct sinks *s, enum recorder_output which, int wanted,
                  struct rec_error *err)
{
    static struct recorder_sinks rs;
    rs = (struct recorder_sinks){ .user = s, .open = open_sink };
    struct output_config cfg = { .which = which, .wanted = wanted,
                                 .label = which == RECORDER_OUT_MIX ? "stereo mix" : "ROLE_A",
                                 .sinks = &rs, .max_gap_ms = 1000 };
    rec_error_clear(err);
    assert_int_equal(output_init(o, &cfg, err), 0);
    output_set_origin(o, T0);
}

static const uint8_t ten[20] = { 1, 0, 2, 0, 3, 0, 4, 0, 5, 0, 6, 0, 7, 0, 8, 0, 9, 0, 10, 0 };

static void a_mono_output_opens_at_its_first_block_and_commits(void **state)
{
    (void)state;
    struct sinks s = { .fail_open = -1 };
    struct rec_error err;
    struct output o;
    setup(&o, &s, RECORDER_OUT_ROLE1, 1, &err);
    output_set_rate(&o, 8000);
    assert_int_equal(o.state, OUTPUT_CLOSED);
    assert_false(s.out[1].opened);
    uint64_t silence;
    /* 50 ms after the origin: 400 samples of silence first. */
    assert_int_equal(output_place(&o, T0 + 50 * MS, ten, 10, &silence), 0);
    assert_int_equal(silence, 400);
    assert_int_equal(o.state, OUTPUT_OPEN);
    assert_true(s.out[1].opened);
    assert_int_equal(s.out[1].rate, 8000);
    assert_int_equal(s.out[1].channels, 1);
    assert_int_equal(output_finish(&o, 1), 0);
    assert_int_equal(o.state, OUTPUT_COMMITTED);
    assert_true(s.out[1].committed);
    assert_int_equal(o.frames, 410);
    assert_int_equal(samples(&s.out[1]), 410);
    assert_int_equal(sample(&s.out[1], 399), 0);
    assert_int_equal(sample(&s.out[1], 400), 1);
    assert_int_equal(err.code, 0);
    output_clean_up(&o);
    assert_int_equal(o.state, OUTPUT_COMMITTED);
    sinks_free(&s);
}

static void an_output_not_wanted_never_opens_but_keeps_time(void **state)
{
    (void)state;
    struct sinks s = { .fail_open = -1 };
    struct rec_error err;
    struct output o;
    setup(&o, &s, RECORDER_OUT_ROLE0, 0, &err);
    output_set_rate(&o, 8000);
    uint64_t silence;
    assert_int_equal(output_place(&o, T0 + 50 * MS, ten, 10, &silence), 0);
    assert_int_equal(silence, 400); /* the mix still gets it */
    assert_int_equal(output_samples(&o), 410);
    assert_int_equal(output_finish(&o, 1), 0);
    assert_int_equal(o.state, OUTPUT_CLOSED);
    assert_false(s.out[0].opened);
    assert_int_equal(o.frames, 0);
    output_clean_up(&o);
    sinks_free(&s);
}

static void failures_discard_the_file_and_fill_the_record(void **state)
{
    (void)state;
    struct sinks s = { .fail_open = RECORDER_OUT_ROLE0, .fail_code = REC_ERR_HTTP };
    struct rec_error err;
    struct output o;
    uint64_t silence;
    setup(&o, &s, RECORDER_OUT_ROLE0, 1, &err);
    s.fail_code = REC_ERR_HTTP;
    output_set_rate(&o, 8000);
    assert_int_equal(output_place(&o, T0, ten, 10, &silence), REC_ERR_HTTP);
    assert_int_equal(o.state, OUTPUT_FAILED);
    assert_non_null(strstr(err.message, "cannot open the ROLE_A output"));
    assert_true(err.retriable); /* a transport failure may pass */
    s.fail_open = -1;
    assert_int_equal(output_place(&o, T0 + MS, ten, 10, &silence), 0); /* never reopened */
    assert_false(s.out[0].opened);
    output_clean_up(&o);
    sinks_free(&s);

    /* A write that fails after the header: the sink is discarded at once. */
    s = (struct sinks){ .fail_open = -1 };
    s.out[0].write_limit = 100;
    setup(&o, &s, RECORDER_OUT_ROLE0, 1, &err);
    output_set_rate(&o, 8000);
    assert_int_equal(output_place(&o, T0, ten, 10, &silence), 0);
    assert_int_equal(output_place(&o, T0 + 100 * MS, ten, 10, &silence), REC_ERR_IO);
    assert_int_equal(o.state, OUTPUT_FAILED);
    assert_true(s.out[0].closed);
    assert_false(s.out[0].committed);
    assert_false(err.retriable);
    assert_int_equal(output_finish(&o, 1), 0);
    assert_int_equal(o.state, OUTPUT_FAILED);
    output_clean_up(&o);
    sinks_free(&s);

    /* A block far beyond max_gap_ms is refused, not filled. */
    s = (struct sinks){ .fail_open = -1 };
    setup(&o, &s, RECORDER_OUT_ROLE0, 1, &err);
    output_set_rate(&o, 8000);
    assert_int_equal(output_place(&o, T0 + 5000 * MS, ten, 10, &silence), REC_ERR_LIMIT);
    assert_non_null(strstr(err.message, "ROLE_A block"));
    assert_int_equal(o.state, OUTPUT_CLOSED);
    output_clean_up(&o);
    sinks_free(&s);
}

static void the_mix_is_refused_when_rates_differ_and_kept_only_when_asked(void **state)
{
    (void)state;
    struct sinks s = { .fail_open = -1 };
    struct rec_error err;
    struct output mix;
    setup(&mix, &s, RECORDER_OUT_MIX, 1, &err);
    output_set_rate(&mix, 8000);
    output_set_rate(&mix, 8000);
    assert_int_equal(output_mix_add(&mix, 0, 0, ten, 10), 0);
    assert_int_equal(output_mix_add(&mix, 1, 2, ten, 8), 0);
    assert_int_equal(output_finish(&mix, 1), 0);
    assert_int_equal(mix.state, OUTPUT_COMMITTED);
    assert_int_equal(s.out[2].channels, 2);
    assert_int_equal(mix.frames, 10);
    assert_int_equal(sample(&s.out[2], 0), 1);
    assert_int_equal(sample(&s.out[2], 1), 0); /* right starts with 2 samples of silence */
    assert_int_equal(sample(&s.out[2], 5), 1);
    output_clean_up(&mix);
    sinks_free(&s);

    s = (struct sinks){ .fail_open = -1 };
    setup(&mix, &s, RECORDER_OUT_MIX, 1, &err);
    output_set_rate(&mix, 8000);
    output_set_rate(&mix, 16000);
    assert_int_equal(mix.state, OUTPUT_DISCARDED);
    assert_non_null(strstr(mix.refused, "8000 Hz and 16000 Hz"));
    assert_int_equal(output_mix_add(&mix, 0, 0, ten, 10), 0);
    assert_int_equal(output_finish(&mix, 1), 0);
    assert_false(s.out[2].opened);
    assert_int_equal(err.code, 0); /* not a failure: the mono files are still made */
    output_clean_up(&mix);
    sinks_free(&s);

    /* Opened (both channels had a few seconds) but not kept: discarded. */
    s = (struct sinks){ .fail_open = -1 };
    setup(&mix, &s, RECORDER_OUT_MIX, 1, &err);
    output_set_rate(&mix, 8000);
    assert_int_equal(output_mix_add(&mix, 0, 20000, ten, 10), 0);
    assert_int_equal(output_mix_add(&mix, 1, 20000, ten, 10), 0);
    assert_int_equal(mix.state, OUTPUT_OPEN);
    assert_int_equal(output_finish(&mix, 0), 0);
    assert_int_equal(mix.state, OUTPUT_DISCARDED);
    assert_true(s.out[2].closed && !s.out[2].committed);
    output_clean_up(&mix);
    sinks_free(&s);
}

/* Another encoder takes the WAV writer's place: frames and silence reach
 * it unchanged, and it decides the file's bytes. */
struct fake {
    struct byte_sink *sink;
    uint64_t frames, silence;
};

static int fake_start(const void *options, struct byte_sink *sink, uint32_t rate, unsigned channels,
                      void **st)
{
    (void)options;
    (void)rate;
    (void)channels;
    struct fake *f = calloc(1, sizeof(*f));
    f->sink = sink;
    *st = f;
    return byte_sink_write(sink, "FAKE", 4);
}

static int fake_write(void *st, const uint8_t *s16le, uint64_t n)
{
    struct fake *f = st;
    if (!s16le)
        f->silence += n;
    f->frames += n;
    return 0;
}

static int fake_finish(void *st)
{
    struct fake *f = st;
    char tail[32];
    snprintf(tail, sizeof(tail), "%llu/%llu", (unsigned long long)f->frames,
             (unsigned long long)f->silence);
    return byte_sink_write(f->sink, tail, strlen(tail));
}

static const struct output_encoder fake_encoder = { fake_start, fake_write, fake_finish, free, NULL };

static void another_encoder_can_replace_the_wav_writer(void **state)
{
    (void)state;
    struct sinks s = { .fail_open = -1 };
    struct recorder_sinks rs = { .user = &s, .open = open_sink };
    struct output_config cfg = { .which = RECORDER_OUT_ROLE0, .wanted = 1, .label = "x",
                                 .sinks = &rs, .encoder = &fake_encoder };
    struct rec_error err;
    rec_error_clear(&err);
    struct output o;
    assert_int_equal(output_init(&o, &cfg, &err), 0);
    output_set_origin(&o, T0);
    output_set_rate(&o, 8000);
    uint64_t silence;
    assert_int_equal(output_place(&o, T0 + 50 * MS, ten, 10, &silence), 0);
    assert_int_equal(output_finish(&o, 1), 0);
    assert_int_equal(s.out[0].data.n, 11);
    assert_memory_equal(s.out[0].data.p, "FAKE410/400", 11);
    output_clean_up(&o);
    sinks_free(&s);
    assert_string_equal(output_state_name(OUTPUT_DISCARDED), "discarded");
}

static void clean_up_discards_an_open_output(void **state)
{
    (void)state;
    struct sinks s = { .fail_open = -1 };
    struct rec_error err;
    struct output o;
    setup(&o, &s, RECORDER_OUT_ROLE0, 1, &err);
    output_set_rate(&o, 8000);
    uint64_t silence;
    assert_int_equal(output_place(&o, T0, ten, 10, &silence), 0);
    output_clean_up(&o);
    assert_int_equal(o.state, OUTPUT_DISCARDED);
    assert_true(s.out[0].closed && !s.out[0].committed);
    output_clean_up(&o);
    sinks_free(&s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(a_mono_output_opens_at_its_first_block_and_commits),
        cmocka_unit_test(an_output_not_wanted_never_opens_but_keeps_time),
        cmocka_unit_test(failures_discard_the_file_and_fill_the_record),
        cmocka_unit_test(the_mix_is_refused_when_rates_differ_and_kept_only_when_asked),
        cmocka_unit_test(another_encoder_can_replace_the_wav_writer),
        cmocka_unit_test(clean_up_discards_an_open_output),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* Unit tests for recorder/redaction: which samples of a block are
 * silenced, by which clock, and what is counted. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "common/error.h"
#include "recorder/redaction.h"

#define T0 1764590400000LL /* epoch ms, plausible */
#define MS 1000000LL

static int16_t block[800]; /* 100 ms at 8 kHz, every sample non-zero */

static void fill(void)
{
    for (size_t i = 0; i < sizeof(block) / sizeof(block[0]); i++)
        block[i] = (int16_t)(i + 1);
}

/* Filters block (n samples) at block_ms on a cluster at cluster_ms; returns
 * the number of zero samples and the first zero's index in *first. */
static size_t zeros(struct redaction *rd, int64_t cluster_ms, int64_t block_ms, size_t n, size_t *first)
{
    struct rec_bytes out;
    assert_int_equal(redaction_filter(rd, 0, cluster_ms * MS, block_ms * MS, 8000,
                                      rec_bytes_of(block, 2 * n), &out), 0);
    assert_int_equal(out.len, 2 * n);
    const int16_t *s = (const int16_t *)out.ptr;
    size_t z = 0;
    *first = n;
    for (size_t i = 0; i < n; i++)
        if (s[i] == 0 && z++ == 0)
            *first = i;
    return z;
}

static void span_edges_fall_on_exact_samples(void **state)
{
    (void)state;
    fill();
    /* [T0+10, T0+20) ms of a block at T0: samples 80..159. */
    struct redaction_span span = { T0 + 10, T0 + 20 };
    struct redaction_config cfg = { .spans = &span, .n_spans = 1, .margin_ms = 0, .now_ms = T0 };
    struct redaction rd;
    assert_int_equal(redaction_init(&rd, &cfg, 1 << 20), 0);
    redaction_fragment(&rd, NULL);
    size_t first;
    assert_int_equal(zeros(&rd, T0, T0, 800, &first), 80); /* samples 80..159 */
    assert_int_equal(first, 80);
    assert_int_equal(rd.st.samples[0], 80);
    assert_int_equal(redaction_ms(&rd, 0, 8000), 10);
    /* The input block itself is never written. */
    assert_int_equal(block[80], 81);
    /* A block entirely before or after the span is passed through. */
    assert_int_equal(zeros(&rd, T0, T0 + 100, 800, &first), 0);
    redaction_clean_up(&rd);
}

static void margins_widen_and_overlapping_spans_count_once(void **state)
{
    (void)state;
    fill();
    struct redaction_span spans[] = { { T0 + 50, T0 + 60 }, { T0 + 20, T0 + 55 }, { T0 + 90, REDACTION_OPEN } };
    struct redaction_config cfg = { .spans = spans, .n_spans = 3, .margin_ms = 5, .now_ms = T0 };
    struct redaction rd;
    assert_int_equal(redaction_init(&rd, &cfg, 1 << 20), 0);
    assert_int_equal(rd.n, 2); /* [15, 65) and [85, open) */
    redaction_fragment(&rd, NULL);
    size_t first;
    assert_int_equal(zeros(&rd, T0, T0, 800, &first), 50 * 8 + 15 * 8);
    assert_int_equal(first, 15 * 8);
    /* The open span silences every later block. */
    assert_int_equal(zeros(&rd, T0, T0 + 5000, 800, &first), 800);
    redaction_clean_up(&rd);
}

static void implausible_timecodes_use_the_server_timestamp_or_silence_the_fragment(void **state)
{
    (void)state;
    fill();
    struct redaction_span span = { T0 + 30, T0 + 40 };
    struct redaction_config cfg = { .spans = &span, .n_spans = 1, .now_ms = T0 };
    struct redaction rd;
    assert_int_equal(redaction_init(&rd, &cfg, 1 << 20), 0);
    size_t first;
    /* Cluster Timecode 0 (relative), server stamped T0: block at 0 ms is at T0. */
    redaction_fragment(&rd, "1764590400.000");
    assert_int_equal(zeros(&rd, 0, 0, 800, &first), 80);
    assert_int_equal(first, 240);
    /* Too far ahead of now, and no server timestamp: the whole block. */
    redaction_fragment(&rd, NULL);
    assert_int_equal(zeros(&rd, T0 + 2 * 86400000LL, T0 + 2 * 86400000LL, 800, &first), 800);
    /* An unreadable server timestamp counts as none. */
    redaction_fragment(&rd, "12x");
    assert_int_equal(zeros(&rd, 5, 5, 800, &first), 800);
    assert_int_equal(rd.st.fragments_server_time, 1);
    assert_int_equal(rd.st.fragments_silenced, 2);
    redaction_clean_up(&rd);
}

static void nothing_changes_without_spans_and_everything_with_silence_all(void **state)
{
    (void)state;
    fill();
    struct redaction_config none = { 0 };
    struct redaction rd;
    assert_int_equal(redaction_init(&rd, &none, 1 << 20), 0);
    redaction_fragment(&rd, NULL);
    size_t first;
    assert_int_equal(zeros(&rd, 0, 0, 800, &first), 0); /* no usable time, but nothing to silence */
    assert_false(rd.st.active);
    redaction_clean_up(&rd);
    struct redaction_config all = { .silence_all = 1 };
    assert_int_equal(redaction_init(&rd, &all, 1 << 20), 0);
    redaction_fragment(&rd, NULL);
    assert_int_equal(zeros(&rd, T0, T0, 800, &first), 800);
    redaction_clean_up(&rd);
}

static void bad_configuration_and_a_full_scratch_are_errors(void **state)
{
    (void)state;
    fill();
    struct redaction rd;
    struct redaction_span backwards = { T0 + 2, T0 + 1 };
    struct redaction_config bad = { .spans = &backwards, .n_spans = 1 };
    assert_int_equal(redaction_init(&rd, &bad, 1 << 20), REC_ERR_INVALID);
    redaction_clean_up(&rd);
    struct redaction_config neg = { .margin_ms = -1 };
    assert_int_equal(redaction_init(&rd, &neg, 1 << 20), REC_ERR_INVALID);
    redaction_clean_up(&rd);
    struct redaction_config all = { .silence_all = 1 };
    assert_int_equal(redaction_init(&rd, &all, 100), 0); /* scratch smaller than the block */
    redaction_fragment(&rd, NULL);
    struct rec_bytes out;
    assert_int_equal(redaction_filter(&rd, 1, T0 * MS, T0 * MS, 8000, rec_bytes_of(block, sizeof(block)), &out),
                     REC_ERR_LIMIT);
    redaction_clean_up(&rd);
    int64_t ms;
    assert_int_equal(redaction_parse_server_timestamp("1567100227.205", &ms), 0);
    assert_true(ms == 1567100227205LL);
    assert_int_equal(redaction_parse_server_timestamp("1567100227.2", &ms), 0);
    assert_true(ms == 1567100227200LL);
    assert_int_equal(redaction_parse_server_timestamp("1567100227", &ms), 0);
    assert_int_equal(redaction_parse_server_timestamp("", &ms), REC_ERR_INVALID);
    assert_int_equal(redaction_parse_server_timestamp("1.1234567891", &ms), REC_ERR_INVALID);
    assert_int_equal(redaction_parse_server_timestamp("9999999999999", &ms), REC_ERR_INVALID);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(span_edges_fall_on_exact_samples),
        cmocka_unit_test(margins_widen_and_overlapping_spans_count_once),
        cmocka_unit_test(implausible_timecodes_use_the_server_timestamp_or_silence_the_fragment),
        cmocka_unit_test(nothing_changes_without_spans_and_everything_with_silence_all),
        cmocka_unit_test(bad_configuration_and_a_full_scratch_are_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

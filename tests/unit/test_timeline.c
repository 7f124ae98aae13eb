/* Unit tests for the audio timeline rules (audio/timeline.h) and fragment
 * number comparison (kvs/fragment_number.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "audio/timeline.h"
#include "common/error.h"
#include "kvs/fragment_number.h"

#define MS 1000000LL            /* ns per ms */
#define T0 1700000000000LL * MS /* an epoch time in ns */

/* ---- timeline ------------------------------------------------------------ */

static uint64_t place(struct timeline_track *t, int64_t origin, int64_t at, uint64_t n)
{
    uint64_t silence = 12345;
    assert_int_equal(timeline_track_place(t, origin, at, n, &silence), 0);
    return silence;
}

static void contiguous_blocks_are_appended(void **state)
{
    (void)state;
    struct timeline_track t;
    timeline_track_init(&t, 8000, 0);
    for (int i = 0; i < 100; i++)
        assert_int_equal(place(&t, T0, T0 + i * 60 * MS, 480), 0);
    assert_int_equal(t.samples, 48000);
    assert_int_equal(t.gap_samples, 0);
    assert_int_equal(t.lead_samples, 0);
    assert_int_equal(t.blocks, 100);
}

static void jitter_up_to_20ms_never_inserts_or_drops(void **state)
{
    (void)state;
    struct timeline_track t;
    timeline_track_init(&t, 8000, 0);
    assert_int_equal(place(&t, T0, T0, 480), 0);
    /* Late by exactly 20 ms: still jitter. */
    assert_int_equal(place(&t, T0, T0 + 60 * MS + 20 * MS, 480), 0);
    /* Early by 15 ms (starts before the end so far): appended, no overlap. */
    assert_int_equal(place(&t, T0, T0 + 120 * MS - 15 * MS, 480), 0);
    /* Alternating jitter over many blocks does not drift. */
    for (int i = 3; i < 1000; i++)
        assert_int_equal(place(&t, T0, T0 + i * 60 * MS + ((i % 2) ? 19 : -19) * MS, 480), 0);
    assert_int_equal(t.samples, 1000 * 480);
    assert_int_equal(t.gap_samples, 0);
}

static void a_block_more_than_20ms_late_gets_silence_up_to_its_start(void **state)
{
    (void)state;
    struct timeline_track t;
    timeline_track_init(&t, 8000, 0);
    assert_int_equal(place(&t, T0, T0, 480), 0); /* ends at 60 ms */
    /* 21 ms late: 168 samples of silence so it starts at 81 ms. */
    assert_int_equal(place(&t, T0, T0 + 81 * MS, 480), 168);
    assert_int_equal(t.samples, 480 + 168 + 480);
    /* A 500 ms hole. */
    uint64_t end_ms = t.samples / 8;
    assert_int_equal(place(&t, T0, T0 + (int64_t)(end_ms + 500) * MS, 80), 4000);
    assert_int_equal(t.gap_samples, 168 + 4000);
    assert_int_equal(timeline_samples_to_ms(t.gap_samples, 8000), 521);
    assert_int_equal(t.lead_samples, 0);
}

static void silence_is_rounded_to_the_nearest_sample(void **state)
{
    (void)state;
    struct timeline_track t;
    timeline_track_init(&t, 44100, 0);
    /* 100 ms at 44.1 kHz = 4410 samples; 100.01 ms = 4410.441 -> 4410. */
    assert_int_equal(place(&t, T0, T0 + 100 * MS + 10000, 10), 4410);
    /* and 4410.5 rounds up */
    struct timeline_track u;
    timeline_track_init(&u, 1000, 0); /* 1 sample per ms */
    assert_int_equal(place(&u, T0, T0 + 30 * MS + MS / 2, 1), 31);
}

static void a_late_track_starts_with_silence_from_the_origin(void **state)
{
    (void)state;
    struct timeline_track t;
    timeline_track_init(&t, 8000, 0);
    /* The other track set the origin; this one starts 2.5 s later. */
    assert_int_equal(place(&t, T0, T0 + 2500 * MS, 480), 20000);
    assert_int_equal(t.lead_samples, 20000);
    assert_int_equal(t.gap_samples, 0);
    /* Starting within 20 ms of the origin is jitter: no lead. */
    struct timeline_track u;
    timeline_track_init(&u, 8000, 0);
    assert_int_equal(place(&u, T0, T0 + 15 * MS, 480), 0);
    assert_int_equal(u.lead_samples, 0);
}

static void blocks_before_the_origin_or_overlapping_are_appended(void **state)
{
    (void)state;
    struct timeline_track t;
    timeline_track_init(&t, 8000, 0);
    assert_int_equal(place(&t, T0, T0 - 5000 * MS, 480), 0);
    assert_int_equal(place(&t, T0, T0 - 5000 * MS, 480), 0); /* same time again */
    assert_int_equal(t.samples, 960);
}

static void a_huge_gap_is_refused_not_filled(void **state)
{
    (void)state;
    struct timeline_track t;
    timeline_track_init(&t, 8000, 1000); /* at most 1 s of silence */
    uint64_t silence = 7;
    assert_int_equal(place(&t, T0, T0, 480), 0);
    assert_int_equal(timeline_track_place(&t, T0, T0 + 1060 * MS + MS, 480, &silence),
                     REC_ERR_LIMIT);
    assert_int_equal(t.samples, 480); /* unchanged */
    assert_int_equal(place(&t, T0, T0 + 1060 * MS, 480), 8000);
    /* The default (1 hour) still handles a day-long offset without overflow. */
    struct timeline_track u;
    timeline_track_init(&u, 192000, 0);
    assert_int_equal(timeline_track_place(&u, T0, T0 + 86400LL * 1000 * MS, 1, &silence),
                     REC_ERR_LIMIT);
    assert_int_equal(place(&u, T0, T0 + 3599LL * 1000 * MS, 1), 3599ULL * 192000);
}

/* ---- fragment numbers ---------------------------------------------------- */

static void fragment_numbers_compare_as_decimal_numbers(void **state)
{
    (void)state;
    const char *a = "91343852333181432392682062607743920146264440251";
    const char *b = "91343852333181432392682062607743920146264440252";
    const char *shorter = "9134385233318143239268206260774392014626444025"; /* 46 digits */
    assert_true(fragment_number_cmp(a, b) < 0);
    assert_true(fragment_number_cmp(b, a) > 0);
    assert_int_equal(fragment_number_cmp(a, a), 0);
    /* Lexically "9..." > "1...", numerically the longer one wins. */
    assert_true(fragment_number_cmp(shorter, a) < 0);
    assert_true(fragment_number_cmp("9", "10") < 0);
    assert_true(fragment_number_cmp("100", "99") > 0);
    /* Leading zeros do not count. */
    assert_int_equal(fragment_number_cmp("007", "7"), 0);
    assert_true(fragment_number_cmp("0009", "10") < 0);
    assert_int_equal(fragment_number_cmp("0", "000"), 0);
}

static void fragment_numbers_must_be_plain_digits(void **state)
{
    (void)state;
    assert_true(fragment_number_valid("91343852333181432392682062607743920146264440251"));
    assert_true(fragment_number_valid("0"));
    assert_false(fragment_number_valid(NULL));
    assert_false(fragment_number_valid(""));
    assert_false(fragment_number_valid("-1"));
    assert_false(fragment_number_valid("12 3"));
    assert_false(fragment_number_valid("1e5"));
    char longest[FRAGMENT_NUMBER_MAX_DIGITS + 2];
    memset(longest, '1', sizeof(longest));
    longest[FRAGMENT_NUMBER_MAX_DIGITS] = '\0';
    assert_true(fragment_number_valid(longest));
    longest[FRAGMENT_NUMBER_MAX_DIGITS] = '1';
    longest[FRAGMENT_NUMBER_MAX_DIGITS + 1] = '\0';
    assert_false(fragment_number_valid(longest));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(contiguous_blocks_are_appended),
        cmocka_unit_test(jitter_up_to_20ms_never_inserts_or_drops),
        cmocka_unit_test(a_block_more_than_20ms_late_gets_silence_up_to_its_start),
        cmocka_unit_test(silence_is_rounded_to_the_nearest_sample),
        cmocka_unit_test(a_late_track_starts_with_silence_from_the_origin),
        cmocka_unit_test(blocks_before_the_origin_or_overlapping_are_appended),
        cmocka_unit_test(a_huge_gap_is_refused_not_filled),
        cmocka_unit_test(fragment_numbers_compare_as_decimal_numbers),
        cmocka_unit_test(fragment_numbers_must_be_plain_digits),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

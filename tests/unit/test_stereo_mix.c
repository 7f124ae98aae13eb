/* Unit tests for the stereo mix (audio/stereo_mix.h): frame i is always
 * (left[i], right[i]) whatever order the samples arrive in, the shorter
 * side is padded, and the lag buffer stays within its cap. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "audio/stereo_mix.h"
#include "common/error.h"

struct out {
    int16_t *frames; /* interleaved */
    size_t n, cap;
    int fail;
};

static int collect(void *user, const uint8_t *frames, size_t n)
{
    struct out *o = user;
    if (o->fail)
        return REC_ERR_IO;
    if (o->n + n > o->cap) {
        o->cap = (o->n + n) * 2;
        o->frames = realloc(o->frames, o->cap * 4);
        assert_non_null(o->frames);
    }
    for (size_t i = 0; i < 2 * n; i++)
        o->frames[2 * o->n + i] = (int16_t)(frames[2 * i] | frames[2 * i + 1] << 8);
    o->n += n;
    return 0;
}

/* s16le of values base, base+1, ... */
static uint8_t *ramp(int16_t base, size_t n)
{
    uint8_t *p = malloc(2 * n);
    for (size_t i = 0; i < n; i++) {
        uint16_t v = (uint16_t)(base + (int16_t)i);
        p[2 * i] = (uint8_t)v;
        p[2 * i + 1] = (uint8_t)(v >> 8);
    }
    return p;
}

static void add(struct stereo_mix *m, int ch, int16_t base, size_t n)
{
    uint8_t *p = ramp(base, n);
    assert_int_equal(stereo_mix_add(m, ch, p, n), 0);
    free(p);
}

static void interleaves_whatever_the_arrival_order(void **state)
{
    (void)state;
    struct out o = { 0 };
    struct stereo_mix m;
    assert_int_equal(stereo_mix_init(&m, 0, collect, &o), 0);
    add(&m, 0, 0, 100);    /* left 0..99 */
    add(&m, 1, 1000, 30);  /* right 1000..1029 */
    add(&m, 1, 1030, 120); /* right 1030..1149: now right leads */
    add(&m, 0, 100, 50);   /* left 100..149 */
    assert_int_equal(stereo_mix_flush(&m), 0);
    assert_int_equal(o.n, 150);
    for (int i = 0; i < 150; i++) {
        assert_int_equal(o.frames[2 * i], i);
        assert_int_equal(o.frames[2 * i + 1], 1000 + i);
    }
    assert_int_equal(m.lost_samples, 0);
    stereo_mix_clean_up(&m);
    free(o.frames);
}

static void the_shorter_side_is_padded_with_silence(void **state)
{
    (void)state;
    struct out o = { 0 };
    struct stereo_mix m;
    assert_int_equal(stereo_mix_init(&m, 0, collect, &o), 0);
    add(&m, 1, 1, 10);
    assert_int_equal(stereo_mix_add(&m, 0, NULL, 4), 0); /* left: 4 silent samples */
    add(&m, 0, 500, 2);
    assert_int_equal(stereo_mix_flush(&m), 0);
    assert_int_equal(o.n, 10);
    for (int i = 0; i < 10; i++) {
        int16_t left = i < 4 ? 0 : (i < 6 ? (int16_t)(500 + i - 4) : 0);
        assert_int_equal(o.frames[2 * i], left);
        assert_int_equal(o.frames[2 * i + 1], 1 + i);
    }
    stereo_mix_clean_up(&m);
    free(o.frames);
}

static void lag_beyond_the_cap_writes_silence_for_the_late_side(void **state)
{
    (void)state;
    struct out o = { 0 };
    struct stereo_mix m;
    /* Cap: 64 bytes = 32 samples of lag. */
    assert_int_equal(stereo_mix_init(&m, 64, collect, &o), 0);
    add(&m, 0, 0, 100); /* left runs 100 samples ahead */
    assert_true(m.held <= 32);
    assert_true(m.emitted >= 68); /* already written against silence */
    size_t forced = (size_t)m.emitted;
    /* Right arrives: its first `forced` samples are silence (its own leading
     * silence from the timeline), then audio. Nothing is lost. */
    assert_int_equal(stereo_mix_add(&m, 1, NULL, forced), 0);
    add(&m, 1, 7000, 100 - forced);
    assert_int_equal(stereo_mix_flush(&m), 0);
    assert_int_equal(o.n, 100);
    for (size_t i = 0; i < 100; i++) {
        assert_int_equal(o.frames[2 * i], (int16_t)i);
        assert_int_equal(o.frames[2 * i + 1], i < forced ? 0 : (int16_t)(7000 + i - forced));
    }
    assert_int_equal(m.lost_samples, 0);
    stereo_mix_clean_up(&m);
    free(o.frames);
}

static void audio_arriving_too_late_is_counted_as_lost(void **state)
{
    (void)state;
    struct out o = { 0 };
    struct stereo_mix m;
    assert_int_equal(stereo_mix_init(&m, 64, collect, &o), 0);
    add(&m, 0, 0, 100);
    size_t forced = (size_t)m.emitted;
    assert_true(forced > 0);
    add(&m, 1, 1, 100); /* non-zero samples for frames already written */
    assert_int_equal(m.lost_samples, forced);
    assert_int_equal(stereo_mix_flush(&m), 0);
    assert_int_equal(o.n, 100); /* still max(left, right) long */
    stereo_mix_clean_up(&m);
    free(o.frames);
}

static void ring_wraps_over_many_small_adds(void **state)
{
    (void)state;
    struct out o = { 0 };
    struct stereo_mix m;
    assert_int_equal(stereo_mix_init(&m, 2000, collect, &o), 0);
    int16_t l = 0, r = 0;
    for (int round = 0; round < 500; round++) {
        size_t a = (size_t)(round * 7 % 13) + 1, b = (size_t)(round * 5 % 11) + 1;
        add(&m, 0, l, a);
        l = (int16_t)(l + (int16_t)a);
        add(&m, 1, (int16_t)(r + 10000), b);
        r = (int16_t)(r + (int16_t)b);
        assert_true(m.held <= 1000);
    }
    assert_int_equal(stereo_mix_flush(&m), 0);
    size_t n = (size_t)(l > r ? l : r);
    assert_int_equal(o.n, n);
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(o.frames[2 * i], i < (size_t)l ? (int16_t)i : 0);
        assert_int_equal(o.frames[2 * i + 1], i < (size_t)r ? (int16_t)(10000 + i) : 0);
    }
    assert_int_equal(m.lost_samples, 0);
    stereo_mix_clean_up(&m);
    free(o.frames);
}

static void emit_errors_are_returned(void **state)
{
    (void)state;
    struct out o = { .fail = 1 };
    struct stereo_mix m;
    assert_int_equal(stereo_mix_init(&m, 0, collect, &o), 0);
    add(&m, 0, 0, 10);
    uint8_t *p = ramp(0, 10);
    assert_int_equal(stereo_mix_add(&m, 1, p, 10), 0); /* staged, not emitted yet */
    assert_int_equal(stereo_mix_flush(&m), REC_ERR_IO);
    free(p);
    stereo_mix_clean_up(&m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(interleaves_whatever_the_arrival_order),
        cmocka_unit_test(the_shorter_side_is_padded_with_silence),
        cmocka_unit_test(lag_beyond_the_cap_writes_silence_for_the_late_side),
        cmocka_unit_test(audio_arriving_too_late_is_counted_as_lost),
        cmocka_unit_test(ring_wraps_over_many_small_adds),
        cmocka_unit_test(emit_errors_are_returned),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

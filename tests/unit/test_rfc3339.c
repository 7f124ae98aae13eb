/* Unit tests for common/rfc3339: the one RFC 3339 parser and formatter. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <cmocka.h>

#include "common/error.h"
#include "common/rfc3339.h"

#define T2024 1704164645678LL /* 2024-01-02T03:04:05.678Z */

static void parses_fractions_zones_and_case(void **state)
{
    (void)state;
    int64_t ms = 0;
    assert_int_equal(rec_rfc3339_parse("2024-01-02T03:04:05.678Z", &ms), 0);
    assert_int_equal(ms, T2024);
    assert_int_equal(rec_rfc3339_parse("2024-01-02T03:04:05Z", &ms), 0);
    assert_int_equal(ms, T2024 - 678);
    assert_int_equal(rec_rfc3339_parse("2024-01-02T03:04:05.6Z", &ms), 0);
    assert_int_equal(ms, T2024 - 78);
    assert_int_equal(rec_rfc3339_parse("2024-01-02T03:04:05.678999999Z", &ms), 0);
    assert_int_equal(ms, T2024); /* below a millisecond dropped, not rounded */
    assert_int_equal(rec_rfc3339_parse("2024-01-02t03:04:05.678z", &ms), 0);
    assert_int_equal(ms, T2024);
    assert_int_equal(rec_rfc3339_parse("2024-01-02T05:34:05.678+02:30", &ms), 0);
    assert_int_equal(ms, T2024);
    assert_int_equal(rec_rfc3339_parse("2024-01-01T22:04:05.678-05:00", &ms), 0);
    assert_int_equal(ms, T2024);
    assert_int_equal(rec_rfc3339_parse("1970-01-01T00:00:00Z", &ms), 0);
    assert_int_equal(ms, 0);
    assert_int_equal(rec_rfc3339_parse("1969-12-31T23:59:59.999Z", &ms), 0);
    assert_int_equal(ms, -1);
}

static void checks_the_calendar(void **state)
{
    (void)state;
    int64_t ms = 0;
    assert_int_equal(rec_rfc3339_parse("2024-02-29T00:00:00Z", &ms), 0); /* leap year */
    assert_int_equal(ms, 1709164800000LL);
    assert_int_equal(rec_rfc3339_parse("2000-02-29T00:00:00Z", &ms), 0); /* 400-year rule */
    assert_int_equal(rec_rfc3339_parse("2016-12-31T23:59:60Z", &ms), 0); /* leap second */
    assert_int_equal(ms, 1483228800000LL);
    assert_int_equal(rec_rfc3339_parse("2023-02-29T00:00:00Z", &ms), REC_ERR_INVALID);
    assert_int_equal(rec_rfc3339_parse("1900-02-29T00:00:00Z", &ms), REC_ERR_INVALID);
    assert_int_equal(rec_rfc3339_parse("2024-04-31T00:00:00Z", &ms), REC_ERR_INVALID);
    assert_int_equal(rec_rfc3339_parse("2024-13-02T03:04:05Z", &ms), REC_ERR_INVALID);
    assert_int_equal(rec_rfc3339_parse("2024-00-02T03:04:05Z", &ms), REC_ERR_INVALID);
    assert_int_equal(rec_rfc3339_parse("2024-01-00T03:04:05Z", &ms), REC_ERR_INVALID);
    assert_int_equal(rec_rfc3339_parse("2024-01-02T24:00:00Z", &ms), REC_ERR_INVALID);
    assert_int_equal(rec_rfc3339_parse("2024-01-02T03:60:00Z", &ms), REC_ERR_INVALID);
    assert_int_equal(rec_rfc3339_parse("2024-01-02T03:04:61Z", &ms), REC_ERR_INVALID);
    assert_int_equal(rec_rfc3339_parse("2024-01-02T03:04:05+24:00", &ms), REC_ERR_INVALID);
}

static void refuses_other_shapes_and_leaves_the_result(void **state)
{
    (void)state;
    static const char *bad[] = {
        "", "2024-01-02", "2024-01-02T03:04:05", "2024-01-02 03:04:05Z", "2024-01-02T03:04:05.Z",
        "2024-01-02T03:04:05ZZ", "2024-01-02T03:04:05Z ", " 2024-01-02T03:04:05Z", "24-01-02T03:04:05Z",
        "2024-1-02T03:04:05Z", "2024-01-02T03:04:05+0200", "2024-01-02T03:04:05+02", "yyyy-mm-ddThh:mm:ssZ",
        "2024-01-02T03:04:05.678", "2024/01/02T03:04:05Z",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        int64_t ms = 42;
        assert_int_equal(rec_rfc3339_parse(bad[i], &ms), REC_ERR_INVALID);
        assert_int_equal(ms, 42);
    }
    int64_t ms = 42;
    assert_int_equal(rec_rfc3339_parse(NULL, &ms), REC_ERR_INVALID);
}

static void formats_milliseconds_in_utc(void **state)
{
    (void)state;
    char out[REC_RFC3339_MAX];
    assert_int_equal(rec_rfc3339_format(T2024, out), 0);
    assert_string_equal(out, "2024-01-02T03:04:05.678Z");
    assert_int_equal(rec_rfc3339_format(0, out), 0);
    assert_string_equal(out, "1970-01-01T00:00:00.000Z");
    assert_int_equal(rec_rfc3339_format(1709164800000LL, out), 0);
    assert_string_equal(out, "2024-02-29T00:00:00.000Z");
    assert_int_equal(rec_rfc3339_format(253402300799999LL, out), 0);
    assert_string_equal(out, "9999-12-31T23:59:59.999Z");
    assert_int_equal(rec_rfc3339_format(253402300800000LL, out), REC_ERR_INVALID);
    assert_string_equal(out, "");
    assert_int_equal(rec_rfc3339_format(-1, out), REC_ERR_INVALID);
    assert_string_equal(out, "");
}

/* Every day from 1970 to 2399 at a time of day that moves through the day:
 * the text is the C library's gmtime for the same instant, and parsing it
 * gives the instant back. */
static void format_and_parse_agree_on_every_day(void **state)
{
    (void)state;
    char out[REC_RFC3339_MAX];
    for (int64_t day = 0; day < 157000; day++) {
        int64_t ms = day * 86400000LL + (day * 7919 % 86400) * 1000 + day % 1000;
        int64_t back = -1;
        assert_int_equal(rec_rfc3339_format(ms, out), 0);
        time_t t = (time_t)(ms / 1000);
        struct tm tm;
        char libc[32];
        assert_non_null(gmtime_r(&t, &tm));
        assert_int_equal(strftime(libc, sizeof(libc), "%Y-%m-%dT%H:%M:%S", &tm), 19);
        assert_memory_equal(out, libc, 19);
        assert_int_equal(rec_rfc3339_parse(out, &back), 0);
        assert_int_equal(back, ms);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(parses_fractions_zones_and_case),
        cmocka_unit_test(checks_the_calendar),
        cmocka_unit_test(refuses_other_shapes_and_leaves_the_result),
        cmocka_unit_test(formats_milliseconds_in_utc),
        cmocka_unit_test(format_and_parse_agree_on_every_day),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* Unit tests for handler/env_config (the configuration rules) and the
 * knobs every KVS-reading handler reads through them
 * (stream_recording_knobs_from_env). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "common/error.h"
#include "handler/env_config.h"
#include "handler/stream_recording.h"

static const char *const knob_vars[] = { "MULTIPART_PART_BYTES", "KVS_IDLE_TIMEOUT_MS",
                                         "DEADLINE_START_RESERVE_MS", "DEADLINE_FINISH_RESERVE_MS",
                                         "GET_MEDIA_MAX_CALLS", "KVS_READ_MODE", "FRAGMENT_LIST_BATCH" };

static int clear_env(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(knob_vars) / sizeof(knob_vars[0]); i++)
        unsetenv(knob_vars[i]);
    unsetenv("TEST_ENV_VALUE");
    return 0;
}

static void text_takes_the_fallback_refuses_what_does_not_fit_and_names_a_missing_one(void **state)
{
    (void)state;
    struct rec_error err;
    char dst[8];
    rec_error_clear(&err);
    assert_int_equal(env_text("TEST_ENV_VALUE", "dflt", 0, dst, sizeof(dst), &err), 0);
    assert_string_equal(dst, "dflt");
    setenv("TEST_ENV_VALUE", "", 1); /* empty is unset */
    assert_int_equal(env_text("TEST_ENV_VALUE", "dflt", 0, dst, sizeof(dst), &err), 0);
    assert_string_equal(dst, "dflt");
    assert_int_equal(env_text("TEST_ENV_VALUE", "", 1, dst, sizeof(dst), &err), REC_ERR_CONFIG);
    assert_string_equal(err.message, "TEST_ENV_VALUE is not set");
    assert_false(err.retriable);
    setenv("TEST_ENV_VALUE", "1234567", 1); /* exactly cap - 1 fits */
    assert_int_equal(env_text("TEST_ENV_VALUE", "", 1, dst, sizeof(dst), &err), 0);
    assert_string_equal(dst, "1234567");
    setenv("TEST_ENV_VALUE", "12345678", 1);
    rec_error_clear(&err);
    assert_int_equal(env_text("TEST_ENV_VALUE", "", 1, dst, sizeof(dst), &err), REC_ERR_CONFIG);
    assert_string_equal(err.message, "TEST_ENV_VALUE is longer than 7 bytes");
}

static void number_is_whole_and_in_range_never_clamped(void **state)
{
    (void)state;
    struct rec_error err;
    long long v = -1;
    rec_error_clear(&err);
    assert_int_equal(env_number("TEST_ENV_VALUE", 42, 1, 100, &v, &err), 0);
    assert_int_equal(v, 42);
    static const char *const good[] = { "1", "100" };
    static const long long want[] = { 1, 100 };
    for (size_t i = 0; i < 2; i++) {
        setenv("TEST_ENV_VALUE", good[i], 1);
        assert_int_equal(env_number("TEST_ENV_VALUE", 42, 1, 100, &v, &err), 0);
        assert_int_equal(v, want[i]);
    }
    static const char *const bad[] = { "0", "101", "5x", "1e2", "99999999999999999999" };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        setenv("TEST_ENV_VALUE", bad[i], 1);
        v = 7;
        rec_error_clear(&err);
        assert_int_equal(env_number("TEST_ENV_VALUE", 42, 1, 100, &v, &err), REC_ERR_CONFIG);
        assert_int_equal(v, 7); /* untouched */
        assert_string_equal(err.message, "TEST_ENV_VALUE must be a whole number from 1 to 100");
    }
}

static void choice_is_exact_and_names_the_choices(void **state)
{
    (void)state;
    static const char *const choices[] = { "one", "two", "three" };
    struct rec_error err;
    size_t i = 9;
    rec_error_clear(&err);
    assert_int_equal(env_choice("TEST_ENV_VALUE", choices, 3, 1, &i, &err), 0);
    assert_int_equal(i, 1);
    setenv("TEST_ENV_VALUE", "three", 1);
    assert_int_equal(env_choice("TEST_ENV_VALUE", choices, 3, 1, &i, &err), 0);
    assert_int_equal(i, 2);
    setenv("TEST_ENV_VALUE", "Three", 1);
    assert_int_equal(env_choice("TEST_ENV_VALUE", choices, 3, 1, &i, &err), REC_ERR_CONFIG);
    assert_string_equal(err.message, "TEST_ENV_VALUE must be one of one, two, three");
}

static void knobs_take_the_shared_and_the_handlers_defaults(void **state)
{
    (void)state;
    struct stream_recording_knobs k;
    struct rec_error err;
    rec_error_clear(&err);
    assert_int_equal(stream_recording_knobs_from_env(30000, 15000, MEDIA_READ_AUTO, &k, &err), 0);
    assert_int_equal(k.part_bytes, 16u << 20);
    assert_int_equal(k.idle_ms, 5000);
    assert_int_equal(k.start_reserve_ms, 30000);
    assert_int_equal(k.finish_reserve_ms, 15000);
    assert_int_equal(k.max_get_media_calls, 50);
    assert_int_equal(k.read_mode, MEDIA_READ_AUTO);
    assert_int_equal(k.fragment_batch, KVS_FRAGMENT_LIST_MAX);
    assert_int_equal(stream_recording_knobs_from_env(60000, 45000, MEDIA_READ_GET_MEDIA, &k, &err), 0);
    assert_int_equal(k.start_reserve_ms, 60000);
    assert_int_equal(k.finish_reserve_ms, 45000);
    assert_int_equal(k.read_mode, MEDIA_READ_GET_MEDIA);
}

static void knobs_read_every_variable(void **state)
{
    (void)state;
    static const char *const values[] = { "5242880", "1000", "0", "900000", "10000", "fragment-list", "1" };
    for (size_t i = 0; i < sizeof(knob_vars) / sizeof(knob_vars[0]); i++)
        setenv(knob_vars[i], values[i], 1);
    struct stream_recording_knobs k;
    struct rec_error err;
    rec_error_clear(&err);
    assert_int_equal(stream_recording_knobs_from_env(30000, 15000, MEDIA_READ_AUTO, &k, &err), 0);
    assert_int_equal(k.part_bytes, 5u << 20);
    assert_int_equal(k.idle_ms, 1000);
    assert_int_equal(k.start_reserve_ms, 0);
    assert_int_equal(k.finish_reserve_ms, 900000);
    assert_int_equal(k.max_get_media_calls, 10000);
    assert_int_equal(k.read_mode, MEDIA_READ_FRAGMENT_LIST);
    assert_int_equal(k.fragment_batch, 1);
    setenv("KVS_READ_MODE", "getmedia", 1);
    assert_int_equal(stream_recording_knobs_from_env(30000, 15000, MEDIA_READ_AUTO, &k, &err), 0);
    assert_int_equal(k.read_mode, MEDIA_READ_GET_MEDIA);
}

static void a_knob_out_of_range_is_an_error_naming_it(void **state)
{
    (void)state;
    static const struct { const char *name, *value; } bad[] = {
        { "MULTIPART_PART_BYTES", "5242879" }, { "KVS_IDLE_TIMEOUT_MS", "999" },
        { "DEADLINE_START_RESERVE_MS", "900001" }, { "DEADLINE_FINISH_RESERVE_MS", "-1" },
        { "GET_MEDIA_MAX_CALLS", "0" }, { "KVS_READ_MODE", "list" }, { "FRAGMENT_LIST_BATCH", "1001" },
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        clear_env(NULL);
        setenv(bad[i].name, bad[i].value, 1);
        struct stream_recording_knobs k;
        struct rec_error err;
        rec_error_clear(&err);
        assert_int_equal(stream_recording_knobs_from_env(30000, 15000, MEDIA_READ_AUTO, &k, &err),
                         REC_ERR_CONFIG);
        assert_true(strncmp(err.message, bad[i].name, strlen(bad[i].name)) == 0);
        assert_false(err.retriable);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(text_takes_the_fallback_refuses_what_does_not_fit_and_names_a_missing_one,
                               clear_env),
        cmocka_unit_test_setup(number_is_whole_and_in_range_never_clamped, clear_env),
        cmocka_unit_test_setup(choice_is_exact_and_names_the_choices, clear_env),
        cmocka_unit_test_setup(knobs_take_the_shared_and_the_handlers_defaults, clear_env),
        cmocka_unit_test_setup(knobs_read_every_variable, clear_env),
        cmocka_unit_test_setup(a_knob_out_of_range_is_an_error_naming_it, clear_env),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

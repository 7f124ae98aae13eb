/* Unit tests for common/: the capped buffer and the structured logger. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <cmocka.h>

#include "common/buf.h"
#include "common/bytes.h"
#include "common/clock.h"
#include "common/error.h"
#include "common/log.h"

static void buf_grows_and_stops_at_its_limit(void **state)
{
    (void)state;
    struct rec_buf b;
    rec_buf_init(&b, 10);
    assert_int_equal(rec_buf_append_str(&b, "12345"), 0);
    assert_int_equal(rec_buf_printf(&b, "%d", 6789), 0);
    assert_string_equal(b.data, "123456789");
    assert_int_equal(rec_buf_append_str(&b, "ab"), REC_ERR_LIMIT);
    assert_string_equal(b.data, "123456789"); /* nothing partial appended */
    assert_int_equal(rec_buf_append_str(&b, "a"), 0);
    assert_int_equal(b.len, 10);
    rec_buf_clean_up(&b, 1);
    assert_null(b.data);
    rec_buf_clean_up(&b, 1);
}

static char *capture(void (*emit)(void))
{
    FILE *f = tmpfile();
    assert_non_null(f);
    rec_log_set_stream(f);
    emit();
    rec_log_set_stream(NULL);
    long len = ftell(f);
    char *out = calloc(1, (size_t)len + 1);
    rewind(f);
    assert_int_equal(fread(out, 1, (size_t)len, f), (size_t)len);
    fclose(f);
    return out;
}

static void emit_three(void)
{
    rec_log_set_request_id("req-1");
    rec_log(REC_LOG_DEBUG, "hidden at INFO");
    rec_log(REC_LOG_INFO, "hello \"world\"\n", LOG_STR("contactId", "c-1"), LOG_INT("bytes", 42),
            LOG_STR("sessionToken", "SECRETVALUE"), LOG_BOOL("ok", 1));
    rec_log(REC_LOG_ERROR, "bad");
    rec_log_set_request_id(NULL);
}

static void json_log_lines_are_objects_with_required_keys(void **state)
{
    (void)state;
    setenv("AWS_LAMBDA_LOG_FORMAT", "JSON", 1);
    setenv("AWS_LAMBDA_LOG_LEVEL", "INFO", 1);
    rec_log_init_from_env();
    char *out = capture(emit_three);
    assert_null(strstr(out, "hidden"));
    assert_null(strstr(out, "SECRETVALUE"));
    char *nl = strchr(out, '\n');
    assert_non_null(nl);
    *nl = '\0';
    cJSON *j = cJSON_Parse(out);
    assert_non_null(j);
    assert_string_equal(cJSON_GetObjectItem(j, "level")->valuestring, "INFO");
    assert_string_equal(cJSON_GetObjectItem(j, "message")->valuestring, "hello \"world\"\n");
    assert_string_equal(cJSON_GetObjectItem(j, "requestId")->valuestring, "req-1");
    assert_string_equal(cJSON_GetObjectItem(j, "contactId")->valuestring, "c-1");
    assert_int_equal(cJSON_GetObjectItem(j, "bytes")->valueint, 42);
    assert_true(cJSON_IsTrue(cJSON_GetObjectItem(j, "ok")));
    assert_non_null(cJSON_GetObjectItem(j, "timestamp"));
    cJSON_Delete(j);
    cJSON *second = cJSON_Parse(nl + 1);
    assert_non_null(second);
    assert_string_equal(cJSON_GetObjectItem(second, "level")->valuestring, "ERROR");
    cJSON_Delete(second);
    free(out);
}

static void text_log_filters_by_level_and_stays_on_one_line(void **state)
{
    (void)state;
    setenv("AWS_LAMBDA_LOG_FORMAT", "TEXT", 1);
    setenv("AWS_LAMBDA_LOG_LEVEL", "ERROR", 1);
    rec_log_init_from_env();
    char *out = capture(emit_three);
    assert_null(strstr(out, "hello"));
    assert_non_null(strstr(out, "\tERROR\treq-1\tbad\n"));
    free(out);
    setenv("AWS_LAMBDA_LOG_LEVEL", "DEBUG", 1);
    rec_log_init_from_env();
    out = capture(emit_three);
    int lines = 0;
    for (char *p = out; *p; p++)
        lines += *p == '\n';
    assert_int_equal(lines, 3);
    assert_non_null(strstr(out, "sessionToken=[REDACTED]"));
    free(out);
    unsetenv("AWS_LAMBDA_LOG_FORMAT");
    unsetenv("AWS_LAMBDA_LOG_LEVEL");
}

static void error_record_keeps_the_first_failure(void **state)
{
    (void)state;
    struct rec_error e;
    rec_error_clear(&e);
    assert_false(rec_error_is_set(&e));
    assert_int_equal(rec_error_set(&e, REC_ERR_AWS, 1, "GetMedia: %d %s", 503, "busy"), REC_ERR_AWS);
    /* a consequence does not replace the cause */
    assert_int_equal(rec_error_set(&e, REC_ERR_IO, 0, "later"), REC_ERR_AWS);
    assert_true(rec_error_is_set(&e));
    assert_int_equal(e.retriable, 1);
    assert_string_equal(e.message, "GetMedia: 503 busy");
    struct rec_error outer;
    rec_error_clear(&outer);
    assert_int_equal(rec_error_wrap(&outer, &e, "recording 1"), REC_ERR_AWS);
    assert_string_equal(outer.message, "recording 1: GetMedia: 503 busy");
    assert_int_equal(outer.retriable, 1);
    /* a success code is a caller bug, never "no failure" */
    struct rec_error z;
    rec_error_clear(&z);
    assert_int_equal(rec_error_set(&z, 0, 0, "x"), REC_ERR_STATE);
    assert_int_equal(rec_error_set(NULL, REC_ERR_LIMIT, 0, "ignored"), REC_ERR_LIMIT);
    /* long messages are cut, never overflow */
    char big[2 * REC_ERROR_MESSAGE_MAX];
    memset(big, 'x', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    rec_error_clear(&z);
    rec_error_set(&z, REC_ERR_INVALID, 0, "%s", big);
    assert_int_equal(strlen(z.message), REC_ERROR_MESSAGE_MAX - 1);
}

static void bytes_copy_never_truncates_silently(void **state)
{
    (void)state;
    char dst[8];
    assert_int_equal(rec_bytes_copy_str(rec_bytes_of("abcdefgh", 7), dst, sizeof(dst)), 0);
    assert_string_equal(dst, "abcdefg");
    assert_int_equal(rec_bytes_copy_str(rec_bytes_of("abcdefgh", 8), dst, sizeof(dst)), REC_ERR_LIMIT);
    assert_string_equal(dst, "");
    assert_int_equal(rec_bytes_copy_str(rec_bytes_of("a\0b", 3), dst, sizeof(dst)), REC_ERR_INVALID);
    assert_string_equal(dst, "");
    assert_int_equal(rec_str_copy(dst, sizeof(dst), NULL), 0);
    assert_string_equal(dst, "");
    assert_true(rec_bytes_eq_str(rec_bytes_of("ContactIdX", 9), "ContactId"));
    assert_false(rec_bytes_eq_str(rec_bytes_of("ContactId", 9), "ContactIdX"));
}

static void buf_limit_can_change_but_not_below_its_contents(void **state)
{
    (void)state;
    struct rec_buf b;
    rec_buf_init(&b, 4);
    assert_int_equal(rec_buf_append_str(&b, "abc"), 0);
    assert_int_equal(rec_buf_set_limit(&b, 2), REC_ERR_LIMIT);
    assert_int_equal(rec_buf_limit(&b), 4);
    assert_int_equal(rec_buf_set_limit(&b, 8), 0);
    assert_int_equal(rec_buf_append_str(&b, "defgh"), 0);
    rec_buf_clean_up(&b, 0);
}

static void clocks_move_forward(void **state)
{
    (void)state;
    int64_t m0 = rec_clock_mono_ms(), w0 = rec_clock_now_ms();
    rec_clock_sleep_ms(20);
    assert_true(rec_clock_mono_ms() - m0 >= 20);
    assert_true(w0 > 1600000000000LL); /* epoch milliseconds, not seconds */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(buf_grows_and_stops_at_its_limit),
        cmocka_unit_test(error_record_keeps_the_first_failure),
        cmocka_unit_test(bytes_copy_never_truncates_silently),
        cmocka_unit_test(buf_limit_can_change_but_not_below_its_contents),
        cmocka_unit_test(clocks_move_forward),
        cmocka_unit_test(json_log_lines_are_objects_with_required_keys),
        cmocka_unit_test(text_log_filters_by_level_and_stays_on_one_line),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

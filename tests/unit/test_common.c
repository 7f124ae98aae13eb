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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(buf_grows_and_stops_at_its_limit),
        cmocka_unit_test(json_log_lines_are_objects_with_required_keys),
        cmocka_unit_test(text_log_filters_by_level_and_stays_on_one_line),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

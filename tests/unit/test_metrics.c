/* Tests of the EMF metric lines (common/metrics.c): every line is parsed
 * back and checked against the embedded metric format's rules (CloudWatch
 * User Guide, "Specification: Embedded metric format"). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <cjson/cJSON.h>

#include "common/clock.h"
#include "common/metrics.h"
#include "test_log_capture.h"

static long g_mark; /* where the current test's output starts in the capture */

static int reset(void **state)
{
    (void)state;
    unsetenv("METRICS_NAMESPACE");
    setenv("AWS_LAMBDA_FUNCTION_NAME", "stack-ProcessKvsRecording-abc", 1);
    assert_int_equal(rec_metrics_init_from_env(NULL), 0);
    fflush(g_log);
    g_mark = ftell(g_log);
    return 0;
}

/* What the current test wrote (the caller frees it). */
static char *written(void)
{
    char *all = logged();
    char *out = strdup(all + g_mark);
    free(all);
    return out;
}

static int unit_ok(const char *u)
{
    return strcmp(u, "Count") == 0 || strcmp(u, "Seconds") == 0 || strcmp(u, "Milliseconds") == 0 ||
           strcmp(u, "Bytes") == 0;
}

/* Checks one line is valid EMF; returns it parsed (the caller deletes it). */
static cJSON *parse_emf(const char *line)
{
    cJSON *root = cJSON_Parse(line);
    assert_true(cJSON_IsObject(root));
    cJSON *aws = cJSON_GetObjectItemCaseSensitive(root, "_aws");
    assert_true(cJSON_IsObject(aws));
    cJSON *ts = cJSON_GetObjectItemCaseSensitive(aws, "Timestamp");
    assert_true(cJSON_IsNumber(ts));
    assert_true(llabs((long long)ts->valuedouble - (long long)rec_clock_now_ms()) < 60000);
    cJSON *directives = cJSON_GetObjectItemCaseSensitive(aws, "CloudWatchMetrics");
    assert_int_equal(cJSON_GetArraySize(directives), 1);
    const cJSON *d, *set, *name, *metric;
    cJSON_ArrayForEach(d, directives)
    {
        assert_true(cJSON_IsString(cJSON_GetObjectItemCaseSensitive(d, "Namespace")));
        cJSON *sets = cJSON_GetObjectItemCaseSensitive(d, "Dimensions");
        assert_true(cJSON_GetArraySize(sets) >= 1);
        cJSON_ArrayForEach(set, sets)
        {
            assert_true(cJSON_GetArraySize(set) >= 1 && cJSON_GetArraySize(set) <= 30);
            cJSON_ArrayForEach(name, set)
                assert_true(cJSON_IsString(cJSON_GetObjectItemCaseSensitive(root, name->valuestring)));
        }
        cJSON *metrics = cJSON_GetObjectItemCaseSensitive(d, "Metrics");
        assert_true(cJSON_GetArraySize(metrics) >= 1 && cJSON_GetArraySize(metrics) <= 100);
        cJSON_ArrayForEach(metric, metrics)
        {
            const char *n = cJSON_GetObjectItemCaseSensitive(metric, "Name")->valuestring;
            assert_true(unit_ok(cJSON_GetObjectItemCaseSensitive(metric, "Unit")->valuestring));
            assert_true(cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(root, n)));
        }
    }
    return root;
}

static const char *dstr(const cJSON *o, const char *k)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

static void a_line_is_valid_emf_with_both_dimension_sets(void **state)
{
    (void)state;
    struct rec_metrics m;
    rec_metrics_begin(&m, "ProcessKvsRecording");
    rec_metrics_dimension(&m, "Class", "retriable");
    rec_metrics_property(&m, "contactId", "c-1 \"quoted\"\n");
    rec_metrics_property(&m, "skipped", NULL);
    rec_metrics_count(&m, "RecordingFailures", 1);
    rec_metrics_value(&m, "RecordingMs", REC_METRIC_MILLISECONDS, 1234.5);
    assert_int_equal(rec_metrics_emit(&m), 0);
    char *text = written();
    char *nl = strchr(text, '\n');
    assert_non_null(nl);
    assert_string_equal(nl + 1, ""); /* one line */
    *nl = '\0';
    cJSON *root = parse_emf(text);
    const cJSON *d = cJSON_GetArrayItem(
        cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(root, "_aws"), "CloudWatchMetrics"), 0);
    assert_string_equal(dstr(d, "Namespace"), REC_METRICS_DEFAULT_NAMESPACE);
    char *sets = cJSON_PrintUnformatted(cJSON_GetObjectItemCaseSensitive(d, "Dimensions"));
    assert_string_equal(sets, "[[\"FunctionName\",\"Handler\"],[\"FunctionName\",\"Handler\",\"Class\"]]");
    cJSON_free(sets);
    assert_string_equal(dstr(root, "FunctionName"), "stack-ProcessKvsRecording-abc");
    assert_string_equal(dstr(root, "Handler"), "ProcessKvsRecording");
    assert_string_equal(dstr(root, "Class"), "retriable");
    assert_string_equal(dstr(root, "contactId"), "c-1 \"quoted\"\n");
    assert_null(cJSON_GetObjectItemCaseSensitive(root, "skipped"));
    assert_true(cJSON_GetObjectItemCaseSensitive(root, "RecordingMs")->valuedouble == 1234.5);
    cJSON_Delete(root);
    free(text);
}

static void without_extra_dimensions_there_is_one_set(void **state)
{
    (void)state;
    setenv("METRICS_NAMESPACE", "Team/Recorder", 1);
    unsetenv("AWS_LAMBDA_FUNCTION_NAME");
    assert_int_equal(rec_metrics_init_from_env(NULL), 0);
    struct rec_metrics m;
    rec_metrics_begin(&m, "echo");
    rec_metrics_value(&m, "BytesUploaded", REC_METRIC_BYTES, 1e12);
    assert_int_equal(rec_metrics_emit(&m), 0);
    char *text = written();
    cJSON *root = parse_emf(text);
    const cJSON *d = cJSON_GetArrayItem(
        cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(root, "_aws"), "CloudWatchMetrics"), 0);
    assert_string_equal(dstr(d, "Namespace"), "Team/Recorder");
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(d, "Dimensions")), 1);
    assert_string_equal(dstr(root, "FunctionName"), "local");
    assert_true(cJSON_GetObjectItemCaseSensitive(root, "BytesUploaded")->valuedouble == 1e12);
    cJSON_Delete(root);
    free(text);
}

static void an_empty_namespace_turns_metrics_off(void **state)
{
    (void)state;
    setenv("METRICS_NAMESPACE", "", 1);
    assert_int_equal(rec_metrics_init_from_env(NULL), 0);
    assert_false(rec_metrics_enabled());
    struct rec_metrics m;
    rec_metrics_begin(&m, "ProcessKvsRecording");
    rec_metrics_count(&m, "RecordingsStored", 1);
    assert_int_equal(rec_metrics_emit(&m), 0);
    char *text = written();
    assert_string_equal(text, "");
    free(text);
}

static void a_bad_namespace_is_a_configuration_error(void **state)
{
    (void)state;
    static const char *const bad[] = { "AWS/Lambda", "has\"quote", "tab\there", "é" };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        setenv("METRICS_NAMESPACE", bad[i], 1);
        struct rec_error err;
        rec_error_clear(&err);
        assert_int_equal(rec_metrics_init_from_env(&err), REC_ERR_CONFIG);
        assert_non_null(strstr(err.message, "METRICS_NAMESPACE"));
        assert_false(rec_metrics_enabled());
    }
    char longer[REC_METRICS_NAMESPACE_MAX + 2];
    memset(longer, 'a', sizeof(longer) - 1);
    longer[sizeof(longer) - 1] = '\0';
    setenv("METRICS_NAMESPACE", longer, 1);
    assert_int_equal(rec_metrics_init_from_env(NULL), REC_ERR_CONFIG);
    longer[REC_METRICS_NAMESPACE_MAX] = '\0'; /* exactly the limit is fine */
    setenv("METRICS_NAMESPACE", longer, 1);
    assert_int_equal(rec_metrics_init_from_env(NULL), 0);
    assert_true(rec_metrics_enabled());
}

/* A line that would lie or be ambiguous is not written; the WARN says why. */
static void bad_lines_are_refused_whole(void **state)
{
    (void)state;
    struct rec_metrics m;
    rec_metrics_begin(&m, "ProcessKvsRecording");
    for (int i = 0; i <= REC_METRICS_MAX_VALUES; i++)
        rec_metrics_count(&m, "RecordingsStored", 1);
    assert_int_equal(rec_metrics_emit(&m), REC_ERR_LIMIT);
    rec_metrics_begin(&m, "ProcessKvsRecording");
    rec_metrics_value(&m, "AudioSeconds", REC_METRIC_SECONDS, NAN);
    assert_int_equal(rec_metrics_emit(&m), REC_ERR_INVALID);
    rec_metrics_begin(&m, "ProcessKvsRecording");
    rec_metrics_dimension(&m, "Handler", "other");
    rec_metrics_count(&m, "RecordingsStored", 1);
    assert_int_equal(rec_metrics_emit(&m), REC_ERR_INVALID);
    rec_metrics_begin(&m, "ProcessKvsRecording");
    rec_metrics_count(&m, "A", 1);
    rec_metrics_count(&m, "A", 2);
    assert_int_equal(rec_metrics_emit(&m), REC_ERR_INVALID);
    rec_metrics_begin(&m, NULL);
    rec_metrics_count(&m, "A", 1);
    assert_int_equal(rec_metrics_emit(&m), REC_ERR_INVALID);
    /* a line without a value is nothing to publish, not an error */
    rec_metrics_begin(&m, "ProcessKvsRecording");
    assert_int_equal(rec_metrics_emit(&m), 0);
    char *text = written();
    assert_null(strstr(text, "_aws"));
    assert_non_null(strstr(text, "metric line not written"));
    free(text);
}

static void status_classes_are_fixed_names(void **state)
{
    (void)state;
    assert_string_equal(rec_metrics_status_class(200), "2xx");
    assert_string_equal(rec_metrics_status_class(299), "2xx");
    assert_string_equal(rec_metrics_status_class(404), "4xx");
    assert_string_equal(rec_metrics_status_class(504), "5xx");
    assert_string_equal(rec_metrics_status_class(100), "1xx");
    assert_string_equal(rec_metrics_status_class(0), "5xx"); /* no answer at all */
    assert_string_equal(rec_metrics_status_class(600), "5xx");
    assert_string_equal(rec_metrics_status_class(-1), "5xx");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(a_line_is_valid_emf_with_both_dimension_sets, reset),
        cmocka_unit_test_setup(without_extra_dimensions_there_is_one_set, reset),
        cmocka_unit_test_setup(an_empty_namespace_turns_metrics_off, reset),
        cmocka_unit_test_setup(a_bad_namespace_is_a_configuration_error, reset),
        cmocka_unit_test_setup(bad_lines_are_refused_whole, reset),
        cmocka_unit_test(status_classes_are_fixed_names),
    };
    return cmocka_run_group_tests(tests, capture_logs, release_logs);
}

/*
 * Log capture for unit tests: cmocka group set-up and tear-down that send
 * rec_log's TEXT lines at INFO and above to a temporary file, and logged()
 * to read them back. Included by tests/unit/test_*.c only.
 */
#ifndef REC_TEST_LOG_CAPTURE_H
#define REC_TEST_LOG_CAPTURE_H

#include <stdio.h>
#include <stdlib.h>

#include "common/log.h"

static FILE *g_log;

static int capture_logs(void **state)
{
    (void)state;
    setenv("AWS_LAMBDA_LOG_FORMAT", "TEXT", 1);
    setenv("AWS_LAMBDA_LOG_LEVEL", "INFO", 1);
    rec_log_init_from_env();
    g_log = tmpfile();
    rec_log_set_stream(g_log);
    return 0;
}

static int release_logs(void **state)
{
    (void)state;
    rec_log_set_stream(NULL);
    fclose(g_log);
    return 0;
}

/* Everything logged so far, NUL-terminated; the caller frees it. */
static char *logged(void)
{
    fflush(g_log);
    long len = ftell(g_log);
    char *out = calloc(1, (size_t)len + 1);
    rewind(g_log);
    assert_int_equal(fread(out, 1, (size_t)len, g_log), (size_t)len);
    return out;
}

#endif

/*
 * bootstrap: the Lambda custom runtime's process.
 *
 * Loop per the Lambda Runtime API 2018-06-01 ("Using the Lambda runtime API
 * for custom runtimes", AWS Lambda Developer Guide): fetch the next
 * invocation, pass it to the handler named by _HANDLER, post the response or
 * the error, repeat. Initialisation failures go to /runtime/init/error and
 * end the process; Lambda then starts a new one.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws/http.h"
#include "common/clock.h"
#include "common/error.h"
#include "common/log.h"
#include "common/metrics.h"
#include "handler/handler.h"
#include "runtime/runtime_api.h"

enum {
    NEXT_ATTEMPTS = 5,        /* consecutive failed `next` calls before we give up */
    NEXT_BACKOFF_MS = 100,    /* first retry delay; doubles each time */
};

/* SIGTERM (Lambda's shutdown when extensions run; a local run being
 * stopped) and SIGINT: finish the invocation in hand, then leave the loop
 * instead of waiting for the next one, so the process ends cleanly before
 * its Runtime API goes away. */
static volatile sig_atomic_t g_stop;

static void on_stop_signal(int sig)
{
    (void)sig;
    g_stop = 1;
}

static void catch_stop_signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_stop_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
}

/* Reports an initialisation failure and returns the process exit status. */
static int init_failed(struct runtime_client *rt, const char *type, const char *message)
{
    rec_log(REC_LOG_FATAL, "initialisation failed", LOG_STR("errorType", type),
            LOG_STR("errorMessage", message));
    if (rt->curl) {
        int rc = runtime_post_error(rt, NULL, type, message);
        if (rc)
            rec_log(REC_LOG_ERROR, "could not report the init error", LOG_STR("error", rec_strerror(rc)));
    }
    return 1;
}

static void serve_one(struct runtime_client *rt, const struct handler_def *h, void *state,
                      const struct runtime_invocation *inv, struct handler_result *result)
{
    rec_log_set_request_id(inv->request_id);
    if (inv->trace_id[0])
        setenv("_X_AMZN_TRACE_ID", inv->trace_id, 1);
    else
        unsetenv("_X_AMZN_TRACE_ID");

    rec_buf_reset(&result->response);
    result->error_type[0] = '\0';
    result->error_message[0] = '\0';
    struct handler_context ctx = {
        .request_id = inv->request_id,
        .deadline_ms = inv->deadline_ms,
        .function_arn = inv->function_arn,
        .trace_id = inv->trace_id,
    };
    int rc = h->invoke(state, &ctx, inv->event, inv->event_len, result);
    if (rc == 0) {
        const char *body = result->response.data ? result->response.data : "null";
        size_t len = result->response.data ? result->response.len : 4;
        int prc = runtime_post_response(rt, inv->request_id, body, len);
        if (prc)
            rec_log(REC_LOG_ERROR, "the Runtime API refused the response",
                    LOG_STR("error", rec_strerror(prc)), LOG_INT("status", rt->last_status),
                    LOG_INT("bytes", len));
    } else {
        const char *type = result->error_type[0] ? result->error_type : "HandlerError";
        const char *msg = result->error_message[0] ? result->error_message : rec_strerror(rc);
        rec_log(REC_LOG_ERROR, "invocation failed", LOG_STR("errorType", type),
                LOG_STR("errorMessage", msg));
        int prc = runtime_post_error(rt, inv->request_id, type, msg);
        if (prc)
            rec_log(REC_LOG_ERROR, "the Runtime API refused the error report",
                    LOG_STR("error", rec_strerror(prc)), LOG_INT("status", rt->last_status));
    }
    rec_log_set_request_id(NULL);
}

/* Serves invocations until a signal stops the process (0) or the Runtime
 * API cannot be reached NEXT_ATTEMPTS times in a row (1: Lambda then starts
 * a fresh environment). */
static int serve_until_stopped(struct runtime_client *rt, const struct handler_def *h, void *state,
                               struct handler_result *result)
{
    int failures = 0;
    for (;;) {
        const struct runtime_invocation *inv = NULL;
        int rc = runtime_next(rt, &inv);
        /* an invocation fetched as the signal came is still served: once
         * Lambda handed it out, only our answer ends it (the next call to
         * runtime_next then returns at once) */
        if (rc && g_stop) {
            rec_log(REC_LOG_INFO, "stopping: asked to by a signal");
            return 0;
        }
        if (rc) {
            failures++;
            rec_log(REC_LOG_ERROR, "fetching the next invocation failed",
                    LOG_STR("error", rec_strerror(rc)), LOG_INT("status", rt->last_status),
                    LOG_INT("attempt", failures));
            if (failures >= NEXT_ATTEMPTS)
                return 1;
            rec_clock_sleep_ms((uint32_t)NEXT_BACKOFF_MS << (failures - 1));
            continue;
        }
        failures = 0;
        serve_one(rt, h, state, inv, result);
    }
}

int main(void)
{
    int status = 1;
    void *state = NULL;
    const struct handler_def *h = NULL;
    struct runtime_client rt;
    struct handler_result result;
    rec_buf_init(&result.response, HANDLER_RESPONSE_LIMIT);

    rec_log_init_from_env();
    if (rec_http_global_init() != 0) {
        rec_log(REC_LOG_FATAL, "curl_global_init failed");
        return 1;
    }
    const char *api = getenv("AWS_LAMBDA_RUNTIME_API");
    if (runtime_client_init(&rt, api) != 0) {
        /* Without the Runtime API there is nobody to report to. */
        rec_log(REC_LOG_FATAL, "AWS_LAMBDA_RUNTIME_API is missing or invalid");
        goto cleanup;
    }

    struct rec_error merr;
    rec_error_clear(&merr);
    if (rec_metrics_init_from_env(&merr) != 0) {
        status = init_failed(&rt, "Runtime.InitError", merr.message);
        goto cleanup;
    }
    const char *name = getenv("_HANDLER");
    h = handler_find(name);
    if (!name || !*name)
        name = HANDLER_DEFAULT;
    if (!h) {
        char msg[256];
        snprintf(msg, sizeof(msg), "unknown handler '%s'", name);
        status = init_failed(&rt, "Runtime.UnknownHandler", msg);
        goto cleanup;
    }
    char reason[512] = "";
    int rc = h->init(&state, reason, sizeof(reason));
    if (rc) {
        h = NULL;
        status = init_failed(&rt, "Runtime.InitError", reason[0] ? reason : rec_strerror(rc));
        goto cleanup;
    }
    rec_log(REC_LOG_INFO, "runtime ready", LOG_STR("handler", name));
    rt.stop = &g_stop;
    catch_stop_signals();

    status = serve_until_stopped(&rt, h, state, &result);

cleanup:
    if (h)
        h->destroy(state);
    rec_buf_clean_up(&result.response, 0);
    runtime_client_clean_up(&rt);
    rec_http_global_clean_up();
    return status;
}

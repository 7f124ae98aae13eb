/* The echo handler: the runtime loop's test double for a real handler.
 * Lambda events are JSON, so a body that is not JSON is a handler error
 * (which is also how the tests provoke one). */
#include <stdlib.h>

#include <cjson/cJSON.h>

#include "common/error.h"
#include "common/log.h"
#include "handler/handler.h"

static int echo_init(void **state, char *reason, size_t reason_len)
{
    (void)reason;
    (void)reason_len;
    *state = NULL;
    return 0;
}

static int echo_invoke(void *state, const struct handler_context *ctx, const char *event,
                       size_t event_len, struct handler_result *result)
{
    (void)state;
    cJSON *doc = cJSON_ParseWithLength(event, event_len);
    if (!doc)
        return handler_fail(result, REC_ERR_INVALID, "InvalidEvent", "event is not JSON");
    cJSON_Delete(doc);
    rec_log(REC_LOG_INFO, "echo", LOG_INT("bytes", event_len), LOG_INT("deadlineMs", ctx->deadline_ms),
            LOG_STR("traceId", getenv("_X_AMZN_TRACE_ID")));
    int rc = rec_buf_append(&result->response, event, event_len);
    if (rc)
        return handler_fail(result, rc, "ResponseTooLarge", "echo: %s", rec_strerror(rc));
    return 0;
}

static void echo_destroy(void *state)
{
    (void)state;
}

const struct handler_def echo_handler = {
    .name = "echo",
    .init = echo_init,
    .invoke = echo_invoke,
    .destroy = echo_destroy,
};

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "handler/handler.h"

static const struct handler_def *const handlers[] = {
    &process_kvs_recording_handler,
    &echo_handler,
    &connect_recording_control_handler,
    &chime_voice_connector_recorder_handler,
    &sma_on_demand_recording_handler,
    &video_call_recording_handler,
};

const struct handler_def *handler_find(const char *name)
{
    if (!name || !*name)
        name = HANDLER_DEFAULT;
    /* SAM's template says Handler: bootstrap, the only value the custom
     * runtime sees there; it means the recording handler. */
    if (strcmp(name, "bootstrap") == 0)
        name = HANDLER_DEFAULT;
    for (size_t i = 0; i < sizeof(handlers) / sizeof(handlers[0]); i++)
        if (strcmp(handlers[i]->name, name) == 0)
            return handlers[i];
    return NULL;
}

int handler_fail(struct handler_result *result, int err, const char *type, const char *fmt, ...)
{
    snprintf(result->error_type, sizeof(result->error_type), "%s", type);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(result->error_message, sizeof(result->error_message), fmt, ap);
    va_end(ap);
    return err;
}

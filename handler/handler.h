/*
 * The handler interface the runtime loop dispatches to, and the table that
 * maps _HANDLER values to handlers.
 *
 * A handler is created once per process (init), invoked once per
 * invocation, and destroyed at exit. Nothing an invocation allocates may
 * outlive it, except caches the handler owns on purpose (e.g. endpoints).
 */
#ifndef REC_HANDLER_HANDLER_H
#define REC_HANDLER_HANDLER_H

#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"

/* The largest response a handler may produce, in bytes (Lambda's 6 MB
 * response payload quota, 6,291,456 bytes). */
#define HANDLER_RESPONSE_LIMIT (6u * 1024u * 1024u)

struct handler_context {
    const char *request_id;   /* Lambda-Runtime-Aws-Request-Id */
    int64_t deadline_ms;      /* epoch milliseconds when Lambda stops the invocation */
    const char *function_arn; /* invoked function ARN */
    const char *trace_id;     /* X-Ray trace header value, "" if none */
};

/* What an invocation produced. The runtime owns the storage and resets it
 * before each invocation; the handler fills either response (JSON text) or,
 * on failure, error_type and error_message. */
struct handler_result {
    struct rec_buf response; /* capped at HANDLER_RESPONSE_LIMIT */
    char error_type[64];     /* e.g. "InvalidEvent"; "" on success */
    char error_message[512];
};

struct handler_def {
    const char *name; /* the _HANDLER value that selects it */
    /* Creates the handler's process-wide state. On failure writes a reason
     * of at most reason_len bytes and returns a negative REC_ERR_* code
     * (reported through /runtime/init/error). */
    int (*init)(void **state, char *reason, size_t reason_len);
    /* Handles one invocation. Returns 0 with result->response filled, or a
     * negative REC_ERR_* code with result->error_* filled (reported through
     * /runtime/invocation/{id}/error). */
    int (*invoke)(void *state, const struct handler_context *ctx, const char *event,
                  size_t event_len, struct handler_result *result);
    void (*destroy)(void *state);
};

/* The handler registered under name, or NULL. NULL, "" and "bootstrap"
 * (what SAM's Handler: bootstrap sets) mean HANDLER_DEFAULT. */
const struct handler_def *handler_find(const char *name);

/* Sets result's error fields (type and printf-style message, both
 * truncated to fit) and returns err, so handlers can
 * `return handler_fail(result, REC_ERR_INVALID, "InvalidEvent", "...")`. */
int handler_fail(struct handler_result *result, int err, const char *type, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* The built-in echo handler: answers with the event unchanged and logs one
 * INFO line per invocation. Used by the runtime tests. */
extern const struct handler_def echo_handler;

/* The recording handler (handler/process_kvs_recording.c). */
extern const struct handler_def process_kvs_recording_handler;

/* The recording control handler (handler/connect_recording_control.c):
 * a Connect flow starts, stops, pauses or resumes a contact's recording. */
extern const struct handler_def connect_recording_control_handler;

/* The Amazon Chime SDK Voice Connector call recorder
 * (handler/chime_voice_connector_recorder.c). */
extern const struct handler_def chime_voice_connector_recorder_handler;

/* The SIP media application's on-demand recording handler
 * (handler/sma_on_demand_recording.c). */
extern const struct handler_def sma_on_demand_recording_handler;
/* The video call recording handler (handler/video_call_recording.c, issue 13). */
extern const struct handler_def video_call_recording_handler;

/* The handler used when _HANDLER is unset or empty. */
#define HANDLER_DEFAULT "ProcessKvsRecording"

#endif

/*
 * Client for the Lambda Runtime API, version 2018-06-01.
 *
 * Rule source: AWS Lambda Developer Guide, "Using the Lambda runtime API for
 * custom runtimes" (paths, headers, error body shape) and "Lambda quotas"
 * (6 MB invocation payload).
 *
 * One libcurl easy handle is reused for every call (keep-alive to the local
 * endpoint); HTTP/1.1; `next` has no timeout because the execution
 * environment may be frozen between invocations.
 */
#ifndef REC_RUNTIME_RUNTIME_API_H
#define REC_RUNTIME_RUNTIME_API_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"

/* The largest event we accept, in bytes: Lambda's 6 MB synchronous payload
 * quota (6,291,456 bytes) plus headroom for the Kinesis envelope. */
#define RUNTIME_EVENT_LIMIT (6u * 1024u * 1024u + 65536u)

struct runtime_invocation {
    char request_id[128];     /* Lambda-Runtime-Aws-Request-Id */
    int64_t deadline_ms;      /* Lambda-Runtime-Deadline-Ms, epoch milliseconds (0 if absent) */
    char function_arn[256];   /* Lambda-Runtime-Invoked-Function-Arn */
    char trace_id[512];       /* Lambda-Runtime-Trace-Id ("" if absent) */
    const char *event;        /* the event body, NUL-terminated, owned by the client */
    size_t event_len;         /* bytes */
};

struct runtime_client {
    void *curl;               /* CURL *, reused for every call */
    char base_url[256];       /* http://HOST:PORT/2018-06-01 */
    struct rec_buf body;      /* last response body (the event, for next) */
    struct runtime_invocation inv;
    long last_status;         /* HTTP status of the last call */
    /* set (from a signal handler) to end a waiting `next` within about a
     * second; NULL: never */
    const volatile sig_atomic_t *stop;
};

/* Prepares the client for AWS_LAMBDA_RUNTIME_API's value (host:port).
 * Returns 0, REC_ERR_CONFIG when api is NULL/empty/too long, REC_ERR_NOMEM.
 * Pair with runtime_client_clean_up. */
int runtime_client_init(struct runtime_client *c, const char *api);

/* GET /runtime/invocation/next. On success *out points into c (valid until
 * the next call). Returns 0; REC_ERR_HTTP on a transport failure or a non-200
 * answer; REC_ERR_STATE when *c->stop was set while it waited; REC_ERR_INVALID when the answer lacks a request id; REC_ERR_LIMIT
 * when the event exceeds RUNTIME_EVENT_LIMIT. */
int runtime_next(struct runtime_client *c, const struct runtime_invocation **out);

/* POST /runtime/invocation/{id}/response with len bytes of body.
 * Returns 0 on 202; REC_ERR_LIMIT on 413 (response too large, 6 MB quota);
 * REC_ERR_INVALID on 400 (unknown request id); REC_ERR_HTTP otherwise. */
int runtime_post_response(struct runtime_client *c, const char *request_id, const char *body,
                          size_t len);

/* POST /runtime/invocation/{id}/error, or /runtime/init/error when
 * request_id is NULL, with body {"errorMessage","errorType","stackTrace":[]}
 * and header Lambda-Runtime-Function-Error-Type: error_type.
 * Errors as runtime_post_response. */
int runtime_post_error(struct runtime_client *c, const char *request_id, const char *error_type,
                       const char *message);

/* Reads one response header line of `next` ("Name: value", len bytes, CR/LF
 * or not, not NUL-terminated) into inv: Lambda-Runtime-Aws-Request-Id,
 * -Deadline-Ms (decimal epoch ms; anything else gives 0), -Invoked-Function-Arn
 * and -Trace-Id; other lines are ignored. Values are trimmed of spaces and
 * line ends; one longer than its field or holding a control byte is left
 * empty, never cut or kept half (always NUL-terminated). The
 * outside input of the runtime (fuzz/fuzz_runtime_headers.c). */
void runtime_parse_header(struct runtime_invocation *inv, const char *line, size_t len);

/* Frees the handle and buffers. Safe to call twice. */
void runtime_client_clean_up(struct runtime_client *c);

#endif

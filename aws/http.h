/*
 * Signed AWS requests over HTTPS with libcurl: one function sends a request,
 * signs it (SigV4, sigv4/signer.h), retries what is worth retrying, and
 * returns status, headers and body -- or streams the body to a callback.
 *
 * One client per service (S3, Kinesis Video, Connect). A client owns one curl
 * easy handle that is reused across calls, so connections are kept alive
 * between requests. Not thread-safe: one client per thread.
 *
 * Transport rules: TLS peer and host verification always on; CA bundle from
 * AWS_CA_BUNDLE, else the first of /etc/pki/tls/certs/ca-bundle.crt (Amazon
 * Linux 2023) and /etc/ssl/certs/ca-certificates.crt (Debian), else libcurl's
 * default. libcurl's automatic "Expect: 100-continue" is suppressed (and
 * expect is never signed: sigv4_header_is_unsignable). Redirects are not
 * followed (S3 answers a wrong region with 301 PermanentRedirect: an error).
 *
 * Retries (aws/retry.h): throttling, 5xx, S3 RequestTimeout and transport
 * failures, with exponential backoff and full jitter, at most max_attempts
 * attempts, and never past the caller's deadline: an attempt gets only the
 * time left, and a wait that would end past the deadline is not started.
 * Each retry is logged at WARN with the service, status and error code
 * (never headers, signatures or credentials). Every attempt is signed anew.
 */
#ifndef REC_AWS_HTTP_H
#define REC_AWS_HTTP_H

#include <stddef.h>
#include <stdint.h>

#include "aws/endpoint.h"
#include "aws/retry.h"
#include "common/buf.h"
#include "common/error.h"
#include "sigv4/credentials.h"

/* A header field; both strings borrowed, NUL-terminated. */
struct rec_aws_header {
    const char *name;
    const char *value;
};

/* Streaming body callback: called with each piece of a 2xx response body as
 * it arrives. Return 0 to go on, REC_AWS_STOP to end the transfer early and
 * cleanly (the request then returns 0 with resp->stopped set), or a negative
 * REC_ERR_* code to abort (the request returns that code, not retried). */
typedef int (*rec_aws_body_fn)(void *user, const uint8_t *data, size_t len);
#define REC_AWS_STOP 1

/* A request body read as it is sent instead of held in memory (an S3 part
 * spooled to a file, s3/upload_sink.h): read copies len bytes of the body
 * from offset (offset + len <= body_len) into buf and returns 0 or a
 * negative REC_ERR_* (the request then fails with that code, not retried).
 * It may be asked for the same bytes again: a retried attempt, or libcurl
 * rewinding, reads the body from the start. */
struct rec_aws_body_source {
    int (*read)(void *user, uint64_t offset, void *buf, size_t len);
    void *user;
};

struct rec_aws_client_config {
    const char *service_id;      /* SDK service id naming AWS_ENDPOINT_URL_<ID>:
                                    "S3", "Kinesis Video", "Connect" */
    const char *signing_name;    /* SigV4 service name: "s3", "kinesisvideo", "connect" */
    const char *endpoint_prefix; /* default host label; NULL: signing_name */
    const char *region;          /* NULL: AWS_REGION, then REGION */
    const struct sigv4_credentials *credentials; /* NULL: from the environment; copied */
    const char *endpoint_url;    /* NULL: resolved (aws/endpoint.h); else used as is */
    int s3;                      /* S3 signing rules (x-amz-content-sha256, single encoding) */
    long connect_timeout_ms;     /* 0: 3000 */
    long low_speed_time_ms;      /* 0: 15000. A transfer during which no byte moves in
                                    either direction for this long is abandoned as
                                    stalled (checked at least once a second) */
    size_t max_response_bytes;   /* cap on a body held in memory; 0: 16 MiB */
    struct rec_aws_retry_policy retry; /* all zero: rec_aws_retry_policy_default */
};

struct rec_aws_request {
    const char *method;          /* "GET", "PUT", "POST", "HEAD", "DELETE" */
    const char *endpoint_url;    /* NULL: the client's endpoint; else another base URL
                                    (KVS GetMedia goes to the GetDataEndpoint answer) */
    const char *host_prefix;     /* NULL, or a label + "." put before the endpoint's host
                                    (S3 virtual-hosted style: "bucket.") */
    const char *path;            /* wire path, percent-encoded, starting with '/'; the
                                    endpoint's base path is put before it */
    const char *query;           /* wire query without '?'; NULL for none */
    const struct rec_aws_header *headers; /* extra headers, sent and signed; Host,
                                    Authorization, Content-Length, Transfer-Encoding and
                                    Expect are not allowed (the layer owns them) */
    size_t n_headers;
    const void *body;            /* request body, borrowed for the whole call (retries
                                    resend it): an S3 part of 16 MiB is sent from the
                                    caller's memory without a copy */
    const struct rec_aws_body_source *body_source; /* instead of body (NULL then):
                                    body_len bytes read as they are sent; needs
                                    payload_hash (the layer never reads a body twice
                                    to hash it) */
    size_t body_len;             /* bytes */
    const char *payload_hash;    /* NULL: SHA-256 of body; or "UNSIGNED-PAYLOAD"; or a
                                    precomputed lower-case hex SHA-256 */
    rec_aws_body_fn on_body;     /* NULL: a 2xx body is collected in resp->body */
    void *user;                  /* passed to on_body */
    long low_speed_time_ms;      /* 0: the client's stall limit (idle milliseconds);
                                    GetMedia at the live edge goes quiet for seconds */
    size_t max_response_bytes;   /* 0: the client's */
    int64_t deadline_ms;         /* absolute, Unix epoch milliseconds (the clock of
                                    Lambda-Runtime-Deadline-Ms); 0: none */
    unsigned max_attempts;       /* 0: the client's policy */
};

/* What came back. Initialise with rec_aws_response_init; one response may be
 * reused for several requests (each call resets it). */
struct rec_aws_response {
    long status;                 /* HTTP status of the last attempt; 0: no answer */
    struct rec_buf body;         /* collected body (2xx without on_body, or any
                                    error body, capped) */
    struct rec_buf header_data;  /* response headers as "name\0value\0" pairs */
    size_t n_headers;
    char error_code[128];        /* service error code ("SlowDown", "NoSuchKey", or
                                    the status as text when the body has none) */
    char error_message[512];
    char request_id[128];        /* x-amz-request-id / x-amzn-RequestId, for support */
    int retriable;               /* on failure: 1 when the same request may succeed
                                    later (throttling, 5xx, transport, deadline); 0 when
                                    it never will (4xx, bad input, body over the cap) */
    unsigned attempts;           /* attempts made */
    uint64_t body_bytes;         /* body bytes received in the last attempt */
    int stopped;                 /* on_body ended the transfer with REC_AWS_STOP */
    int stalled;                 /* the last attempt was abandoned after
                                    low_speed_time_ms without a byte */
};

/* Prepares an empty response in the caller's storage (no allocation yet). */
void rec_aws_response_init(struct rec_aws_response *resp);
/* Frees the body and headers; the struct may be initialised again. */
void rec_aws_response_clean_up(struct rec_aws_response *resp);

/* The first response header called name (any case), or NULL. The string
 * belongs to resp and lives until its next use or clean-up. */
const char *rec_aws_response_header(const struct rec_aws_response *resp, const char *name);

struct rec_aws_client;

/* Creates a client. Returns 0, REC_ERR_CONFIG (no region, no credentials in
 * the environment, unparsable endpoint override), REC_ERR_INVALID (bad
 * config), REC_ERR_NOMEM, REC_ERR_HTTP (curl failed to initialise).
 * *out is set only on success; destroy with rec_aws_client_destroy (wipes
 * the credentials). */
int rec_aws_client_new(struct rec_aws_client **out, const struct rec_aws_client_config *cfg);
void rec_aws_client_destroy(struct rec_aws_client *client);

/* The client's resolved endpoint and region (valid while the client lives). */
const struct rec_aws_endpoint *rec_aws_client_endpoint(const struct rec_aws_client *client);
const char *rec_aws_client_region(const struct rec_aws_client *client);

/* Sends req, retrying as described above, and fills resp.
 * Returns 0 for a 2xx answer (or an on_body stop), else:
 *   REC_ERR_AWS      the service answered non-2xx: resp->status, error_code,
 *                    error_message; resp->retriable says whether it was throttling
 *                    or a 5xx (retries already exhausted) or permanent;
 *   REC_ERR_HTTP     no usable answer (connect, TLS, reset, stall); retriable 1,
 *                    except TLS verification failures (0: configuration);
 *   REC_ERR_TIMEOUT  the deadline passed (before or during an attempt); retriable 1;
 *   REC_ERR_LIMIT    a 2xx body passed the in-memory cap; retriable 0;
 *   REC_ERR_INVALID  bad request fields; REC_ERR_NOMEM; or the code on_body
 *                    or body_source returned (both retriable 0).
 * When on_body has been given bytes, a failure is not retried inside (the
 * bytes are already consumed): it is returned with retriable 1 and
 * resp->body_bytes so the caller can resume (KVS: continuation token); so
 * is a 2xx answer that stalls before its first body byte (resp->stalled:
 * GetMedia at the live edge answers, then sends nothing). */
int rec_aws_send(struct rec_aws_client *client, const struct rec_aws_request *req,
                 struct rec_aws_response *resp);

/* Turns a failed rec_aws_send into the caller's error record: rc (its
 * return) as the code, resp->retriable as retriable, and a message naming
 * the operation, e.g. "GetMedia: 403 AccessDeniedException: User is not
 * authorized (request id 7f3a...)"; for failures without an answer
 * "PutObject: TransportError: Couldn't connect to server: ...". operation
 * is the API's name as its reference page spells it. resp may be NULL (the
 * request was refused before sending: the message is rec_strerror(rc)).
 * The first failure in err wins (common/error.h). Returns err's code (rc
 * unless err already held a failure); 0 and nothing recorded when rc is 0. */
int rec_aws_error_from_send(struct rec_error *err, const char *operation, int rc,
                            const struct rec_aws_response *resp);

/* A presigned URL for req (method, host_prefix and path only: no query,
 * headers or body), valid expires_s seconds (1..SIGV4_MAX_EXPIRES) from
 * now_ms (epoch ms): the client's endpoint, region, signing name and
 * credentials, Host the only signed header, the payload UNSIGNED-PAYLOAD and
 * a session token as X-Amz-Security-Token (sigv4/signer.h, rule source
 * there). Whoever holds the URL may make that one request until it expires
 * or the signing session ends, so it is a secret: the caller wipes url
 * (rec_buf_clean_up(url, 1)). Replaces url's contents. Returns 0,
 * REC_ERR_INVALID (a field not allowed, bad expiry), REC_ERR_LIMIT,
 * REC_ERR_NOMEM. Nothing is sent. */
int rec_aws_presign_url(struct rec_aws_client *client, const struct rec_aws_request *req,
                        int64_t now_ms, uint32_t expires_s, struct rec_buf *url);

/* libcurl's process-wide set-up (curl_global_init), done once: later calls
 * return 0 at once. bootstrap calls it before anything else runs (libcurl
 * wants it before any thread starts and before the Runtime API client's
 * handle); rec_aws_client_new calls it too, so tools and tests need not.
 * Returns 0 or REC_ERR_HTTP. */
int rec_http_global_init(void);

/* Undoes rec_http_global_init at process exit, after every client and
 * curl handle is gone. A no-op when it was not initialised. */
void rec_http_global_clean_up(void);

#endif

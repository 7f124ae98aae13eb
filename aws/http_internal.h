/*
 * The request layer's inside, shared by its files and by nothing else:
 *
 *   aws/http.c           clients, responses, the retry loop, one attempt
 *   aws/http_sign.c      request checks and signing: the URL and the header
 *                        list that go on the wire are built from the very
 *                        values that were signed, so they cannot differ
 *   aws/http_transfer.c  the curl handle's set-up and its callbacks
 *   aws/http_result.c    what an attempt's outcome means (error code,
 *                        retriable, stalled), and the error record of a send
 */
#ifndef REC_AWS_HTTP_INTERNAL_H
#define REC_AWS_HTTP_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include <curl/curl.h>

#include "aws/http.h"
#include "common/buf.h"
#include "sigv4/signer.h"

#define HTTP_ERROR_BODY_CAP (64u * 1024)      /* bytes of an error body kept for parsing */
#define HTTP_RESPONSE_HEADERS_CAP (64u * 1024) /* bytes of response headers kept */
#define HTTP_URL_CAP (64u * 1024)
#define HTTP_USER_AGENT "connect-kvs-recorder/1.0"

struct rec_aws_client {
    CURL *curl;
    struct sigv4_signer *signer;
    struct rec_aws_endpoint endpoint;
    char region[64];
    char signing_name[64];
    int s3;
    long connect_timeout_ms;
    long low_speed_time_ms;
    size_t max_response_bytes;
    struct rec_aws_retry_policy retry;
    char *ca_bundle; /* NULL: libcurl's default */
};

/* ---- signing (aws/http_sign.c) ---- */

/* Checks what the caller may set (rec_aws_send's contract): 0 or
 * REC_ERR_INVALID. Nothing is sent for a refused request. */
int http_validate_request(const struct rec_aws_request *req);

/* What goes on the wire for one attempt: the URL and the complete header
 * list, both made from the values the signature covers. The list holds the
 * session token and the signature, so clean-up wipes it. */
struct http_signed {
    struct rec_buf url;
    struct rec_buf host;          /* the Host value, signed and sent */
    struct curl_slist *headers;   /* every header sent, libcurl's own suppressed */
};

void http_signed_init(struct http_signed *s);
void http_signed_clean_up(struct http_signed *s);

/* Signs req for endpoint ep at now_ms (epoch ms) and fills s (initialised).
 * Returns 0, REC_ERR_NOMEM, REC_ERR_LIMIT (URL or headers over their caps)
 * or the signer's REC_ERR_INVALID. */
int http_sign(struct rec_aws_client *c, const struct rec_aws_request *req,
              const struct rec_aws_endpoint *ep, int64_t now_ms, struct http_signed *s);

/* ---- the transfer (aws/http_transfer.c) ---- */

/* One attempt's transfer state, shared by curl's callbacks. */
struct http_xfer {
    const struct rec_aws_request *req;
    struct rec_aws_response *resp;
    const uint8_t *upload;
    size_t upload_len;
    size_t upload_pos;
    int over_cap;             /* a 2xx body passed the response's cap */
    int cb_error;             /* the code on_body returned (negative), 0 if none */
    int stalled;              /* abandoned after idle_limit_ms without a byte */
    int64_t idle_limit_ms;
    int64_t last_activity_ms; /* monotonic clock */
    char reason[64];          /* reason phrase of the final status line */
    char detail[CURL_ERROR_SIZE]; /* curl's own words for a failed transfer */
};

/* Prepares x for req into resp; idle_limit_ms is the stall limit. */
void http_xfer_init(struct http_xfer *x, const struct rec_aws_request *req,
                    struct rec_aws_response *resp, long idle_limit_ms);

/* Resets the client's handle (its connections stay cached) and sets it up
 * for req as signed in s, with x receiving the callbacks and curl's error
 * detail. deadline_left_ms: milliseconds the attempt may take, 0 for no
 * limit. s and x must outlive the transfer; the handle lets go of x->detail
 * in http_transfer_done. */
void http_setup_handle(struct rec_aws_client *c, const struct rec_aws_request *req,
                       const struct http_signed *s, struct http_xfer *x, int64_t deadline_left_ms);

/* After curl_easy_perform: drops the handle's pointers into x and copies
 * the request id header into resp. */
void http_transfer_done(struct rec_aws_client *c, struct http_xfer *x);

/* ---- results (aws/http_result.c) ---- */

int http_is_2xx(long status);

/* Records a failure the layer itself found (no usable answer): error_code
 * and message in resp. */
void http_set_transport_error(struct rec_aws_response *resp, const char *code, const char *msg);

/* What one performed transfer means, as rec_aws_send returns it: fills
 * resp's error_code, error_message, retriable and stalled. deadline_ms as
 * the request's (0: none). */
int http_classify(CURLcode cc, const struct http_xfer *x, int64_t deadline_ms,
                  struct rec_aws_response *resp);

#endif

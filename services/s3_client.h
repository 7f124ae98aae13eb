/*
 * A minimal Amazon S3 client over the signed request layer (aws/http.h):
 * the object calls the recorder makes (PutObject, GetObject, HeadObject,
 * and the four calls of a multipart upload), and rec_s3_send for any other
 * object or bucket operation.
 *
 * Rule sources: Amazon S3 API Reference, "PutObject", "GetObject",
 * "HeadObject", "CreateMultipartUpload", "UploadPart",
 * "CompleteMultipartUpload" (a 200 answer may still carry an <Error>
 * body), "AbortMultipartUpload"; "Error responses" (404 NoSuchKey,
 * NoSuchBucket). Bodies are the caller's memory, sent without a copy and
 * resent as they are on a retry (a 16 MiB part is never copied).
 *
 * Addressing (Amazon S3 User Guide, "Virtual hosting of buckets"):
 * virtual-hosted style (https://BUCKET.s3.REGION.amazonaws.com/KEY) by
 * default; path style (ENDPOINT/BUCKET/KEY) when the endpoint is overridden
 * (AWS_ENDPOINT_URL_S3 or AWS_ENDPOINT_URL: local stand-ins have no
 * per-bucket DNS) or the bucket name is not a DNS label TLS can cover (dots,
 * upper case, underscores). Keys are sent URI-encoded once, '/' kept, as
 * the S3 API Reference requires.
 *
 * Errors: every call returns 0 or a negative REC_ERR_* with the caller's
 * error record filled (rec_aws_error_from_send: "PutObject: 503 SlowDown:
 * Please reduce your request rate. (request id X)"), as rec_aws_send
 * returns them, except that a 404 answer returns REC_ERR_NOT_FOUND.
 * resp (the caller's, rec_aws_response_init, reusable) keeps the answer's
 * data: status, headers (ETag, x-amz-meta-*), body.
 */
#ifndef REC_SERVICES_S3_CLIENT_H
#define REC_SERVICES_S3_CLIENT_H

#include <stddef.h>
#include <stdint.h>

#include "aws/http.h"
#include "common/error.h"

#define REC_S3_KEY_MAX 1024      /* bytes of UTF-8: S3's object key limit */
#define REC_S3_UPLOAD_ID_MAX 256 /* bytes with the NUL kept of an UploadId */
#define REC_S3_ETAG_MAX 80       /* bytes with the NUL kept of a part's ETag */
#define REC_S3_MAX_PARTS 10000u  /* parts of one multipart upload */

struct rec_s3_config {
    const char *region;          /* NULL: AWS_REGION, then REGION */
    const struct sigv4_credentials *credentials; /* NULL: the environment */
    const char *endpoint_url;    /* NULL: AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL, default */
    int force_path_style;        /* path style even on the default endpoint */
    size_t max_response_bytes;   /* cap on a body held in memory; 0: 16 MiB */
    struct rec_aws_retry_policy retry; /* zero: defaults (aws/retry.h) */
};

struct rec_s3_client;

/* cfg may be NULL (everything from the environment). Errors as
 * rec_aws_client_new. Destroy with rec_s3_client_destroy (NULL accepted). */
int rec_s3_client_new(struct rec_s3_client **out, const struct rec_s3_config *cfg);
void rec_s3_client_destroy(struct rec_s3_client *s3);

/* Non-zero when requests for this bucket use path-style addressing. */
int rec_s3_uses_path_style(const struct rec_s3_client *s3, const char *bucket);

/* Generic request on a bucket or object. Everything is borrowed for the call. */
struct rec_s3_request {
    const char *operation;       /* the API's name, for failures; NULL: the method */
    const char *method;          /* "GET", "PUT", "POST", "HEAD", "DELETE" */
    const char *bucket;          /* 3-63 characters of a-z 0-9 . - (S3 naming rules) */
    const char *key;             /* raw object key (UTF-8, not encoded), NULL or ""
                                    for a bucket operation */
    const char *query;           /* wire query without '?', e.g. "uploads",
                                    "partNumber=3&uploadId=..." (values encoded by
                                    the caller, sigv4_uri_encode); NULL for none */
    const struct rec_aws_header *headers;
    size_t n_headers;
    const void *body;
    const struct rec_aws_body_source *body_source; /* instead of body: read as sent
                                    (aws/http.h); needs payload_hash */
    size_t body_len;             /* bytes */
    const char *payload_hash;    /* NULL: SHA-256 of body; "UNSIGNED-PAYLOAD"; or
                                    a precomputed hex SHA-256 */
    rec_aws_body_fn on_body;     /* NULL: a 2xx body is collected (capped) */
    void *user;
    size_t max_response_bytes;   /* 0: the client's cap */
    int64_t deadline_ms;         /* absolute Unix epoch ms; 0: none */
};

/* Errors as described at the top; REC_ERR_INVALID (nothing sent) for a bad
 * bucket or a key longer than REC_S3_KEY_MAX bytes. */
int rec_s3_send(struct rec_s3_client *s3, const struct rec_s3_request *req,
                struct rec_aws_response *resp, struct rec_error *err);

/* What describes a new object, sent by PutObject and CreateMultipartUpload
 * alike. Strings borrowed. */
struct rec_s3_put_options {
    const char *content_type;    /* NULL: none sent (S3 stores binary/octet-stream) */
    const struct rec_aws_header *metadata; /* user metadata: names without the
                                    x-amz-meta- prefix; printable ASCII values only
                                    (S3 stores metadata as US-ASCII) */
    size_t n_metadata;           /* at most 60 */
    const char *sse;             /* NULL, "AES256" or "aws:kms" ("Protecting data
                                    with server-side encryption") */
    const char *sse_kms_key_id;  /* with "aws:kms": key id or ARN, or NULL */
    const char *acl;             /* canned ACL (x-amz-acl), NULL: none (private) */
    int64_t deadline_ms;         /* absolute Unix epoch ms; 0: none */
};

/* PutObject: len bytes at data become the object. opt may be NULL.
 * resp->request_id and the ETag header tell what was stored.
 * REC_ERR_INVALID (nothing sent) for options S3 would refuse or not store
 * (non-ASCII metadata, bad names, an unknown sse, a KMS key without
 * aws:kms). */
int rec_s3_put_object(struct rec_s3_client *s3, const char *bucket, const char *key,
                      const void *data, size_t len, const struct rec_s3_put_options *opt,
                      struct rec_aws_response *resp, struct rec_error *err);

/* A PutObject or UploadPart body: len bytes in memory at data, or read as
 * they are sent from source (aws/http.h's rec_aws_body_source: a part
 * spooled to a file is never held in memory) with their SHA-256 known
 * beforehand (sha256_hex, lower-case hex, signed as x-amz-content-sha256;
 * S3 refuses a body that does not match it with XAmzContentSHA256Mismatch).
 * Borrowed for the call. */
struct rec_s3_body {
    const void *data;
    const struct rec_aws_body_source *source;
    size_t len;                  /* bytes */
    const char *sha256_hex;      /* NULL: computed from data; required with source */
};

/* PutObject of body, as rec_s3_put_object; REC_ERR_INVALID (nothing sent)
 * also for a source without sha256_hex. */
int rec_s3_put_object_body(struct rec_s3_client *s3, const char *bucket, const char *key,
                           const struct rec_s3_body *body, const struct rec_s3_put_options *opt,
                           struct rec_aws_response *resp, struct rec_error *err);

/* GetObject into resp->body, at most max_bytes (0: the client's cap);
 * REC_ERR_LIMIT (not retriable) when the object is larger. */
int rec_s3_get_object(struct rec_s3_client *s3, const char *bucket, const char *key,
                      size_t max_bytes, int64_t deadline_ms, struct rec_aws_response *resp,
                      struct rec_error *err);

/* HeadObject: 0 when the object exists (its headers in resp: Content-Length,
 * ETag, x-amz-meta-*), REC_ERR_NOT_FOUND when it does not. */
int rec_s3_head_object(struct rec_s3_client *s3, const char *bucket, const char *key,
                       int64_t deadline_ms, struct rec_aws_response *resp, struct rec_error *err);

/* A presigned GetObject URL for bucket/key (addressed as rec_s3_send
 * would: virtual-hosted, or path style on an overridden endpoint), valid
 * expires_s seconds (1..604800) from now_ms (epoch ms). Rule source: Amazon
 * S3 API Reference, "Authenticating Requests: Using Query Parameters (AWS
 * Signature Version 4)". The URL grants the read to whoever holds it: the
 * caller wipes url (rec_buf_clean_up(url, 1)). Replaces url's contents.
 * Returns 0 or, with err filled (not retriable), REC_ERR_INVALID (bad
 * bucket, empty or over-long key, bad expiry), REC_ERR_LIMIT, REC_ERR_NOMEM.
 * Nothing is sent: expiry and the signer's session are checked by S3 at
 * use. */
int rec_s3_presign_get(struct rec_s3_client *s3, const char *bucket, const char *key, uint32_t expires_s,
                       int64_t now_ms, struct rec_buf *url, struct rec_error *err);

/* ---- multipart upload ---- */

/* One multipart upload, in the caller's storage. */
struct rec_s3_multipart {
    const char *bucket;                    /* borrowed while the upload is used */
    const char *key;                       /* borrowed; raw */
    int64_t deadline_ms;                   /* for each call; absolute epoch ms, 0: none */
    char upload_id[REC_S3_UPLOAD_ID_MAX];  /* "" until created */
};

/* A part as CompleteMultipartUpload lists it. */
struct rec_s3_completed_part {
    unsigned number;                       /* 1..REC_S3_MAX_PARTS */
    char etag[REC_S3_ETAG_MAX];            /* UploadPart's ETag, quotes included */
};

/* CreateMultipartUpload with opt's description of the object (opt may be
 * NULL; its deadline_ms is not used: up->deadline_ms is). Fills
 * up->upload_id. REC_ERR_INVALID as rec_s3_put_object, or (retriable) for
 * an answer without an UploadId that fits. */
int rec_s3_create_multipart_upload(struct rec_s3_client *s3, struct rec_s3_multipart *up,
                                   const struct rec_s3_put_options *opt,
                                   struct rec_aws_response *resp, struct rec_error *err);

/* UploadPart: body (every part but the last at least 5 MiB, S3's rule,
 * checked by S3) as part number (1..REC_S3_MAX_PARTS) of up. Copies the
 * part's ETag into out->etag and number into out->number.
 * REC_ERR_INVALID for a number out of range or a source without
 * sha256_hex (nothing sent), or (retriable) for an answer without an ETag
 * that fits. */
int rec_s3_upload_part_body(struct rec_s3_client *s3, const struct rec_s3_multipart *up,
                            unsigned number, const struct rec_s3_body *body,
                            struct rec_s3_completed_part *out, struct rec_aws_response *resp,
                            struct rec_error *err);

/* CompleteMultipartUpload with the n parts in ascending number order (S3
 * refuses another order). A 200 answer whose body is an <Error> is a
 * failure: REC_ERR_AWS, retriable (the API reference says to retry).
 * REC_ERR_INVALID (nothing sent) for no parts or more than REC_S3_MAX_PARTS. */
int rec_s3_complete_multipart_upload(struct rec_s3_client *s3, const struct rec_s3_multipart *up,
                                     const struct rec_s3_completed_part *parts, size_t n,
                                     struct rec_aws_response *resp, struct rec_error *err);

/* AbortMultipartUpload: the parts uploaded so far are freed (S3 stops
 * charging for them). */
int rec_s3_abort_multipart_upload(struct rec_s3_client *s3, const struct rec_s3_multipart *up,
                                  struct rec_aws_response *resp, struct rec_error *err);

#endif

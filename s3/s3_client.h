/*
 * A minimal Amazon S3 client over the signed request layer (aws/http.h):
 * PutObject from memory, GetObject into memory, HeadObject, and a generic
 * rec_s3_send for other object and bucket operations (the multipart uploader
 * builds CreateMultipartUpload, UploadPart, CompleteMultipartUpload and
 * AbortMultipartUpload on it: each part is a body in the caller's memory,
 * sent without a copy and resent as is on a retry).
 *
 * Addressing (Amazon S3 User Guide, "Virtual hosting of buckets"):
 * virtual-hosted style (https://BUCKET.s3.REGION.amazonaws.com/KEY) by
 * default; path style (ENDPOINT/BUCKET/KEY) when the endpoint is overridden
 * (AWS_ENDPOINT_URL_S3 or AWS_ENDPOINT_URL: local stand-ins have no
 * per-bucket DNS) or the bucket name is not a DNS label TLS can cover (dots,
 * upper case, underscores).
 * Keys are sent URI-encoded once, '/' kept, as the S3 API Reference requires.
 *
 * Errors: as rec_aws_send, except that an answer of 404 (NoSuchKey,
 * NoSuchBucket, or a HEAD 404) returns REC_ERR_NOT_FOUND.
 */
#ifndef REC_S3_S3_CLIENT_H
#define REC_S3_S3_CLIENT_H

#include <stddef.h>
#include <stdint.h>

#include "aws/http.h"

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
 * rec_aws_client_new. Destroy with rec_s3_client_destroy. */
int rec_s3_client_new(struct rec_s3_client **out, const struct rec_s3_config *cfg);
void rec_s3_client_destroy(struct rec_s3_client *s3);

/* Non-zero when requests for this bucket use path-style addressing. */
int rec_s3_uses_path_style(const struct rec_s3_client *s3, const char *bucket);

/* Generic request on a bucket or object. */
struct rec_s3_request {
    const char *method;          /* "GET", "PUT", "POST", "HEAD", "DELETE" */
    const char *bucket;          /* 3-63 characters of a-z 0-9 . - (S3 naming rules) */
    const char *key;             /* raw object key (UTF-8, not encoded), NULL or ""
                                    for a bucket operation */
    const char *query;           /* wire query without '?', e.g. "uploads",
                                    "partNumber=3&uploadId=..." (values encoded by
                                    the caller, sigv4_uri_encode); NULL for none */
    const struct rec_aws_header *headers;
    size_t n_headers;
    const void *body;            /* borrowed for the call */
    size_t body_len;             /* bytes */
    const char *payload_hash;    /* NULL: SHA-256 of body; "UNSIGNED-PAYLOAD"; or
                                    a precomputed hex SHA-256 */
    rec_aws_body_fn on_body;     /* NULL: a 2xx body is collected (capped) */
    void *user;
    size_t max_response_bytes;   /* 0: the client's cap */
    int64_t deadline_ms;         /* absolute Unix epoch ms; 0: none */
};

/* Errors as described at the top of this file; REC_ERR_INVALID for a bad
 * bucket or key (empty bucket, key longer than 1024 bytes). */
int rec_s3_send(struct rec_s3_client *s3, const struct rec_s3_request *req,
                struct rec_aws_response *resp);

struct rec_s3_put_options {
    const char *content_type;    /* NULL: none sent (S3 stores binary/octet-stream) */
    const struct rec_aws_header *metadata; /* user metadata: names without the
                                    x-amz-meta- prefix; printable ASCII values only
                                    (S3 stores metadata as US-ASCII) */
    size_t n_metadata;
    const char *sse;             /* NULL, "AES256" or "aws:kms" */
    const char *sse_kms_key_id;  /* with "aws:kms": key id or ARN, or NULL */
    int64_t deadline_ms;         /* absolute Unix epoch ms; 0: none */
};

/* PutObject: len bytes at data (borrowed, not copied) become the object.
 * opt may be NULL. resp->request_id and the ETag header tell what was
 * stored. Returns 0 or as rec_s3_send; REC_ERR_INVALID for metadata S3
 * would not store (non-ASCII, control characters, bad names). */
int rec_s3_put_object(struct rec_s3_client *s3, const char *bucket, const char *key,
                      const void *data, size_t len, const struct rec_s3_put_options *opt,
                      struct rec_aws_response *resp);

/* GetObject into resp->body, at most max_bytes (0: the client's cap);
 * REC_ERR_LIMIT (not retriable) when the object is larger. */
int rec_s3_get_object(struct rec_s3_client *s3, const char *bucket, const char *key,
                      size_t max_bytes, int64_t deadline_ms, struct rec_aws_response *resp);

/* HeadObject: 0 when the object exists (its headers in resp: Content-Length,
 * ETag, x-amz-meta-*), REC_ERR_NOT_FOUND when it does not. */
int rec_s3_head_object(struct rec_s3_client *s3, const char *bucket, const char *key,
                       int64_t deadline_ms, struct rec_aws_response *resp);

#endif

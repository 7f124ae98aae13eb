#include "services/s3_client.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws/error_parse.h"
#include "common/buf.h"
#include "services/service.h"
#include "sigv4/uri_encode.h"

#define MAX_OBJECT_HEADERS 64
/* Content-Type, encryption, KMS key, ACL: the rest may be metadata */
#define MAX_METADATA (MAX_OBJECT_HEADERS - 4)
#define BAD_OBJECT "no key, or metadata S3 would not store, or an unknown encryption"

struct rec_s3_client {
    struct rec_aws_client *http;
    int force_path_style;
};

int rec_s3_client_new(struct rec_s3_client **out, const struct rec_s3_config *cfg)
{
    static const struct rec_s3_config none;
    if (!cfg)
        cfg = &none;
    struct rec_s3_client *s3 = calloc(1, sizeof(*s3));
    if (!s3)
        return REC_ERR_NOMEM;
    struct service_options opt = {
        .region = cfg->region,
        .credentials = cfg->credentials,
        .endpoint_url = cfg->endpoint_url,
        .max_response_bytes = cfg->max_response_bytes,
        .retry = cfg->retry,
    };
    int rc = service_client_new(&s3->http, "S3", "s3", 1, &opt);
    if (rc) {
        free(s3);
        return rc;
    }
    s3->force_path_style = cfg->force_path_style;
    *out = s3;
    return 0;
}

void rec_s3_client_destroy(struct rec_s3_client *s3)
{
    if (!s3)
        return;
    rec_aws_client_destroy(s3->http);
    free(s3);
}

/* S3 bucket naming rules (S3 User Guide, "Bucket naming rules"), loosely:
 * what matters here is that the name is safe in a path and a host. */
static int bucket_valid(const char *b)
{
    size_t n = b ? strlen(b) : 0;
    if (n < 3 || n > 63)
        return 0;
    for (size_t i = 0; i < n; i++) {
        char c = b[i];
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '-'))
            return 0;
    }
    return b[0] != '.' && b[0] != '-' && b[n - 1] != '.' && b[n - 1] != '-';
}

int rec_s3_uses_path_style(const struct rec_s3_client *s3, const char *bucket)
{
    /* dots would put the bucket in several DNS labels, which the
     * *.s3.REGION.amazonaws.com certificate does not cover */
    return s3->force_path_style || rec_aws_client_endpoint(s3->http)->overridden ||
           strchr(bucket, '.') != NULL;
}

static int invalid(struct rec_error *err, const char *operation, const char *why)
{
    rec_error_set(err, REC_ERR_INVALID, 0, "%s: %s", operation, why);
    return REC_ERR_INVALID;
}

/* Where a bucket's object is on the wire: the path ("/bucket/key" path
 * style, "/key" virtual-hosted with "bucket." as host prefix), the key
 * encoded once with '/' kept (S3's rule). */
static int address(const struct rec_s3_client *s3, const char *bucket, const char *key,
                   struct rec_buf *path, struct rec_buf *prefix, int *path_style)
{
    int rc = 0;
    *path_style = rec_s3_uses_path_style(s3, bucket);
    if (*path_style)
        REC_TRY(rec_buf_printf(path, "/%s", bucket));
    else
        REC_TRY(rec_buf_printf(prefix, "%s.", bucket));
    if (*key || !*path_style) /* a path-style bucket operation is "/bucket" */
        REC_TRY(rec_buf_append(path, "/", 1));
    rc = sigv4_uri_encode(path, key, strlen(key), 1);
cleanup:
    return rc;
}

int rec_s3_send(struct rec_s3_client *s3, const struct rec_s3_request *req,
                struct rec_aws_response *resp, struct rec_error *err)
{
    int rc = 0;
    const char *op = req->operation ? req->operation : req->method;
    const char *key = req->key ? req->key : "";
    struct rec_buf path, prefix;
    rec_buf_init(&path, 4 * REC_S3_KEY_MAX + 128);
    rec_buf_init(&prefix, 128);
    if (!bucket_valid(req->bucket) || strlen(key) > REC_S3_KEY_MAX) {
        rc = invalid(err, op, "bad bucket name or key");
        goto cleanup;
    }
    int path_style = 0;
    REC_TRY(address(s3, req->bucket, key, &path, &prefix, &path_style));
    struct rec_aws_request hr = {
        .method = req->method,
        .host_prefix = path_style ? NULL : prefix.data,
        .path = path.data,
        .query = req->query,
        .headers = req->headers,
        .n_headers = req->n_headers,
        .body = req->body,
        .body_source = req->body_source,
        .body_len = req->body_len,
        .payload_hash = req->payload_hash,
        .on_body = req->on_body,
        .user = req->user,
        .max_response_bytes = req->max_response_bytes,
        .deadline_ms = req->deadline_ms,
    };
    rc = rec_aws_send(s3->http, &hr, resp);
    if (rc == REC_ERR_AWS && resp->status == 404)
        rc = REC_ERR_NOT_FOUND;
    rec_aws_error_from_send(err, op, rc, resp);
cleanup:
    /* a failure before sending (resp is not this call's); the first recorded wins */
    rec_aws_error_from_send(err, op, rc, NULL);
    rec_buf_clean_up(&path, 0);
    rec_buf_clean_up(&prefix, 0);
    return rc;
}

static int metadata_ok(const struct rec_aws_header *m)
{
    if (!m->name || !*m->name || !m->value || strlen(m->name) > 200)
        return 0;
    for (const char *p = m->name; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
              *p == '-' || *p == '_'))
            return 0;
    for (const unsigned char *p = (const unsigned char *)m->value; *p; p++)
        if (*p < 0x20 || *p >= 0x7f)
            return 0;
    return 1;
}

/* The headers that describe a new object, for PutObject and
 * CreateMultipartUpload (their API pages list the same ones). */
struct object_headers {
    struct rec_aws_header h[MAX_OBJECT_HEADERS];
    size_t n;
    char *names; /* one allocation holds every "x-amz-meta-NAME" */
};

static int options_ok(const struct rec_s3_put_options *opt)
{
    if (opt->n_metadata > MAX_METADATA || (opt->n_metadata && !opt->metadata) ||
        (opt->sse && strcmp(opt->sse, "AES256") != 0 && strcmp(opt->sse, "aws:kms") != 0) ||
        (opt->sse_kms_key_id && (!opt->sse || strcmp(opt->sse, "aws:kms") != 0)))
        return 0;
    for (size_t i = 0; i < opt->n_metadata; i++)
        if (!metadata_ok(&opt->metadata[i]))
            return 0;
    return 1;
}

/* Fills oh from opt (NULL: none). Returns 0, REC_ERR_INVALID or
 * REC_ERR_NOMEM; clean up with object_headers_clean_up either way. */
static int object_headers_build(const struct rec_s3_put_options *opt, struct object_headers *oh)
{
    oh->n = 0;
    oh->names = NULL;
    if (!opt)
        return 0;
    if (!options_ok(opt))
        return REC_ERR_INVALID;
    if (opt->content_type)
        oh->h[oh->n++] = (struct rec_aws_header){ "Content-Type", opt->content_type };
    if (opt->sse)
        oh->h[oh->n++] = (struct rec_aws_header){ "x-amz-server-side-encryption", opt->sse };
    if (opt->sse_kms_key_id)
        oh->h[oh->n++] = (struct rec_aws_header){ "x-amz-server-side-encryption-aws-kms-key-id",
                                                  opt->sse_kms_key_id };
    if (opt->acl)
        oh->h[oh->n++] = (struct rec_aws_header){ "x-amz-acl", opt->acl };
    size_t names_len = 0;
    for (size_t i = 0; i < opt->n_metadata; i++)
        names_len += strlen("x-amz-meta-") + strlen(opt->metadata[i].name) + 1;
    if (names_len && !(oh->names = malloc(names_len)))
        return REC_ERR_NOMEM;
    char *w = oh->names;
    for (size_t i = 0; i < opt->n_metadata; i++) {
        size_t k = (size_t)sprintf(w, "x-amz-meta-%s", opt->metadata[i].name);
        oh->h[oh->n++] = (struct rec_aws_header){ w, opt->metadata[i].value };
        w += k + 1;
    }
    return 0;
}

static void object_headers_clean_up(struct object_headers *oh)
{
    free(oh->names);
    oh->names = NULL;
}

int rec_s3_put_object(struct rec_s3_client *s3, const char *bucket, const char *key,
                      const void *data, size_t len, const struct rec_s3_put_options *opt,
                      struct rec_aws_response *resp, struct rec_error *err)
{
    struct rec_s3_body body = { .data = data, .len = len };
    return rec_s3_put_object_body(s3, bucket, key, &body, opt, resp, err);
}

int rec_s3_put_object_body(struct rec_s3_client *s3, const char *bucket, const char *key,
                           const struct rec_s3_body *body, const struct rec_s3_put_options *opt,
                           struct rec_aws_response *resp, struct rec_error *err)
{
    struct object_headers oh;
    int rc = object_headers_build(opt, &oh);
    if (!rc && (!key || !*key))
        rc = REC_ERR_INVALID;
    if (rc == REC_ERR_INVALID)
        invalid(err, "PutObject", BAD_OBJECT);
    if (!rc) {
        struct rec_s3_request req = {
            .operation = "PutObject", .method = "PUT", .bucket = bucket, .key = key,
            .headers = oh.h, .n_headers = oh.n, .body = body->data, .body_source = body->source,
            .body_len = body->len, .payload_hash = body->sha256_hex,
            .deadline_ms = opt ? opt->deadline_ms : 0,
        };
        rc = rec_s3_send(s3, &req, resp, err);
    }
    rec_aws_error_from_send(err, "PutObject", rc, NULL);
    object_headers_clean_up(&oh);
    return rc;
}

int rec_s3_get_object(struct rec_s3_client *s3, const char *bucket, const char *key,
                      size_t max_bytes, int64_t deadline_ms, struct rec_aws_response *resp,
                      struct rec_error *err)
{
    if (!key || !*key)
        return invalid(err, "GetObject", "no key");
    struct rec_s3_request req = {
        .operation = "GetObject", .method = "GET", .bucket = bucket, .key = key,
        .max_response_bytes = max_bytes, .deadline_ms = deadline_ms,
    };
    return rec_s3_send(s3, &req, resp, err);
}

int rec_s3_head_object(struct rec_s3_client *s3, const char *bucket, const char *key,
                       int64_t deadline_ms, struct rec_aws_response *resp, struct rec_error *err)
{
    if (!key || !*key)
        return invalid(err, "HeadObject", "no key");
    struct rec_s3_request req = {
        .operation = "HeadObject", .method = "HEAD", .bucket = bucket, .key = key,
        .deadline_ms = deadline_ms,
    };
    return rec_s3_send(s3, &req, resp, err);
}

/* ---- multipart upload ---- */

/* "partNumber=N&uploadId=ID" (number 0: "uploadId=ID"), the id encoded. */
static int multipart_query(const struct rec_s3_multipart *up, unsigned number, struct rec_buf *q)
{
    int rc = 0;
    if (number)
        REC_TRY(rec_buf_printf(q, "partNumber=%u&", number));
    REC_TRY(rec_buf_append_str(q, "uploadId="));
    rc = sigv4_uri_encode(q, up->upload_id, strlen(up->upload_id), 0);
cleanup:
    return rc;
}

/* The text of <name>...</name> in an XML answer into out (cap bytes).
 * Returns 0, or REC_ERR_INVALID when it is missing, empty or too long. */
static int xml_element(const struct rec_aws_response *resp, const char *name, char *out, size_t cap)
{
    char open[64], close[64];
    snprintf(open, sizeof(open), "<%s>", name);
    snprintf(close, sizeof(close), "</%s>", name);
    const char *body = resp->body.data ? resp->body.data : "";
    const char *a = strstr(body, open);
    const char *b = a ? strstr(a, close) : NULL;
    if (!a || !b)
        return REC_ERR_INVALID;
    a += strlen(open);
    if (b == a || (size_t)(b - a) >= cap)
        return REC_ERR_INVALID;
    memcpy(out, a, (size_t)(b - a));
    out[b - a] = '\0';
    return 0;
}

/* A 2xx answer that is not what the API promises: retriable, as S3 may
 * answer right next time. */
static int bad_answer(struct rec_error *err, const char *operation, const char *what,
                      const struct rec_aws_response *resp)
{
    rec_error_set(err, REC_ERR_INVALID, 1, "%s: %ld answer without %s (request id %s)", operation,
                  resp->status, what, resp->request_id);
    return REC_ERR_INVALID;
}

int rec_s3_create_multipart_upload(struct rec_s3_client *s3, struct rec_s3_multipart *up,
                                   const struct rec_s3_put_options *opt,
                                   struct rec_aws_response *resp, struct rec_error *err)
{
    struct object_headers oh;
    up->upload_id[0] = '\0';
    int rc = object_headers_build(opt, &oh);
    if (rc == REC_ERR_INVALID)
        invalid(err, "CreateMultipartUpload", BAD_OBJECT);
    if (rc)
        goto cleanup;
    struct rec_s3_request req = {
        .operation = "CreateMultipartUpload", .method = "POST", .bucket = up->bucket,
        .key = up->key, .query = "uploads=", .headers = oh.h, .n_headers = oh.n,
        .deadline_ms = up->deadline_ms,
    };
    REC_TRY(rec_s3_send(s3, &req, resp, err));
    if (xml_element(resp, "UploadId", up->upload_id, sizeof(up->upload_id)))
        rc = bad_answer(err, "CreateMultipartUpload", "an UploadId", resp);
cleanup:
    rec_aws_error_from_send(err, "CreateMultipartUpload", rc, NULL);
    object_headers_clean_up(&oh);
    return rc;
}

int rec_s3_upload_part_body(struct rec_s3_client *s3, const struct rec_s3_multipart *up,
                            unsigned number, const struct rec_s3_body *body,
                            struct rec_s3_completed_part *out, struct rec_aws_response *resp,
                            struct rec_error *err)
{
    int rc = 0;
    struct rec_buf q;
    rec_buf_init(&q, 4 * REC_S3_UPLOAD_ID_MAX + 64);
    if (number < 1 || number > REC_S3_MAX_PARTS) {
        rc = invalid(err, "UploadPart", "part number out of 1..10000");
        goto cleanup;
    }
    REC_TRY(multipart_query(up, number, &q));
    struct rec_s3_request req = {
        .operation = "UploadPart", .method = "PUT", .bucket = up->bucket, .key = up->key,
        .query = q.data, .body = body->data, .body_source = body->source, .body_len = body->len,
        .payload_hash = body->sha256_hex, .deadline_ms = up->deadline_ms,
    };
    REC_TRY(rec_s3_send(s3, &req, resp, err));
    const char *etag = rec_aws_response_header(resp, "ETag");
    if (!etag || !*etag || strlen(etag) >= sizeof(out->etag)) {
        rc = bad_answer(err, "UploadPart", "an ETag", resp);
        goto cleanup;
    }
    memcpy(out->etag, etag, strlen(etag) + 1);
    out->number = number;
cleanup:
    rec_aws_error_from_send(err, "UploadPart", rc, NULL);
    rec_buf_clean_up(&q, 0);
    return rc;
}

/* <CompleteMultipartUpload> listing the parts. */
static int completion_xml(const struct rec_s3_completed_part *parts, size_t n, struct rec_buf *xml)
{
    int rc = 0;
    REC_TRY(rec_buf_append_str(xml, "<CompleteMultipartUpload xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"));
    for (size_t i = 0; i < n; i++)
        REC_TRY(rec_buf_printf(xml, "<Part><PartNumber>%u</PartNumber><ETag>%s</ETag></Part>",
                               parts[i].number, parts[i].etag));
    rc = rec_buf_append_str(xml, "</CompleteMultipartUpload>");
cleanup:
    return rc;
}

int rec_s3_complete_multipart_upload(struct rec_s3_client *s3, const struct rec_s3_multipart *up,
                                     const struct rec_s3_completed_part *parts, size_t n,
                                     struct rec_aws_response *resp, struct rec_error *err)
{
    int rc = 0;
    struct rec_buf xml, q;
    rec_buf_init(&xml, (size_t)REC_S3_MAX_PARTS * (REC_S3_ETAG_MAX + 64) + 128);
    rec_buf_init(&q, 4 * REC_S3_UPLOAD_ID_MAX + 64);
    if (n == 0 || n > REC_S3_MAX_PARTS) {
        rc = invalid(err, "CompleteMultipartUpload", "no parts, or more than 10,000");
        goto cleanup;
    }
    REC_TRY(completion_xml(parts, n, &xml));
    REC_TRY(multipart_query(up, 0, &q));
    static const struct rec_aws_header h[] = { { "Content-Type", "application/xml" } };
    struct rec_s3_request req = {
        .operation = "CompleteMultipartUpload", .method = "POST", .bucket = up->bucket,
        .key = up->key, .query = q.data, .headers = h, .n_headers = 1, .body = xml.data,
        .body_len = xml.len, .deadline_ms = up->deadline_ms,
    };
    REC_TRY(rec_s3_send(s3, &req, resp, err));
    if (resp->body.data && strstr(resp->body.data, "<Error>")) {
        /* S3 may answer 200 and still fail the completion in the body */
        rec_aws_parse_error(NULL, resp->body.data, resp->body.len, resp->error_code,
                            sizeof(resp->error_code), resp->error_message, sizeof(resp->error_message));
        resp->retriable = 1;
        rc = REC_ERR_AWS;
        rec_aws_error_from_send(err, "CompleteMultipartUpload", rc, resp);
    }
cleanup:
    rec_aws_error_from_send(err, "CompleteMultipartUpload", rc, NULL);
    rec_buf_clean_up(&xml, 0);
    rec_buf_clean_up(&q, 0);
    return rc;
}

int rec_s3_abort_multipart_upload(struct rec_s3_client *s3, const struct rec_s3_multipart *up,
                                  struct rec_aws_response *resp, struct rec_error *err)
{
    int rc = 0;
    struct rec_buf q;
    rec_buf_init(&q, 4 * REC_S3_UPLOAD_ID_MAX + 64);
    REC_TRY(multipart_query(up, 0, &q));
    struct rec_s3_request req = {
        .operation = "AbortMultipartUpload", .method = "DELETE", .bucket = up->bucket,
        .key = up->key, .query = q.data, .deadline_ms = up->deadline_ms,
    };
    rc = rec_s3_send(s3, &req, resp, err);
cleanup:
    rec_aws_error_from_send(err, "AbortMultipartUpload", rc, NULL);
    rec_buf_clean_up(&q, 0);
    return rc;
}

int rec_s3_presign_get(struct rec_s3_client *s3, const char *bucket, const char *key, uint32_t expires_s,
                       int64_t now_ms, struct rec_buf *url, struct rec_error *err)
{
    int rc = 0;
    struct rec_buf path, prefix;
    rec_buf_init(&path, 4 * REC_S3_KEY_MAX + 128);
    rec_buf_init(&prefix, 128);
    if (!bucket_valid(bucket) || !*key || strlen(key) > REC_S3_KEY_MAX) {
        rc = invalid(err, "presigned GetObject", "bad bucket name or key");
        goto cleanup;
    }
    int path_style = 0;
    REC_TRY(address(s3, bucket, key, &path, &prefix, &path_style));
    struct rec_aws_request hr = { .method = "GET", .host_prefix = path_style ? NULL : prefix.data,
                                  .path = path.data };
    REC_TRY(rec_aws_presign_url(s3->http, &hr, now_ms, expires_s, url));
cleanup:
    if (rc)
        rec_error_set(err, rc, 0, "presigned GetObject %s: %s", key, rec_strerror(rc));
    rec_buf_clean_up(&path, 0);
    rec_buf_clean_up(&prefix, 0);
    return rc;
}

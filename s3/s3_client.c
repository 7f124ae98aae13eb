#include "s3/s3_client.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/error.h"
#include "sigv4/uri_encode.h"

#define S3_KEY_MAX 1024 /* bytes of UTF-8, S3 object key limit */
#define MAX_PUT_HEADERS 64

struct rec_s3_client {
    struct rec_aws_client *http;
    int force_path_style;
};

int rec_s3_client_new(struct rec_s3_client **out, const struct rec_s3_config *cfg)
{
    struct rec_s3_config none = { 0 };
    if (!cfg)
        cfg = &none;
    struct rec_s3_client *s3 = calloc(1, sizeof(*s3));
    if (!s3)
        return REC_ERR_NOMEM;
    struct rec_aws_client_config hc = {
        .service_id = "S3",
        .signing_name = "s3",
        .region = cfg->region,
        .credentials = cfg->credentials,
        .endpoint_url = cfg->endpoint_url,
        .s3 = 1,
        .max_response_bytes = cfg->max_response_bytes,
        .retry = cfg->retry,
    };
    int rc = rec_aws_client_new(&s3->http, &hc);
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

static int is_404(const struct rec_aws_response *resp)
{
    return resp->status == 404;
}

int rec_s3_send(struct rec_s3_client *s3, const struct rec_s3_request *req,
                struct rec_aws_response *resp)
{
    int rc = 0;
    struct rec_buf path, prefix;
    rec_buf_init(&path, 4 * S3_KEY_MAX + 128);
    rec_buf_init(&prefix, 128);
    const char *key = req->key ? req->key : "";
    if (!bucket_valid(req->bucket) || strlen(key) > S3_KEY_MAX) {
        rc = REC_ERR_INVALID;
        goto cleanup;
    }
    int path_style = rec_s3_uses_path_style(s3, req->bucket);
    if (path_style)
        REC_TRY(rec_buf_printf(&path, "/%s", req->bucket));
    else
        REC_TRY(rec_buf_printf(&prefix, "%s.", req->bucket));
    if (*key || !path_style) /* a path-style bucket operation is "/bucket" */
        REC_TRY(rec_buf_append(&path, "/", 1));
    REC_TRY(sigv4_uri_encode(&path, key, strlen(key), 1));
    struct rec_aws_request hr = {
        .method = req->method,
        .host_prefix = path_style ? NULL : prefix.data,
        .path = path.data,
        .query = req->query,
        .headers = req->headers,
        .n_headers = req->n_headers,
        .body = req->body,
        .body_len = req->body_len,
        .payload_hash = req->payload_hash,
        .on_body = req->on_body,
        .user = req->user,
        .max_response_bytes = req->max_response_bytes,
        .deadline_ms = req->deadline_ms,
    };
    rc = rec_aws_send(s3->http, &hr, resp);
    if (rc == REC_ERR_AWS && is_404(resp))
        rc = REC_ERR_NOT_FOUND;
cleanup:
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

int rec_s3_put_object(struct rec_s3_client *s3, const char *bucket, const char *key,
                      const void *data, size_t len, const struct rec_s3_put_options *opt,
                      struct rec_aws_response *resp)
{
    struct rec_s3_put_options none = { 0 };
    if (!opt)
        opt = &none;
    int rc = 0;
    struct rec_aws_header h[MAX_PUT_HEADERS];
    char *names = NULL;
    size_t n = 0;
    if (!key || !*key || opt->n_metadata > MAX_PUT_HEADERS - 3 ||
        (opt->n_metadata && !opt->metadata) ||
        (opt->sse && strcmp(opt->sse, "AES256") != 0 && strcmp(opt->sse, "aws:kms") != 0) ||
        (opt->sse_kms_key_id && (!opt->sse || strcmp(opt->sse, "aws:kms") != 0))) {
        rc = REC_ERR_INVALID;
        goto cleanup;
    }
    if (opt->content_type)
        h[n++] = (struct rec_aws_header){ "Content-Type", opt->content_type };
    if (opt->sse)
        h[n++] = (struct rec_aws_header){ "x-amz-server-side-encryption", opt->sse };
    if (opt->sse_kms_key_id)
        h[n++] = (struct rec_aws_header){ "x-amz-server-side-encryption-aws-kms-key-id",
                                          opt->sse_kms_key_id };
    /* one allocation holds every "x-amz-meta-NAME" */
    size_t names_len = 0;
    for (size_t i = 0; i < opt->n_metadata; i++) {
        if (!metadata_ok(&opt->metadata[i])) {
            rc = REC_ERR_INVALID;
            goto cleanup;
        }
        names_len += strlen("x-amz-meta-") + strlen(opt->metadata[i].name) + 1;
    }
    if (names_len && !(names = malloc(names_len))) {
        rc = REC_ERR_NOMEM;
        goto cleanup;
    }
    char *w = names;
    for (size_t i = 0; i < opt->n_metadata; i++) {
        size_t k = (size_t)sprintf(w, "x-amz-meta-%s", opt->metadata[i].name);
        h[n++] = (struct rec_aws_header){ w, opt->metadata[i].value };
        w += k + 1;
    }
    struct rec_s3_request req = {
        .method = "PUT", .bucket = bucket, .key = key, .headers = h, .n_headers = n,
        .body = data, .body_len = len, .deadline_ms = opt->deadline_ms,
    };
    rc = rec_s3_send(s3, &req, resp);
cleanup:
    free(names);
    return rc;
}

int rec_s3_get_object(struct rec_s3_client *s3, const char *bucket, const char *key,
                      size_t max_bytes, int64_t deadline_ms, struct rec_aws_response *resp)
{
    if (!key || !*key)
        return REC_ERR_INVALID;
    struct rec_s3_request req = {
        .method = "GET", .bucket = bucket, .key = key, .max_response_bytes = max_bytes,
        .deadline_ms = deadline_ms,
    };
    return rec_s3_send(s3, &req, resp);
}

int rec_s3_head_object(struct rec_s3_client *s3, const char *bucket, const char *key,
                       int64_t deadline_ms, struct rec_aws_response *resp)
{
    if (!key || !*key)
        return REC_ERR_INVALID;
    struct rec_s3_request req = {
        .method = "HEAD", .bucket = bucket, .key = key, .deadline_ms = deadline_ms,
    };
    return rec_s3_send(s3, &req, resp);
}

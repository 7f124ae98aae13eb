/* Request checks and SigV4 signing for the request layer: the header list
 * sent is built from the same values the signer saw, so the canonical
 * request AWS computes matches ours (REFERENCE.md §5: libcurl's own
 * Expect is suppressed and never signed). */
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <openssl/crypto.h>

#include "aws/http_internal.h"
#include "common/error.h"

/* Bytes a wire path or query may hold: printable ASCII except space and '#'. */
static int wire_text_ok(const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if (*p <= 0x20 || *p >= 0x7f || *p == '#')
            return 0;
    return 1;
}

static int host_prefix_ok(const char *s)
{
    size_t n = strlen(s);
    if (n < 2 || s[n - 1] != '.')
        return 0;
    for (size_t i = 0; i + 1 < n; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.'))
            return 0;
    }
    return 1;
}

static int header_forbidden(const char *name)
{
    static const char *const owned[] = { "host", "authorization", "content-length",
                                         "transfer-encoding", "expect" };
    for (size_t i = 0; i < sizeof(owned) / sizeof(owned[0]); i++)
        if (strcasecmp(name, owned[i]) == 0)
            return 1;
    return 0;
}

int http_validate_request(const struct rec_aws_request *req)
{
    if (!req || !req->method || !*req->method || !req->path || req->path[0] != '/' ||
        !wire_text_ok(req->path) || strchr(req->path, '?') ||
        (req->query && !wire_text_ok(req->query)) || (req->body_len && !req->body && !req->body_source) ||
        (req->body_source && (req->body || !req->payload_hash)) ||
        (req->n_headers && !req->headers) || (req->host_prefix && !host_prefix_ok(req->host_prefix)))
        return REC_ERR_INVALID;
    for (const char *p = req->method; *p; p++)
        if (*p < 'A' || *p > 'Z')
            return REC_ERR_INVALID;
    for (size_t i = 0; i < req->n_headers; i++) {
        const struct rec_aws_header *h = &req->headers[i];
        if (!sigv4_header_name_valid(h->name) || header_forbidden(h->name) || !h->value ||
            strpbrk(h->value, "\r\n"))
            return REC_ERR_INVALID;
    }
    return 0;
}

void http_signed_init(struct http_signed *s)
{
    rec_buf_init(&s->url, HTTP_URL_CAP);
    rec_buf_init(&s->host, REC_AWS_HOST_MAX * 2);
    s->headers = NULL;
}

void http_signed_clean_up(struct http_signed *s)
{
    for (struct curl_slist *n = s->headers; n; n = n->next)
        if (n->data)
            OPENSSL_cleanse(n->data, strlen(n->data));
    curl_slist_free_all(s->headers);
    s->headers = NULL;
    rec_buf_clean_up(&s->url, 0);
    rec_buf_clean_up(&s->host, 0);
}

static const char *set_value(const struct sigv4_result *sig, const char *name)
{
    for (size_t i = 0; i < sig->n_set_headers; i++)
        if (strcasecmp(sig->set_headers[i].name, name) == 0)
            return sig->set_headers[i].value;
    return NULL;
}

static int slist_add(struct curl_slist **list, struct rec_buf *line, const char *name,
                     const char *value)
{
    rec_buf_reset(line);
    /* "Name;" is how libcurl sends a header with an empty value; "Name:"
     * would remove it instead */
    int rc = *value ? rec_buf_printf(line, "%s: %s", name, value) : rec_buf_printf(line, "%s;", name);
    if (rc)
        return rc;
    struct curl_slist *n = curl_slist_append(*list, line->data);
    if (!n)
        return REC_ERR_NOMEM;
    *list = n;
    return 0;
}

/* The header list: Host, the caller's headers (unless the signer sets the
 * same name), the signer's, and an empty Expect that stops libcurl adding
 * its own. */
static int build_header_list(const struct rec_aws_request *req, const struct sigv4_result *sig,
                             struct http_signed *s)
{
    int rc = 0;
    struct rec_buf line;
    rec_buf_init(&line, SIGV4_CANONICAL_LIMIT);
    REC_TRY(slist_add(&s->headers, &line, "Host", s->host.data));
    for (size_t i = 0; i < req->n_headers; i++)
        if (!set_value(sig, req->headers[i].name))
            REC_TRY(slist_add(&s->headers, &line, req->headers[i].name, req->headers[i].value));
    for (size_t i = 0; i < sig->n_set_headers; i++)
        REC_TRY(slist_add(&s->headers, &line, sig->set_headers[i].name, sig->set_headers[i].value));
    struct curl_slist *n = curl_slist_append(s->headers, "Expect:");
    if (!n) {
        rc = REC_ERR_NOMEM;
        goto cleanup;
    }
    s->headers = n;
cleanup:
    rec_buf_clean_up(&line, 1); /* held the token and signature */
    return rc;
}

/* The Host value, the path as signed (the endpoint's base path first) and
 * the URL up to the path, shared by header signing and presigning. */
static int http_target(const struct rec_aws_request *req, const struct rec_aws_endpoint *ep,
                       struct http_signed *s, struct rec_buf *signed_path)
{
    int rc = rec_buf_printf(&s->host, "%s%s", req->host_prefix ? req->host_prefix : "", ep->authority);
    if (!rc)
        rc = rec_buf_printf(signed_path, "%s%s", ep->base_path, req->path);
    if (!rc)
        rc = rec_buf_printf(&s->url, "%s://%s%s", ep->scheme, s->host.data, signed_path->data);
    return rc;
}

int http_sign(struct rec_aws_client *c, const struct rec_aws_request *req,
              const struct rec_aws_endpoint *ep, int64_t now_ms, struct http_signed *s)
{
    int rc = 0;
    struct sigv4_header *sh = NULL;
    struct sigv4_result sig;
    struct rec_buf signed_path;
    sigv4_result_init(&sig);
    rec_buf_init(&signed_path, HTTP_URL_CAP);
    REC_TRY(http_target(req, ep, s, &signed_path));
    if (req->query && *req->query)
        REC_TRY(rec_buf_printf(&s->url, "?%s", req->query));
    sh = calloc(req->n_headers + 1, sizeof(*sh));
    if (!sh) {
        rc = REC_ERR_NOMEM;
        goto cleanup;
    }
    sh[0] = (struct sigv4_header){ "Host", s->host.data };
    for (size_t i = 0; i < req->n_headers; i++)
        sh[i + 1] = (struct sigv4_header){ req->headers[i].name, req->headers[i].value };
    struct sigv4_request sreq = {
        .method = req->method,
        .path = signed_path.data,
        .query = req->query,
        .headers = sh,
        .n_headers = req->n_headers + 1,
        .body = req->body,
        .body_len = req->body ? req->body_len : 0, /* a body_source comes with its hash */
        .payload_hash = req->payload_hash,
    };
    struct sigv4_params params = {
        .region = c->region, .service = c->signing_name, .time = (time_t)(now_ms / 1000), .s3 = c->s3,
    };
    REC_TRY(sigv4_sign(c->signer, &sreq, &params, &sig));
    rc = build_header_list(req, &sig, s);
cleanup:
    free(sh);
    sigv4_result_clean_up(&sig);
    rec_buf_clean_up(&signed_path, 0);
    return rc;
}

int rec_aws_presign_url(struct rec_aws_client *c, const struct rec_aws_request *req, int64_t now_ms,
                        uint32_t expires_s, struct rec_buf *url)
{
    if (http_validate_request(req) || req->n_headers || req->body_len || (req->query && *req->query))
        return REC_ERR_INVALID;
    int rc = 0;
    struct sigv4_result sig;
    struct rec_buf signed_path;
    struct http_signed s;
    sigv4_result_init(&sig);
    http_signed_init(&s);
    rec_buf_init(&signed_path, HTTP_URL_CAP);
    REC_TRY(http_target(req, &c->endpoint, &s, &signed_path));
    struct sigv4_header host = { "Host", s.host.data };
    struct sigv4_request sreq = { .method = req->method, .path = signed_path.data, .headers = &host,
                                  .n_headers = 1, .payload_hash = SIGV4_UNSIGNED_PAYLOAD };
    struct sigv4_params params = { .region = c->region, .service = c->signing_name,
                                   .time = (time_t)(now_ms / 1000), .s3 = c->s3, .expires_s = expires_s };
    REC_TRY(sigv4_presign(c->signer, &sreq, &params, &sig));
    rec_buf_reset(url);
    REC_TRY(rec_buf_printf(url, "%s?%s", s.url.data, sig.presigned_query.data));
cleanup:
    sigv4_result_clean_up(&sig);
    http_signed_clean_up(&s);
    rec_buf_clean_up(&signed_path, 0);
    return rc;
}

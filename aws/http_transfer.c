/* The curl side of one attempt: the handle's options and the callbacks that
 * collect headers, collect or stream the body, feed the upload and watch
 * for a stall. */
#include <stdio.h>
#include <string.h>

#include "aws/http_internal.h"
#include "common/clock.h"
#include "common/error.h"

void http_xfer_init(struct http_xfer *x, const struct rec_aws_request *req,
                    struct rec_aws_response *resp, long idle_limit_ms)
{
    memset(x, 0, sizeof(*x));
    x->req = req;
    x->resp = resp;
    x->upload = req->body;
    x->upload_len = req->body_len;
    x->idle_limit_ms = idle_limit_ms;
    x->last_activity_ms = rec_clock_mono_ms();
}

/* curl's own low-speed check averages over a window of seconds, so a burst
 * followed by silence goes unnoticed for long; a reader at the live edge of a
 * stream needs "nothing for N ms" instead. */
static int on_progress(void *userp, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
                       curl_off_t ulnow)
{
    (void)dltotal;
    (void)dlnow;
    (void)ultotal;
    (void)ulnow;
    struct http_xfer *x = userp;
    if (rec_clock_mono_ms() - x->last_activity_ms >= x->idle_limit_ms) {
        x->stalled = 1;
        return 1; /* CURLE_ABORTED_BY_CALLBACK */
    }
    return 0;
}

/* A status line (after 1xx, or the only one) starts the headers over. */
static void on_status_line(struct http_xfer *x, const char *data, size_t len)
{
    const char *sp = memchr(data, ' ', len);
    long status = 0;
    size_t i = sp ? (size_t)(sp - data) + 1 : len;
    for (; i < len && data[i] >= '0' && data[i] <= '9'; i++)
        status = status * 10 + (data[i] - '0');
    x->resp->status = status;
    rec_buf_reset(&x->resp->header_data);
    x->resp->n_headers = 0;
    while (i < len && data[i] == ' ')
        i++;
    size_t rl = len - i < sizeof(x->reason) - 1 ? len - i : sizeof(x->reason) - 1;
    memcpy(x->reason, data + i, rl);
    x->reason[rl] = '\0';
}

static size_t on_header(char *data, size_t size, size_t nmemb, void *userp)
{
    struct http_xfer *x = userp;
    size_t n = size * nmemb;
    size_t len = n;
    x->last_activity_ms = rec_clock_mono_ms();
    while (len && (data[len - 1] == '\n' || data[len - 1] == '\r'))
        len--;
    if (len >= 5 && memcmp(data, "HTTP/", 5) == 0) {
        on_status_line(x, data, len);
        return n;
    }
    const char *colon = memchr(data, ':', len);
    if (!colon || colon == data)
        return n;
    const char *v = colon + 1;
    const char *end = data + len;
    while (v < end && (*v == ' ' || *v == '\t'))
        v++;
    while (end > v && (end[-1] == ' ' || end[-1] == '\t'))
        end--;
    /* One append per field, so a field past the cap is dropped whole (not
     * fatal: we need only a few). curl bounds a header line to 100 KiB. */
    if (rec_buf_printf(&x->resp->header_data, "%.*s%c%.*s%c", (int)(colon - data), data, '\0',
                       (int)(end - v), v, '\0') == 0)
        x->resp->n_headers++;
    return n;
}

static size_t on_write(char *data, size_t size, size_t nmemb, void *userp)
{
    struct http_xfer *x = userp;
    size_t n = size * nmemb;
    struct rec_aws_response *resp = x->resp;
    resp->body_bytes += n;
    x->last_activity_ms = rec_clock_mono_ms();
    if (http_is_2xx(resp->status) && x->req->on_body) {
        int rc = x->req->on_body(x->req->user, (const uint8_t *)data, n);
        if (rc == REC_AWS_STOP) {
            resp->stopped = 1;
            return 0; /* makes curl end the transfer: CURLE_WRITE_ERROR */
        }
        if (rc < 0) {
            x->cb_error = rc;
            return 0;
        }
        return n;
    }
    if (http_is_2xx(resp->status)) {
        if (rec_buf_append(&resp->body, data, n) != 0) {
            x->over_cap = 1;
            return 0;
        }
        return n;
    }
    /* error bodies: keep the head for parsing, drain the rest */
    size_t limit = rec_buf_limit(&resp->body);
    size_t keep = limit < HTTP_ERROR_BODY_CAP ? limit : HTTP_ERROR_BODY_CAP;
    size_t room = resp->body.len < keep ? keep - resp->body.len : 0;
    if (room)
        (void)rec_buf_append(&resp->body, data, n < room ? n : room);
    return n;
}

static size_t on_read(char *buf, size_t size, size_t nmemb, void *userp)
{
    struct http_xfer *x = userp;
    size_t room = size * nmemb;
    size_t left = x->upload_len - x->upload_pos;
    size_t n = left < room ? left : room;
    if (n && x->req->body_source) {
        const struct rec_aws_body_source *src = x->req->body_source;
        int rc = src->read(src->user, x->upload_pos, buf, n);
        if (rc) {
            x->cb_error = rc;
            return CURL_READFUNC_ABORT;
        }
    } else if (n) {
        memcpy(buf, x->upload + x->upload_pos, n);
    }
    if (n)
        x->last_activity_ms = rec_clock_mono_ms();
    x->upload_pos += n;
    return n;
}

static int on_seek(void *userp, curl_off_t offset, int origin)
{
    struct http_xfer *x = userp;
    if (origin != SEEK_SET || offset < 0 || (uint64_t)offset > x->upload_len)
        return CURL_SEEKFUNC_CANTSEEK;
    x->upload_pos = (size_t)offset;
    return CURL_SEEKFUNC_OK;
}

/* The method: HEAD without a body, GET, or the upload path for every method
 * with a body (Content-Length from INFILESIZE, no chunking, no Content-Type
 * of libcurl's choosing). */
static void set_method(CURL *h, const struct rec_aws_request *req, struct http_xfer *x)
{
    if (strcmp(req->method, "HEAD") == 0) {
        curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
    } else if (strcmp(req->method, "GET") == 0 && req->body_len == 0) {
        curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
    } else if (req->body_len > 0 || strcmp(req->method, "PUT") == 0 ||
               strcmp(req->method, "POST") == 0 || strcmp(req->method, "PATCH") == 0) {
        curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
        curl_easy_setopt(h, CURLOPT_READFUNCTION, on_read);
        curl_easy_setopt(h, CURLOPT_READDATA, x);
        curl_easy_setopt(h, CURLOPT_SEEKFUNCTION, on_seek);
        curl_easy_setopt(h, CURLOPT_SEEKDATA, x);
        curl_easy_setopt(h, CURLOPT_INFILESIZE_LARGE, (curl_off_t)req->body_len);
        if (strcmp(req->method, "PUT") != 0)
            curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, req->method);
    } else {
        curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, req->method);
    }
}

void http_setup_handle(struct rec_aws_client *c, const struct rec_aws_request *req,
                       const struct http_signed *s, struct http_xfer *x, int64_t deadline_left_ms)
{
    CURL *h = c->curl;
    curl_easy_reset(h); /* keeps the connection cache */
    curl_easy_setopt(h, CURLOPT_URL, s->url.data);
    /* libcurl would otherwise remove "./" and "../" segments, sending another
     * path than the one signed (S3 keys may hold them) */
    curl_easy_setopt(h, CURLOPT_PATH_AS_IS, 1L);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, s->headers);
    curl_easy_setopt(h, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_1_1);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_USERAGENT, HTTP_USER_AGENT);
#if LIBCURL_VERSION_NUM >= 0x075500
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
#else
    curl_easy_setopt(h, CURLOPT_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L);
    if (c->ca_bundle)
        curl_easy_setopt(h, CURLOPT_CAINFO, c->ca_bundle);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, c->connect_timeout_ms);
    curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, on_progress);
    curl_easy_setopt(h, CURLOPT_XFERINFODATA, x);
    curl_easy_setopt(h, CURLOPT_TCP_KEEPALIVE, 1L);
    if (deadline_left_ms)
        curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, (long)(deadline_left_ms > 0 ? deadline_left_ms : 1));
    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(h, CURLOPT_HEADERDATA, x);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_write);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, x);
    set_method(h, req, x);
    /* curl's own detail ("unable to get local issuer certificate") tells a
     * user far more than its generic code text */
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, x->detail);
}

void http_transfer_done(struct rec_aws_client *c, struct http_xfer *x)
{
    /* x lives on the caller's stack: the handle must not keep pointing at it */
    curl_easy_setopt(c->curl, CURLOPT_ERRORBUFFER, NULL);
    struct rec_aws_response *resp = x->resp;
    const char *rid = rec_aws_response_header(resp, "x-amz-request-id");
    if (!rid)
        rid = rec_aws_response_header(resp, "x-amzn-RequestId");
    if (rid)
        snprintf(resp->request_id, sizeof(resp->request_id), "%s", rid);
}

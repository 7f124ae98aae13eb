#include "aws/http.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "aws/error_parse.h"
#include "common/error.h"
#include "common/log.h"
#include "sigv4/signer.h"

#define DEFAULT_CONNECT_TIMEOUT_MS 3000
#define DEFAULT_LOW_SPEED_TIME_MS 15000
#define DEFAULT_MAX_RESPONSE (16u * 1024 * 1024)
#define ERROR_BODY_CAP (64u * 1024)      /* bytes of an error body kept for parsing */
#define RESPONSE_HEADERS_CAP (64u * 1024) /* bytes of response headers kept */
#define URL_CAP (64u * 1024)
#define USER_AGENT "connect-kvs-recorder/1.0"

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

/* ---- response ---- */

void rec_aws_response_init(struct rec_aws_response *resp)
{
    memset(resp, 0, sizeof(*resp));
    rec_buf_init(&resp->body, DEFAULT_MAX_RESPONSE);
    rec_buf_init(&resp->header_data, RESPONSE_HEADERS_CAP);
}

void rec_aws_response_clean_up(struct rec_aws_response *resp)
{
    rec_buf_clean_up(&resp->body, 0);
    rec_buf_clean_up(&resp->header_data, 0);
    resp->n_headers = 0;
}

static void response_reset(struct rec_aws_response *resp, size_t body_cap)
{
    rec_buf_reset(&resp->body);
    resp->body.limit = body_cap;
    rec_buf_reset(&resp->header_data);
    resp->n_headers = 0;
    resp->status = 0;
    resp->error_code[0] = resp->error_message[0] = resp->request_id[0] = '\0';
    resp->retriable = 0;
    resp->body_bytes = 0;
    resp->stopped = 0;
    resp->stalled = 0;
}

const char *rec_aws_response_header(const struct rec_aws_response *resp, const char *name)
{
    const char *p = resp->header_data.data;
    for (size_t i = 0; p && i < resp->n_headers; i++) {
        const char *value = p + strlen(p) + 1;
        if (strcasecmp(p, name) == 0)
            return value;
        p = value + strlen(value) + 1;
    }
    return NULL;
}

int64_t rec_aws_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- client ---- */

static int g_curl_ready;

static const char *find_ca_bundle(int *missing)
{
    const char *env = getenv("AWS_CA_BUNDLE");
    *missing = 0;
    if (env && *env) {
        if (access(env, R_OK) != 0)
            *missing = 1;
        return env;
    }
    static const char *const paths[] = {
        "/etc/pki/tls/certs/ca-bundle.crt",   /* Amazon Linux 2023, RHEL */
        "/etc/ssl/certs/ca-certificates.crt", /* Debian, Ubuntu, Alpine */
    };
    for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++)
        if (access(paths[i], R_OK) == 0)
            return paths[i];
    return NULL;
}

int rec_aws_client_new(struct rec_aws_client **out, const struct rec_aws_client_config *cfg)
{
    int rc = 0;
    struct sigv4_credentials env_creds = { 0 };
    struct rec_aws_client *c = NULL;
    if (!cfg || !cfg->signing_name || !*cfg->signing_name ||
        strlen(cfg->signing_name) >= sizeof(c->signing_name))
        return REC_ERR_INVALID;
    if (!g_curl_ready) {
        /* process-wide, never undone: thread-safe since libcurl 7.84 */
        if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
            return REC_ERR_HTTP;
        g_curl_ready = 1;
    }
    c = calloc(1, sizeof(*c));
    if (!c)
        return REC_ERR_NOMEM;
    snprintf(c->signing_name, sizeof(c->signing_name), "%s", cfg->signing_name);
    if (cfg->region) {
        if (!*cfg->region || strlen(cfg->region) >= sizeof(c->region)) {
            rc = REC_ERR_INVALID;
            goto cleanup;
        }
        snprintf(c->region, sizeof(c->region), "%s", cfg->region);
    } else {
        REC_TRY(sigv4_region_from_env(c->region, sizeof(c->region)));
    }
    const struct sigv4_credentials *creds = cfg->credentials;
    if (!creds) {
        REC_TRY(sigv4_credentials_from_env(&env_creds));
        creds = &env_creds;
    }
    REC_TRY(sigv4_signer_new(&c->signer, creds));
    if (cfg->endpoint_url) {
        REC_TRY(rec_aws_endpoint_parse(cfg->endpoint_url, &c->endpoint));
    } else {
        REC_TRY(rec_aws_endpoint_resolve(cfg->service_id,
                                     cfg->endpoint_prefix ? cfg->endpoint_prefix : cfg->signing_name,
                                     c->region, &c->endpoint));
    }
    c->s3 = cfg->s3;
    c->connect_timeout_ms = cfg->connect_timeout_ms > 0 ? cfg->connect_timeout_ms
                                                        : DEFAULT_CONNECT_TIMEOUT_MS;
    c->low_speed_time_ms = cfg->low_speed_time_ms > 0 ? cfg->low_speed_time_ms
                                                      : DEFAULT_LOW_SPEED_TIME_MS;
    c->max_response_bytes = cfg->max_response_bytes ? cfg->max_response_bytes : DEFAULT_MAX_RESPONSE;
    if (cfg->retry.max_attempts)
        c->retry = cfg->retry;
    else
        rec_aws_retry_policy_default(&c->retry);
    int missing = 0;
    const char *ca = find_ca_bundle(&missing);
    if (missing) {
        rec_log(REC_LOG_ERROR, "AWS_CA_BUNDLE names a file that cannot be read",
                LOG_STR("path", ca));
        rc = REC_ERR_CONFIG;
        goto cleanup;
    }
    if (ca && !(c->ca_bundle = strdup(ca))) {
        rc = REC_ERR_NOMEM;
        goto cleanup;
    }
    c->curl = curl_easy_init();
    if (!c->curl) {
        rc = REC_ERR_HTTP;
        goto cleanup;
    }
    *out = c;
    c = NULL;
cleanup:
    sigv4_credentials_clean_up(&env_creds);
    rec_aws_client_destroy(c);
    return rc;
}

void rec_aws_client_destroy(struct rec_aws_client *client)
{
    if (!client)
        return;
    if (client->curl)
        curl_easy_cleanup(client->curl);
    sigv4_signer_destroy(client->signer);
    free(client->ca_bundle);
    free(client);
}

const struct rec_aws_endpoint *rec_aws_client_endpoint(const struct rec_aws_client *client)
{
    return &client->endpoint;
}

const char *rec_aws_client_region(const struct rec_aws_client *client)
{
    return client->region;
}

/* ---- one transfer ---- */

struct xfer {
    const struct rec_aws_request *req;
    struct rec_aws_response *resp;
    size_t body_cap;
    const uint8_t *upload;
    size_t upload_len;
    size_t upload_pos;
    int over_cap;
    int cb_error;
    int stalled;
    int64_t idle_limit_ms;    /* abandon after this long without a byte */
    int64_t last_activity_ms; /* monotonic clock */
    char reason[64];          /* reason phrase of the final status line */
};

static int64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
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
    struct xfer *x = userp;
    if (mono_ms() - x->last_activity_ms >= x->idle_limit_ms) {
        x->stalled = 1;
        return 1; /* CURLE_ABORTED_BY_CALLBACK */
    }
    return 0;
}

static int is_2xx(long status)
{
    return status >= 200 && status <= 299;
}

static size_t on_header(char *data, size_t size, size_t nmemb, void *userp)
{
    struct xfer *x = userp;
    size_t n = size * nmemb;
    size_t len = n;
    x->last_activity_ms = mono_ms();
    while (len && (data[len - 1] == '\n' || data[len - 1] == '\r'))
        len--;
    if (len >= 5 && memcmp(data, "HTTP/", 5) == 0) {
        /* a new status line (after 1xx, or the only one): start over */
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
    struct rec_buf *hd = &x->resp->header_data;
    size_t mark = hd->len;
    /* headers past the cap are dropped, not fatal: we need only a few */
    if (rec_buf_append(hd, data, (size_t)(colon - data)) || rec_buf_append(hd, "", 1) ||
        rec_buf_append(hd, v, (size_t)(end - v)) || rec_buf_append(hd, "", 1)) {
        hd->len = mark;
        return n;
    }
    x->resp->n_headers++;
    return n;
}

static size_t on_write(char *data, size_t size, size_t nmemb, void *userp)
{
    struct xfer *x = userp;
    size_t n = size * nmemb;
    struct rec_aws_response *resp = x->resp;
    resp->body_bytes += n;
    x->last_activity_ms = mono_ms();
    if (is_2xx(resp->status) && x->req->on_body) {
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
    if (is_2xx(resp->status)) {
        if (rec_buf_append(&resp->body, data, n) != 0) {
            x->over_cap = 1;
            return 0;
        }
        return n;
    }
    /* error bodies: keep the head for parsing, drain the rest */
    size_t keep = resp->body.limit < ERROR_BODY_CAP ? resp->body.limit : ERROR_BODY_CAP;
    size_t room = resp->body.len < keep ? keep - resp->body.len : 0;
    if (room)
        (void)rec_buf_append(&resp->body, data, n < room ? n : room);
    return n;
}

static size_t on_read(char *buf, size_t size, size_t nmemb, void *userp)
{
    struct xfer *x = userp;
    size_t room = size * nmemb;
    size_t left = x->upload_len - x->upload_pos;
    size_t n = left < room ? left : room;
    if (n) {
        memcpy(buf, x->upload + x->upload_pos, n);
        x->last_activity_ms = mono_ms();
    }
    x->upload_pos += n;
    return n;
}

static int on_seek(void *userp, curl_off_t offset, int origin)
{
    struct xfer *x = userp;
    if (origin != SEEK_SET || offset < 0 || (uint64_t)offset > x->upload_len)
        return CURL_SEEKFUNC_CANTSEEK;
    x->upload_pos = (size_t)offset;
    return CURL_SEEKFUNC_OK;
}

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

static int validate_request(const struct rec_aws_request *req)
{
    if (!req || !req->method || !*req->method || !req->path || req->path[0] != '/' ||
        !wire_text_ok(req->path) || strchr(req->path, '?') ||
        (req->query && !wire_text_ok(req->query)) || (req->body_len && !req->body) ||
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
    int rc = rec_buf_printf(line, "%s: %s", name, value);
    if (rc)
        return rc;
    if (!*value) {
        /* "Name;" is how libcurl sends a header with an empty value */
        rec_buf_reset(line);
        if ((rc = rec_buf_printf(line, "%s;", name)) != 0)
            return rc;
    }
    struct curl_slist *n = curl_slist_append(*list, line->data);
    if (!n)
        return REC_ERR_NOMEM;
    *list = n;
    return 0;
}

/* The list holds the session token and the signature: wipe before freeing. */
static void slist_free_wiped(struct curl_slist *list)
{
    for (struct curl_slist *n = list; n; n = n->next)
        if (n->data)
            OPENSSL_cleanse(n->data, strlen(n->data));
    curl_slist_free_all(list);
}

static void set_transport_error(struct rec_aws_response *resp, const char *code, const char *msg)
{
    snprintf(resp->error_code, sizeof(resp->error_code), "%s", code);
    snprintf(resp->error_message, sizeof(resp->error_message), "%s", msg);
}

/* One signed attempt. Fills resp; returns as rec_aws_send. */
static int attempt(struct rec_aws_client *c, const struct rec_aws_request *req,
                   const struct rec_aws_endpoint *ep, struct rec_aws_response *resp)
{
    int rc = 0;
    struct rec_buf url, host, line;
    struct curl_slist *list = NULL;
    struct sigv4_header *sh = NULL;
    struct sigv4_result sig;
    rec_buf_init(&url, URL_CAP);
    rec_buf_init(&host, REC_AWS_HOST_MAX * 2);
    rec_buf_init(&line, SIGV4_CANONICAL_LIMIT);
    sigv4_result_init(&sig);
    size_t cap = req->max_response_bytes ? req->max_response_bytes : c->max_response_bytes;
    response_reset(resp, cap);

    int64_t now = rec_aws_now_ms();
    if (req->deadline_ms && now >= req->deadline_ms) {
        set_transport_error(resp, "DeadlineExceeded", "the deadline passed before the request");
        resp->retriable = 1;
        rc = REC_ERR_TIMEOUT;
        goto cleanup;
    }

    /* what is signed is exactly what is sent: Host, the caller's headers, and
     * the signer's; nothing else libcurl adds is signed */
    REC_TRY(rec_buf_printf(&host, "%s%s", req->host_prefix ? req->host_prefix : "", ep->authority));
    REC_TRY(rec_buf_printf(&url, "%s://%s%s%s", ep->scheme, host.data, ep->base_path, req->path));
    if (req->query && *req->query)
        REC_TRY(rec_buf_printf(&url, "?%s", req->query));
    sh = calloc(req->n_headers + 1, sizeof(*sh));
    if (!sh) {
        rc = REC_ERR_NOMEM;
        goto cleanup;
    }
    sh[0] = (struct sigv4_header){ "Host", host.data };
    for (size_t i = 0; i < req->n_headers; i++)
        sh[i + 1] = (struct sigv4_header){ req->headers[i].name, req->headers[i].value };
    struct rec_buf signed_path;
    rec_buf_init(&signed_path, URL_CAP);
    rc = rec_buf_printf(&signed_path, "%s%s", ep->base_path, req->path);
    struct sigv4_request sreq = {
        .method = req->method,
        .path = signed_path.data,
        .query = req->query,
        .headers = sh,
        .n_headers = req->n_headers + 1,
        .body = req->body,
        .body_len = req->body_len,
        .payload_hash = req->payload_hash,
    };
    struct sigv4_params params = {
        .region = c->region, .service = c->signing_name, .time = (time_t)(now / 1000), .s3 = c->s3,
    };
    if (!rc)
        rc = sigv4_sign(c->signer, &sreq, &params, &sig);
    rec_buf_clean_up(&signed_path, 0);
    if (rc)
        goto cleanup;

    REC_TRY(slist_add(&list, &line, "Host", host.data));
    for (size_t i = 0; i < req->n_headers; i++)
        if (!set_value(&sig, req->headers[i].name))
            REC_TRY(slist_add(&list, &line, req->headers[i].name, req->headers[i].value));
    for (size_t i = 0; i < sig.n_set_headers; i++)
        REC_TRY(slist_add(&list, &line, sig.set_headers[i].name, sig.set_headers[i].value));
    /* an empty value removes a header libcurl would add on its own */
    struct curl_slist *n = curl_slist_append(list, "Expect:");
    if (!n) {
        rc = REC_ERR_NOMEM;
        goto cleanup;
    }
    list = n;

    long low_speed_ms = req->low_speed_time_ms > 0 ? req->low_speed_time_ms : c->low_speed_time_ms;
    struct xfer x = { .req = req, .resp = resp, .body_cap = cap,
                      .upload = req->body, .upload_len = req->body_len,
                      .idle_limit_ms = low_speed_ms, .last_activity_ms = mono_ms() };
    CURL *h = c->curl;
    curl_easy_reset(h); /* keeps the connection cache */
    curl_easy_setopt(h, CURLOPT_URL, url.data);
    /* libcurl would otherwise remove "./" and "../" segments, sending another
     * path than the one signed (S3 keys may hold them) */
    curl_easy_setopt(h, CURLOPT_PATH_AS_IS, 1L);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, list);
    curl_easy_setopt(h, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_1_1);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_USERAGENT, USER_AGENT);
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
    curl_easy_setopt(h, CURLOPT_XFERINFODATA, &x);
    curl_easy_setopt(h, CURLOPT_TCP_KEEPALIVE, 1L);
    if (req->deadline_ms) {
        int64_t left = req->deadline_ms - now;
        curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, (long)(left > 0 ? left : 1));
    }
    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(h, CURLOPT_HEADERDATA, &x);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_write);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &x);
    int is_get = strcmp(req->method, "GET") == 0, is_head = strcmp(req->method, "HEAD") == 0;
    if (is_head) {
        curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
    } else if (is_get && req->body_len == 0) {
        curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
    } else if (req->body_len > 0 || strcmp(req->method, "PUT") == 0 ||
               strcmp(req->method, "POST") == 0 || strcmp(req->method, "PATCH") == 0) {
        /* the upload path for every method with a body: Content-Length from
         * INFILESIZE, no chunking, no Content-Type of libcurl's choosing */
        curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
        curl_easy_setopt(h, CURLOPT_READFUNCTION, on_read);
        curl_easy_setopt(h, CURLOPT_READDATA, &x);
        curl_easy_setopt(h, CURLOPT_SEEKFUNCTION, on_seek);
        curl_easy_setopt(h, CURLOPT_SEEKDATA, &x);
        curl_easy_setopt(h, CURLOPT_INFILESIZE_LARGE, (curl_off_t)req->body_len);
        if (strcmp(req->method, "PUT") != 0)
            curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, req->method);
    } else {
        curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, req->method);
    }

    /* curl's own detail ("unable to get local issuer certificate") tells a user
     * far more than its generic code text. The buffer lives on this stack frame,
     * so the handle lets go of it right after the transfer. */
    char detail[CURL_ERROR_SIZE] = "";
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, detail);
    CURLcode cc = curl_easy_perform(h);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, NULL);
    const char *rid = rec_aws_response_header(resp, "x-amz-request-id");
    if (!rid)
        rid = rec_aws_response_header(resp, "x-amzn-RequestId");
    if (rid)
        snprintf(resp->request_id, sizeof(resp->request_id), "%s", rid);

    if (cc == CURLE_WRITE_ERROR && resp->stopped) {
        rc = 0;
    } else if (cc == CURLE_WRITE_ERROR && x.cb_error) {
        rc = x.cb_error;
        resp->retriable = 0;
    } else if (cc == CURLE_WRITE_ERROR && x.over_cap) {
        set_transport_error(resp, "ResponseTooLarge", "the response body passed the in-memory cap");
        rc = REC_ERR_LIMIT;
        resp->retriable = 0;
    } else if (cc == CURLE_OK && is_2xx(resp->status)) {
        rc = 0;
    } else if (cc == CURLE_OK) {
        rec_aws_parse_error(rec_aws_response_header(resp, "x-amzn-ErrorType"), resp->body.data,
                            resp->body.len, resp->error_code, sizeof(resp->error_code),
                            resp->error_message, sizeof(resp->error_message));
        if (!resp->error_code[0])
            snprintf(resp->error_code, sizeof(resp->error_code), "%ld", resp->status);
        if (!resp->error_message[0])
            snprintf(resp->error_message, sizeof(resp->error_message), "%s", x.reason);
        resp->retriable = rec_aws_is_retriable(resp->status, resp->error_code, 0);
        rc = REC_ERR_AWS;
    } else if (cc == CURLE_OPERATION_TIMEDOUT && req->deadline_ms &&
               rec_aws_now_ms() >= req->deadline_ms - 5) {
        set_transport_error(resp, "DeadlineExceeded", "the deadline passed during the request");
        resp->retriable = 1;
        rc = REC_ERR_TIMEOUT;
    } else if (cc == CURLE_OUT_OF_MEMORY) {
        rc = REC_ERR_NOMEM;
    } else if (cc == CURLE_URL_MALFORMAT || cc == CURLE_UNSUPPORTED_PROTOCOL) {
        set_transport_error(resp, "InvalidURL", curl_easy_strerror(cc));
        rc = REC_ERR_INVALID;
    } else {
        resp->stalled = cc == CURLE_ABORTED_BY_CALLBACK && x.stalled;
        char msg[CURL_ERROR_SIZE + 128];
        snprintf(msg, sizeof(msg), detail[0] ? "%s: %s" : "%s", curl_easy_strerror(cc), detail);
        set_transport_error(resp, resp->stalled ? "Stalled" : "TransportError", msg);
        /* a certificate that does not verify will not verify next time either */
        resp->retriable = !(cc == CURLE_PEER_FAILED_VERIFICATION || cc == CURLE_SSL_CACERT_BADFILE ||
                            cc == CURLE_SSL_CERTPROBLEM || cc == CURLE_SSL_ISSUER_ERROR);
        rc = REC_ERR_HTTP;
    }
cleanup:
    slist_free_wiped(list);
    free(sh);
    sigv4_result_clean_up(&sig);
    rec_buf_clean_up(&url, 0);
    rec_buf_clean_up(&host, 0);
    rec_buf_clean_up(&line, 1); /* held the token and signature */
    return rc;
}

static uint64_t random64(void)
{
    uint64_t r = 0;
    if (RAND_bytes((unsigned char *)&r, sizeof(r)) != 1) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        r = (uint64_t)ts.tv_nsec * 0x9E3779B97F4A7C15ULL;
    }
    return r;
}

static void sleep_ms(uint32_t ms)
{
    struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

int rec_aws_send(struct rec_aws_client *client, const struct rec_aws_request *req,
                 struct rec_aws_response *resp)
{
    struct rec_aws_endpoint other;
    const struct rec_aws_endpoint *ep = &client->endpoint;
    resp->attempts = 0;
    int rc = validate_request(req);
    if (rc) {
        response_reset(resp, 0);
        return rc;
    }
    if (req->endpoint_url) {
        if ((rc = rec_aws_endpoint_parse(req->endpoint_url, &other)) != 0) {
            response_reset(resp, 0);
            return REC_ERR_INVALID;
        }
        ep = &other;
    }
    unsigned max_attempts = req->max_attempts ? req->max_attempts : client->retry.max_attempts;
    if (max_attempts == 0)
        max_attempts = 1;
    for (unsigned n = 1;; n++) {
        rc = attempt(client, req, ep, resp);
        resp->attempts = n;
        if (rc == 0 || !resp->retriable || n >= max_attempts)
            break;
        if (req->on_body && resp->body_bytes && is_2xx(resp->status))
            break; /* bytes already handed over cannot be taken back */
        int throttled = rec_aws_is_throttling(resp->status, resp->error_code);
        uint32_t delay = rec_aws_backoff_ms(&client->retry, n, throttled, random64());
        if (req->deadline_ms && rec_aws_now_ms() + (int64_t)delay >= req->deadline_ms) {
            rec_log(REC_LOG_WARN, "not retrying AWS request: the deadline comes first",
                    LOG_STR("service", client->signing_name), LOG_STR("method", req->method),
                    LOG_INT("status", resp->status), LOG_STR("code", resp->error_code),
                    LOG_INT("attempt", n));
            break;
        }
        rec_log(REC_LOG_WARN, "retrying AWS request", LOG_STR("service", client->signing_name),
                LOG_STR("method", req->method), LOG_INT("status", resp->status),
                LOG_STR("code", resp->error_code), LOG_INT("attempt", n),
                LOG_INT("maxAttempts", max_attempts), LOG_INT("delayMs", delay),
                LOG_BOOL("throttled", throttled));
        sleep_ms(delay);
    }
    return rc;
}

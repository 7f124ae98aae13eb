#include "runtime/runtime_api.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cjson/cJSON.h>
#include <curl/curl.h>

#include "common/error.h"

static size_t on_body(char *ptr, size_t size, size_t nmemb, void *user)
{
    struct rec_buf *b = user;
    size_t n = size * nmemb;
    /* Returning less than n makes curl fail the transfer with a write error. */
    return rec_buf_append(b, ptr, n) == 0 ? n : 0;
}

static void copy_value(char *dst, size_t cap, const char *v, size_t len)
{
    while (len && (v[len - 1] == '\r' || v[len - 1] == '\n' || v[len - 1] == ' '))
        len--;
    while (len && *v == ' ') {
        v++;
        len--;
    }
    /* a value that does not fit is refused, never cut: a shortened request
     * id would answer another invocation (runtime_next then reports the id
     * as missing) */
    if (len >= cap)
        len = 0;
    /* nor is one with control bytes (HTTP field values have none; a NUL
     * would shorten the id, a CR or LF would split a later request line) */
    for (size_t i = 0; i < len; i++)
        if ((unsigned char)v[i] < 0x20 || v[i] == 0x7f)
            len = 0;
    memcpy(dst, v, len);
    dst[len] = '\0';
}

static size_t on_header(char *ptr, size_t size, size_t nmemb, void *user)
{
    size_t n = size * nmemb;
    runtime_parse_header(user, ptr, n);
    return n;
}

void runtime_parse_header(struct runtime_invocation *inv, const char *ptr, size_t n)
{
    const char *colon = memchr(ptr, ':', n);
    if (!colon)
        return;
    size_t name_len = (size_t)(colon - ptr);
    const char *v = colon + 1;
    size_t vlen = n - name_len - 1;
#define IS(h) (name_len == sizeof(h) - 1 && strncasecmp(ptr, h, name_len) == 0)
    if (IS("Lambda-Runtime-Aws-Request-Id")) {
        copy_value(inv->request_id, sizeof(inv->request_id), v, vlen);
    } else if (IS("Lambda-Runtime-Deadline-Ms")) {
        char tmp[32];
        copy_value(tmp, sizeof(tmp), v, vlen);
        inv->deadline_ms = strtoll(tmp, NULL, 10);
    } else if (IS("Lambda-Runtime-Invoked-Function-Arn")) {
        copy_value(inv->function_arn, sizeof(inv->function_arn), v, vlen);
    } else if (IS("Lambda-Runtime-Trace-Id")) {
        copy_value(inv->trace_id, sizeof(inv->trace_id), v, vlen);
    }
#undef IS
}

int runtime_client_init(struct runtime_client *c, const char *api)
{
    memset(c, 0, sizeof(*c));
    rec_buf_init(&c->body, RUNTIME_EVENT_LIMIT);
    if (!api || !*api)
        return REC_ERR_CONFIG;
    int n = snprintf(c->base_url, sizeof(c->base_url), "http://%s/2018-06-01", api);
    if (n < 0 || (size_t)n >= sizeof(c->base_url))
        return REC_ERR_CONFIG;
    c->curl = curl_easy_init();
    if (!c->curl)
        return REC_ERR_NOMEM;
    return 0;
}

/* Resets per-call options on the reused handle; the connection stays open. */
static void prepare(struct runtime_client *c, const char *url)
{
    CURL *h = c->curl;
    curl_easy_reset(h);
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_1_1);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, 2000L);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, 0L);
    curl_easy_setopt(h, CURLOPT_PROXY, "");
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &c->body);
    rec_buf_reset(&c->body);
}

static int status_to_error(long status)
{
    if (status == 202 || status == 200)
        return 0;
    if (status == 413)
        return REC_ERR_LIMIT;
    if (status == 400 || status == 404)
        return REC_ERR_INVALID;
    return REC_ERR_HTTP;
}

/* libcurl calls it at least once a second while `next` waits: the one way
 * to end that wait (Lambda's shutdown, a local run's Ctrl-C) cleanly. */
static int on_wait(void *user, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal, curl_off_t ulnow)
{
    (void)dltotal, (void)dlnow, (void)ultotal, (void)ulnow;
    const volatile sig_atomic_t *stop = user;
    return *stop ? 1 : 0;
}

int runtime_next(struct runtime_client *c, const struct runtime_invocation **out)
{
    char url[320];
    snprintf(url, sizeof(url), "%s/runtime/invocation/next", c->base_url);
    prepare(c, url);
    memset(&c->inv, 0, sizeof(c->inv));
    curl_easy_setopt(c->curl, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(c->curl, CURLOPT_HEADERDATA, &c->inv);
    if (c->stop) {
        if (*c->stop)
            return REC_ERR_STATE;
        curl_easy_setopt(c->curl, CURLOPT_NOPROGRESS, 0L);
        curl_easy_setopt(c->curl, CURLOPT_XFERINFOFUNCTION, on_wait);
        curl_easy_setopt(c->curl, CURLOPT_XFERINFODATA, (void *)c->stop);
    }
    CURLcode cc = curl_easy_perform(c->curl);
    if (cc == CURLE_ABORTED_BY_CALLBACK)
        return REC_ERR_STATE;
    c->last_status = 0;
    curl_easy_getinfo(c->curl, CURLINFO_RESPONSE_CODE, &c->last_status);
    if (cc == CURLE_WRITE_ERROR)
        return REC_ERR_LIMIT;
    if (cc != CURLE_OK || c->last_status != 200)
        return REC_ERR_HTTP;
    if (!c->inv.request_id[0])
        return REC_ERR_INVALID;
    if (!c->body.data && rec_buf_append(&c->body, "", 0) != 0)
        return REC_ERR_NOMEM;
    c->inv.event = c->body.data;
    c->inv.event_len = c->body.len;
    *out = &c->inv;
    return 0;
}

static int post(struct runtime_client *c, const char *url, const char *body, size_t len,
                const char *error_type)
{
    prepare(c, url);
    struct curl_slist *headers = NULL;
    char type_header[160];
    int rc = REC_ERR_NOMEM;
    headers = curl_slist_append(headers, "Content-Type: application/json");
    headers = curl_slist_append(headers, "Expect:");
    if (error_type) {
        snprintf(type_header, sizeof(type_header), "Lambda-Runtime-Function-Error-Type: %s",
                 error_type);
        headers = curl_slist_append(headers, type_header);
    }
    if (!headers)
        goto cleanup;
    curl_easy_setopt(c->curl, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(c->curl, CURLOPT_POST, 1L);
    curl_easy_setopt(c->curl, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(c->curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
    CURLcode cc = curl_easy_perform(c->curl);
    c->last_status = 0;
    curl_easy_getinfo(c->curl, CURLINFO_RESPONSE_CODE, &c->last_status);
    rc = cc == CURLE_OK ? status_to_error(c->last_status) : REC_ERR_HTTP;
cleanup:
    curl_easy_setopt(c->curl, CURLOPT_HTTPHEADER, NULL);
    curl_slist_free_all(headers);
    return rc;
}

int runtime_post_response(struct runtime_client *c, const char *request_id, const char *body,
                          size_t len)
{
    char url[512];
    snprintf(url, sizeof(url), "%s/runtime/invocation/%s/response", c->base_url, request_id);
    return post(c, url, body, len, NULL);
}

int runtime_post_error(struct runtime_client *c, const char *request_id, const char *error_type,
                       const char *message)
{
    char url[512];
    if (request_id)
        snprintf(url, sizeof(url), "%s/runtime/invocation/%s/error", c->base_url, request_id);
    else
        snprintf(url, sizeof(url), "%s/runtime/init/error", c->base_url);
    int rc = REC_ERR_NOMEM;
    char *text = NULL;
    cJSON *doc = cJSON_CreateObject();
    if (!doc || !cJSON_AddStringToObject(doc, "errorMessage", message ? message : "") ||
        !cJSON_AddStringToObject(doc, "errorType", error_type ? error_type : "Error") ||
        !cJSON_AddArrayToObject(doc, "stackTrace"))
        goto cleanup;
    text = cJSON_PrintUnformatted(doc);
    if (!text)
        goto cleanup;
    rc = post(c, url, text, strlen(text), error_type ? error_type : "Error");
cleanup:
    cJSON_free(text);
    cJSON_Delete(doc);
    return rc;
}

void runtime_client_clean_up(struct runtime_client *c)
{
    if (c->curl)
        curl_easy_cleanup(c->curl);
    c->curl = NULL;
    rec_buf_clean_up(&c->body, 0);
}

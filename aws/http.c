/* The request layer's clients, responses and retry loop. One attempt's
 * pieces live beside it (aws/http_internal.h). */
#include "aws/http.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <curl/curl.h>
#include <openssl/rand.h>

#include "aws/http_internal.h"
#include "common/clock.h"
#include "common/error.h"
#include "common/log.h"

#define DEFAULT_CONNECT_TIMEOUT_MS 3000
#define DEFAULT_LOW_SPEED_TIME_MS 15000
#define DEFAULT_MAX_RESPONSE (16u * 1024 * 1024)

/* ---- response ---- */

void rec_aws_response_init(struct rec_aws_response *resp)
{
    memset(resp, 0, sizeof(*resp));
    rec_buf_init(&resp->body, DEFAULT_MAX_RESPONSE);
    rec_buf_init(&resp->header_data, HTTP_RESPONSE_HEADERS_CAP);
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
    (void)rec_buf_set_limit(&resp->body, body_cap); /* cannot fail: it is empty */
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

/* ---- client ---- */

static int g_curl_ready;

int rec_http_global_init(void)
{
    if (g_curl_ready)
        return 0;
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
        return REC_ERR_HTTP;
    g_curl_ready = 1;
    return 0;
}

void rec_http_global_clean_up(void)
{
    if (!g_curl_ready)
        return;
    curl_global_cleanup();
    g_curl_ready = 0;
}

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
    if (rec_http_global_init() != 0)
        return REC_ERR_HTTP;
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

/* ---- one attempt ---- */

/* One signed attempt: sign, set the handle up, perform, classify. Fills
 * resp; returns as rec_aws_send. */
static int attempt(struct rec_aws_client *c, const struct rec_aws_request *req,
                   const struct rec_aws_endpoint *ep, struct rec_aws_response *resp)
{
    int rc = 0;
    struct http_signed s;
    http_signed_init(&s);
    response_reset(resp, req->max_response_bytes ? req->max_response_bytes : c->max_response_bytes);
    int64_t now = rec_clock_now_ms();
    if (req->deadline_ms && now >= req->deadline_ms) {
        http_set_transport_error(resp, "DeadlineExceeded", "the deadline passed before the request");
        resp->retriable = 1;
        rc = REC_ERR_TIMEOUT;
        goto cleanup;
    }
    REC_TRY(http_sign(c, req, ep, now, &s));
    struct http_xfer x;
    http_xfer_init(&x, req, resp,
                   req->low_speed_time_ms > 0 ? req->low_speed_time_ms : c->low_speed_time_ms);
    http_setup_handle(c, req, &s, &x, req->deadline_ms ? req->deadline_ms - now : 0);
    CURLcode cc = curl_easy_perform(c->curl);
    http_transfer_done(c, &x);
    rc = http_classify(cc, &x, req->deadline_ms, resp);
cleanup:
    http_signed_clean_up(&s);
    return rc;
}

static uint64_t random64(void)
{
    uint64_t r = 0;
    if (RAND_bytes((unsigned char *)&r, sizeof(r)) != 1) /* jitter only: the clock will do */
        r = (uint64_t)rec_clock_mono_ms() * 0x9E3779B97F4A7C15ULL;
    return r;
}

/* The wait before retry number n: the jittered backoff, or longer when the
 * answer's Retry-After asks for more (aws/retry.h). */
static uint32_t retry_delay(const struct rec_aws_client *client, const struct rec_aws_response *resp,
                            unsigned n, int throttled)
{
    uint32_t delay = rec_aws_backoff_ms(&client->retry, n, throttled, random64());
    uint32_t asked = 0;
    if (rec_aws_retry_after_ms(rec_aws_response_header(resp, "Retry-After"), rec_clock_now_ms(),
                               &asked) == 0 && asked > delay)
        delay = asked;
    return delay;
}

int rec_aws_send(struct rec_aws_client *client, const struct rec_aws_request *req,
                 struct rec_aws_response *resp)
{
    struct rec_aws_endpoint other;
    const struct rec_aws_endpoint *ep = &client->endpoint;
    resp->attempts = 0;
    int rc = http_validate_request(req);
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
        if (req->on_body && resp->body_bytes && http_is_2xx(resp->status))
            break; /* bytes already handed over cannot be taken back */
        if (req->on_body && resp->stalled && http_is_2xx(resp->status))
            break; /* a stream that answered, then went quiet: the caller's to judge
                      (GetMedia's live edge), not a failure to repeat */
        int throttled = rec_aws_is_throttling(resp->status, resp->error_code);
        uint32_t delay = retry_delay(client, resp, n, throttled);
        const char *why = delay > REC_AWS_RETRY_AFTER_MAX_MS ? "the service asks for too long a wait"
                          : req->deadline_ms && rec_clock_now_ms() + (int64_t)delay >= req->deadline_ms
                              ? "the deadline comes first"
                              : NULL;
        if (why) {
            rec_log(REC_LOG_WARN, "not retrying AWS request", LOG_STR("reason", why),
                    LOG_STR("service", client->signing_name), LOG_STR("method", req->method),
                    LOG_INT("status", resp->status), LOG_STR("code", resp->error_code),
                    LOG_INT("attempt", n), LOG_INT("delayMs", delay));
            break;
        }
        rec_log(REC_LOG_WARN, "retrying AWS request", LOG_STR("service", client->signing_name),
                LOG_STR("method", req->method), LOG_INT("status", resp->status),
                LOG_STR("code", resp->error_code), LOG_INT("attempt", n),
                LOG_INT("maxAttempts", max_attempts), LOG_INT("delayMs", delay),
                LOG_BOOL("throttled", throttled));
        rec_clock_sleep_ms(delay);
    }
    return rc;
}

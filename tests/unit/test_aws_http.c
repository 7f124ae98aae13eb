/* Tests of the signed request layer (aws/http.c) against a scripted local
 * HTTP server (test_aws_server.h): what goes on the wire, retries, deadlines,
 * streaming with early stop, caps, transport failures. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "aws/http.h"
#include "common/clock.h"
#include "common/error.h"
#include "common/log.h"
#include "test_aws_server.h"
#include "test_log_capture.h"

#define SECRET "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
#define TOKEN "SESSIONTOKENVALUE"

static struct rec_aws_client *client_for(struct test_server *s, unsigned max_attempts,
                                         unsigned base_delay_ms, long low_speed_ms)
{
    char url[64];
    snprintf(url, sizeof(url), "http://127.0.0.1:%d", s ? s->port : ts_dead_port());
    struct sigv4_credentials creds;
    assert_int_equal(sigv4_credentials_init(&creds, "AKIDEXAMPLE", SECRET, TOKEN), 0);
    struct rec_aws_client_config cfg = {
        .service_id = "Kinesis Video",
        .signing_name = "kinesisvideo",
        .region = "us-east-1",
        .credentials = &creds,
        .endpoint_url = url,
        .connect_timeout_ms = 2000,
        .low_speed_time_ms = low_speed_ms,
        .retry = { .max_attempts = max_attempts, .base_delay_ms = base_delay_ms,
                   .throttle_base_delay_ms = base_delay_ms, .max_delay_ms = base_delay_ms * 4 },
    };
    struct rec_aws_client *c = NULL;
    assert_int_equal(rec_aws_client_new(&c, &cfg), 0);
    sigv4_credentials_clean_up(&creds);
    return c;
}

static void get_returns_status_headers_and_body(void **state)
{
    (void)state;
    struct ts_answer a[] = { { 200, "x-amzn-RequestId: req-123\r\nX-Thing: v\r\n", "hello", 0, 0, 0, 0 } };
    struct test_server *s = ts_start(a, 1);
    struct rec_aws_client *c = client_for(s, 3, 1, 0);
    struct rec_aws_response resp;
    rec_aws_response_init(&resp);
    struct rec_aws_header h[] = { { "Content-Type", "application/json" } };
    struct rec_aws_request req = { .method = "POST", .path = "/getDataEndpoint",
                                   .query = "a=1", .headers = h, .n_headers = 1,
                                   .body = "{}", .body_len = 2 };
    assert_int_equal(rec_aws_send(c, &req, &resp), 0);
    assert_int_equal(resp.status, 200);
    assert_int_equal(resp.attempts, 1);
    assert_string_equal(resp.body.data, "hello");
    assert_string_equal(resp.request_id, "req-123");
    assert_string_equal(rec_aws_response_header(&resp, "x-thing"), "v");
    assert_null(rec_aws_response_header(&resp, "missing"));

    assert_int_equal(ts_count(s), 1);
    const struct ts_request *r = &s->reqs[0];
    assert_string_equal(r->method, "POST");
    assert_string_equal(r->target, "/getDataEndpoint?a=1");
    assert_int_equal(r->body_len, 2);
    char host[64];
    snprintf(host, sizeof(host), "127.0.0.1:%d", s->port);
    const char *hv = ts_find_header(r->head, "host");
    assert_non_null(hv);
    assert_true(strncmp(hv, host, strlen(host)) == 0 && hv[strlen(host)] == '\r');
    const char *auth = ts_find_header(r->head, "authorization");
    assert_non_null(auth);
    assert_true(strncmp(auth, "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/", 40) == 0);
    assert_non_null(strstr(auth, "/us-east-1/kinesisvideo/aws4_request"));
    assert_non_null(strstr(auth, "SignedHeaders=content-type;host;x-amz-date;x-amz-security-token,"));
    assert_non_null(ts_find_header(r->head, "x-amz-security-token"));
    assert_null(ts_find_header(r->head, "expect"));
    rec_aws_response_clean_up(&resp);
    rec_aws_client_destroy(c);
    ts_stop(s);
}

static void dot_segments_are_sent_as_signed(void **state)
{
    (void)state;
    struct ts_answer a[] = { { 200, NULL, "", 0, 0, 0, 0 } };
    struct test_server *s = ts_start(a, 1);
    struct rec_aws_client *c = client_for(s, 1, 1, 0);
    struct rec_aws_response resp;
    rec_aws_response_init(&resp);
    struct rec_aws_request req = { .method = "GET", .path = "/b/./x/../y//z" };
    assert_int_equal(rec_aws_send(c, &req, &resp), 0);
    assert_string_equal(s->reqs[0].target, "/b/./x/../y//z");
    rec_aws_response_clean_up(&resp);
    rec_aws_client_destroy(c);
    ts_stop(s);
}

static void large_upload_has_no_expect_and_exact_length(void **state)
{
    (void)state;
    struct ts_answer a[] = { { 200, NULL, "", 0, 0, 0, 0 } };
    struct test_server *s = ts_start(a, 1);
    struct rec_aws_client *c = client_for(s, 1, 1, 0);
    size_t n = 3 * 1024 * 1024 + 7;
    uint8_t *body = malloc(n);
    memset(body, 0xA5, n);
    struct rec_aws_response resp;
    rec_aws_response_init(&resp);
    struct rec_aws_request req = { .method = "PUT", .path = "/b/k", .body = body, .body_len = n };
    assert_int_equal(rec_aws_send(c, &req, &resp), 0);
    const struct ts_request *r = &s->reqs[0];
    assert_int_equal(r->body_len, n);
    assert_null(ts_find_header(r->head, "expect"));
    assert_null(ts_find_header(r->head, "transfer-encoding"));
    assert_int_equal(strtoull(ts_find_header(r->head, "content-length"), NULL, 10), n);
    /* only what is signed is sent beyond libcurl's harmless extras */
    assert_null(ts_find_header(r->head, "content-type"));
    free(body);
    rec_aws_response_clean_up(&resp);
    rec_aws_client_destroy(c);
    ts_stop(s);
}

/* A body read as it is sent: every byte at its offset, or a read failure. */
struct source_state {
    uint64_t fail_at; /* a read reaching this offset fails; UINT64_MAX: never */
    unsigned reads;
};

static int pattern_read(void *user, uint64_t offset, void *buf, size_t len)
{
    struct source_state *st = user;
    st->reads++;
    if (offset + len > st->fail_at)
        return REC_ERR_IO;
    for (size_t i = 0; i < len; i++)
        ((uint8_t *)buf)[i] = (uint8_t)((offset + i) % 251);
    return 0;
}

static void a_body_source_is_read_as_sent_and_its_failure_is_not_retried(void **state)
{
    (void)state;
    struct ts_answer a[] = { { 200, NULL, "", 0, 0, 0, 0 } };
    struct test_server *s = ts_start(a, 1);
    struct rec_aws_client *c = client_for(s, 3, 1, 0);
    struct rec_aws_response resp;
    rec_aws_response_init(&resp);
    size_t n = 200000;
    struct source_state st = { UINT64_MAX, 0 };
    struct rec_aws_body_source src = { pattern_read, &st };
    const char *hash = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
    struct rec_aws_request req = { .method = "PUT", .path = "/b/k", .body_source = &src, .body_len = n,
                                   .payload_hash = hash };
    assert_int_equal(rec_aws_send(c, &req, &resp), 0);
    const struct ts_request *r = &s->reqs[0];
    assert_int_equal(r->body_len, n);
    for (size_t i = 0; i < TS_BODY_KEEP; i++)
        assert_int_equal((uint8_t)r->body[i], (uint8_t)(i % 251));
    assert_true(st.reads >= 1);
    /* the source fails part-way: that code, one attempt, not retriable */
    st = (struct source_state){ 100000, 0 };
    assert_int_equal(rec_aws_send(c, &req, &resp), REC_ERR_IO);
    assert_int_equal(resp.retriable, 0);
    assert_int_equal(resp.attempts, 1);
    /* a source needs its hash up front, and never comes with a body too */
    req.payload_hash = NULL;
    assert_int_equal(rec_aws_send(c, &req, &resp), REC_ERR_INVALID);
    req.payload_hash = hash;
    req.body = "x";
    assert_int_equal(rec_aws_send(c, &req, &resp), REC_ERR_INVALID);
    rec_aws_response_clean_up(&resp);
    rec_aws_client_destroy(c);
    ts_stop(s);
}

static void connection_is_reused_across_calls(void **state)
{
    (void)state;
    struct ts_answer a[] = { { 200, NULL, "ok", 0, 0, 0, 0 } };
    struct test_server *s = ts_start(a, 1);
    struct rec_aws_client *c = client_for(s, 1, 1, 0);
    struct rec_aws_response resp;
    rec_aws_response_init(&resp);
    struct rec_aws_request req = { .method = "GET", .path = "/x" };
    for (int i = 0; i < 3; i++)
        assert_int_equal(rec_aws_send(c, &req, &resp), 0);
    assert_int_equal(ts_count(s), 3);
    assert_int_equal(s->connections, 1);
    rec_aws_response_clean_up(&resp);
    rec_aws_client_destroy(c);
    ts_stop(s);
}

static void slowdown_503_is_retried_then_succeeds(void **state)
{
    (void)state;
    struct ts_answer a[] = {
        { 503, "Content-Type: application/xml\r\n",
          "<Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>",
          0, 0, 0, 0 },
        { 500, NULL, "", 0, 0, 0, 0 },
        { 200, NULL, "done", 0, 0, 0, 0 },
    };
    struct test_server *s = ts_start(a, 3);
    struct rec_aws_client *c = client_for(s, 5, 1, 0);
    struct rec_aws_response resp;
    rec_aws_response_init(&resp);
    struct rec_aws_request req = { .method = "PUT", .path = "/b/k", .body = "abc", .body_len = 3 };
    assert_int_equal(rec_aws_send(c, &req, &resp), 0);
    assert_int_equal(resp.attempts, 3);
    assert_int_equal(ts_count(s), 3);
    for (int i = 0; i < 3; i++)
        assert_int_equal(s->reqs[i].body_len, 3); /* the body is sent again each time */
    assert_string_equal(resp.body.data, "done");
    char *log = logged();
    assert_non_null(strstr(log, "retrying AWS request"));
    assert_non_null(strstr(log, "WARN"));
    assert_non_null(strstr(log, "code=SlowDown"));
    assert_null(strstr(log, SECRET));
    assert_null(strstr(log, TOKEN));
    assert_null(strstr(log, "Signature="));
    free(log);
    rec_aws_response_clean_up(&resp);
    rec_aws_client_destroy(c);
    ts_stop(s);
}

static void json_throttling_is_retried(void **state)
{
    (void)state;
    struct ts_answer a[] = {
        { 400, "x-amzn-ErrorType: ClientLimitExceededException:http://internal.amazon.com/\r\n",
          "{\"message\":\"slow down\"}", 0, 0, 0, 0 },
        { 429, NULL, "{\"__type\":\"com.amazon#ThrottlingException\",\"Message\":\"m\"}", 0, 0, 0, 0 },
        { 200, NULL, "{}", 0, 0, 0, 0 },
    };
    struct test_server *s = ts_start(a, 3);
    struct rec_aws_client *c = client_for(s, 5, 1, 0);
    struct rec_aws_response resp;
    rec_aws_response_init(&resp);
    struct rec_aws_request req = { .method = "POST", .path = "/getMedia", .body = "{}", .body_len = 2 };
    assert_int_equal(rec_aws_send(c, &req, &resp), 0);
    assert_int_equal(resp.attempts, 3);
    rec_aws_response_clean_up(&resp);
    rec_aws_client_destroy(c);
    ts_stop(s);
}

static void signature_mismatch_403_is_not_retried(void **state)
{
    (void)state;
    struct ts_answer a[] = {
        { 403, "x-amz-request-id: R1\r\n",
          "<?xml version=\"1.0\"?>\n<Error><Code>SignatureDoesNotMatch</Code><Message>The request "
          "signature we calculated does not match &amp; so on</Message></Error>",
          0, 0, 0, 0 },
    };
    struct test_server *s = ts_start(a, 1);
    struct rec_aws_client *c = client_for(s, 5, 1, 0);
    struct rec_aws_response resp;
    rec_aws_response_init(&resp);
    struct rec_aws_request req = { .method = "GET", .path = "/b/k" };
    assert_int_equal(rec_aws_send(c, &req, &resp), REC_ERR_AWS);
    assert_int_equal(resp.status, 403);
    assert_int_equal(resp.attempts, 1);
    assert_int_equal(resp.retriable, 0);
    assert_string_equal(resp.error_code, "SignatureDoesNotMatch");
    assert_string_equal(resp.error_message,
                        "The request signature we calculated does not match & so on");
    assert_string_equal(resp.request_id, "R1");
    assert_int_equal(ts_count(s), 1);
    rec_aws_response_clean_up(&resp);
    rec_aws_client_destroy(c);
    ts_stop(s);
}

static void exhausted_retries_report_a_retriable_failure(void **state)
{
    (void)state;
    struct ts_answer a[] = { { 500, NULL, "{\"__type\":\"InternalFailure\"}", 0, 0, 0, 0 } };
    struct test_server *s = ts_start(a, 1);
    struct rec_aws_client *c = client_for(s, 3, 1, 0);
    struct rec_aws_response resp;
    rec_aws_response_init(&resp);
    struct rec_aws_request req = { .method = "GET", .path = "/x" };
    assert_int_equal(rec_aws_send(c, &req, &resp), REC_ERR_AWS);
    assert_int_equal(resp.attempts, 3);
    assert_int_equal(ts_count(s), 3);
    assert_int_equal(resp.retriable, 1);
    assert_string_equal(resp.error_code, "InternalFailure");
    /* a per-request limit overrides the client's */
    req.max_attempts = 1;
    assert_int_equal(rec_aws_send(c, &req, &resp), REC_ERR_AWS);
    assert_int_equal(resp.attempts, 1);
    rec_aws_response_clean_up(&resp);
    rec_aws_client_destroy(c);
    ts_stop(s);
}

static void no_wait_is_started_past_the_deadline(void **state)
{
    (void)state;
    struct ts_answer a[] = { { 503, NULL, "", 0, 0, 0, 0 } };
    struct test_server *s = ts_start(a, 1);
    /* backoff of up to 60 s: any wait would pass the 1 s deadline */
    struct rec_aws_client *c = client_for(s, 5, 60000, 0);
    struct rec_aws_response resp;
    rec_aws_response_init(&resp);
    int64_t start = rec_clock_now_ms();
    struct rec_aws_request req = { .method = "GET", .path = "/x", .deadline_ms = start + 1000 };
    int rc = rec_aws_send(c, &req, &resp);
    int64_t took = rec_clock_now_ms() - start;
    /* either no wait was started, or a wait short enough to fit and a retry */
    assert_true(rc == REC_ERR_AWS || rc == REC_ERR_TIMEOUT);
    assert_int_equal(resp.retriable, 1);
    assert_true(took < 1000 + 500);
    assert_true(resp.attempts >= 1);
    /* a deadline already passed: nothing is sent */
    size_t before = ts_count(s);
    req.deadline_ms = rec_clock_now_ms() - 1;
    assert_int_equal(rec_aws_send(c, &req, &resp), REC_ERR_TIMEOUT);
    assert_int_equal(resp.retriable, 1);
    assert_int_equal(ts_count(s), before);
    rec_aws_response_clean_up(&resp);
    rec_aws_client_destroy(c);
    ts_stop(s);
}

static void retry_after_is_waited_within_the_deadline(void **state)
{
    (void)state;
    struct ts_answer a[] = {
        { 503, "Retry-After: 1\r\n", "<Error><Code>SlowDown</Code></Error>", 0, 0, 0, 0 },
        { 200, NULL, "{}", 0, 0, 0, 0 },
    };
    struct test_server *s = ts_start(a, 2);
    /* a 1 ms backoff: only the service's Retry-After makes the wait a second */
    struct rec_aws_client *c = client_for(s, 5, 1, 0);
    struct rec_aws_response resp;
    rec_aws_response_init(&resp);
    struct rec_aws_request req = { .method = "GET", .path = "/b/k" };
    int64_t start = rec_clock_mono_ms();
    assert_int_equal(rec_aws_send(c, &req, &resp), 0);
    assert_true(rec_clock_mono_ms() - start >= 1000);
    assert_int_equal(resp.attempts, 2);
    ts_stop(s);

    /* a Retry-After that ends past the deadline is not waited: the failure
     * goes back at once, retriable, after one attempt */
    struct ts_answer b[] = { { 429, "Retry-After: 30\r\n",
                               "{\"__type\":\"TooManyRequestsException\"}", 0, 0, 0, 0 } };
    s = ts_start(b, 1);
    rec_aws_client_destroy(c);
    c = client_for(s, 5, 1, 0);
    start = rec_clock_mono_ms();
    req.deadline_ms = rec_clock_now_ms() + 5000;
    assert_int_equal(rec_aws_send(c, &req, &resp), REC_ERR_AWS);
    assert_true(rec_clock_mono_ms() - start < 2000);
    assert_int_equal(resp.attempts, 1);
    assert_int_equal(resp.retriable, 1);
    assert_string_equal(resp.error_code, "TooManyRequestsException");
    /* without a deadline, a wait over REC_AWS_RETRY_AFTER_MAX_MS is refused too */
    struct ts_answer d[] = { { 503, "Retry-After: 3600\r\n", "", 0, 0, 0, 0 } };
    ts_stop(s);
    s = ts_start(d, 1);
    rec_aws_client_destroy(c);
    c = client_for(s, 5, 1, 0);
    req.deadline_ms = 0;
    assert_int_equal(rec_aws_send(c, &req, &resp), REC_ERR_AWS);
    assert_int_equal(resp.attempts, 1);
    char *text = logged();
    assert_non_null(strstr(text, "the service asks for too long a wait"));
    free(text);
    rec_aws_response_clean_up(&resp);
    rec_aws_client_destroy(c);
    ts_stop(s);
}

static void deadline_during_a_slow_answer_times_out(void **state)
{
    (void)state;
    struct ts_answer a[] = { { 200, NULL, "late", 0, 1500, 0, 0 } };
    struct test_server *s = ts_start(a, 1);
    struct rec_aws_client *c = client_for(s, 5, 1, 0);
    struct rec_aws_response resp;
    rec_aws_response_init(&resp);
    struct rec_aws_request req = { .method = "GET", .path = "/x",
                                   .deadline_ms = rec_clock_now_ms() + 300 };
    assert_int_equal(rec_aws_send(c, &req, &resp), REC_ERR_TIMEOUT);
    assert_int_equal(resp.retriable, 1);
    assert_int_equal(resp.attempts, 1);
    assert_string_equal(resp.error_code, "DeadlineExceeded");
    rec_aws_response_clean_up(&resp);
    rec_aws_client_destroy(c);
    ts_stop(s);
}

struct counter {
    size_t bytes;
    size_t stop_after;
    int calls;
};

static int count_and_maybe_stop(void *user, const uint8_t *data, size_t len)
{
    struct counter *k = user;
    for (size_t i = 0; i < len; i++)
        if (data[i] != 'x')
            return REC_ERR_INVALID;
    k->bytes += len;
    k->calls++;
    return k->stop_after && k->bytes >= k->stop_after ? REC_AWS_STOP : 0;
}

static void streaming_delivers_the_body_and_can_stop_early(void **state)
{
    (void)state;
    struct ts_answer a[] = { { 200, NULL, NULL, 4 * 1024 * 1024, 0, 0, 0 } };
    struct test_server *s = ts_start(a, 1);
    struct rec_aws_client *c = client_for(s, 3, 1, 0);
    struct rec_aws_response resp;
    rec_aws_response_init(&resp);
    struct counter k = { 0, 0, 0 };
    struct rec_aws_request req = { .method = "POST", .path = "/getMedia", .body = "{}",
                                   .body_len = 2, .on_body = count_and_maybe_stop, .user = &k };
    assert_int_equal(rec_aws_send(c, &req, &resp), 0);
    assert_int_equal(k.bytes, 4 * 1024 * 1024);
    assert_int_equal(resp.body.len, 0); /* nothing held in memory */
    assert_int_equal(resp.stopped, 0);
    k = (struct counter){ 0, 100000, 0 };
    assert_int_equal(rec_aws_send(c, &req, &resp), 0);
    assert_int_equal(resp.stopped, 1);
    assert_true(k.bytes >= 100000 && k.bytes < 4 * 1024 * 1024);
    assert_int_equal(resp.attempts, 1);
    /* the client still works after an early stop */
    k = (struct counter){ 0, 0, 0 };
    assert_int_equal(rec_aws_send(c, &req, &resp), 0);
    assert_int_equal(k.bytes, 4 * 1024 * 1024);
    rec_aws_response_clean_up(&resp);
    rec_aws_client_destroy(c);
    ts_stop(s);
}

static void callback_error_aborts_without_retry(void **state)
{
    (void)state;
    struct ts_answer a[] = { { 200, NULL, "not x", 0, 0, 0, 0 } };
    struct test_server *s = ts_start(a, 1);
    struct rec_aws_client *c = client_for(s, 3, 1, 0);
    struct rec_aws_response resp;
    rec_aws_response_init(&resp);
    struct counter k = { 0, 0, 0 };
    struct rec_aws_request req = { .method = "GET", .path = "/x", .on_body = count_and_maybe_stop,
                                   .user = &k };
    assert_int_equal(rec_aws_send(c, &req, &resp), REC_ERR_INVALID);
    assert_int_equal(resp.retriable, 0);
    assert_int_equal(resp.attempts, 1);
    rec_aws_response_clean_up(&resp);
    rec_aws_client_destroy(c);
    ts_stop(s);
}

static void body_over_the_cap_fails_without_retry(void **state)
{
    (void)state;
    struct ts_answer a[] = { { 200, NULL, NULL, 10000, 0, 0, 0 } };
    struct test_server *s = ts_start(a, 1);
    struct rec_aws_client *c = client_for(s, 3, 1, 0);
    struct rec_aws_response resp;
    rec_aws_response_init(&resp);
    struct rec_aws_request req = { .method = "GET", .path = "/x", .max_response_bytes = 1000 };
    assert_int_equal(rec_aws_send(c, &req, &resp), REC_ERR_LIMIT);
    assert_int_equal(resp.retriable, 0);
    assert_int_equal(resp.attempts, 1);
    assert_true(resp.body.len <= 1000);
    req.max_response_bytes = 10000; /* exactly fits */
    assert_int_equal(rec_aws_send(c, &req, &resp), 0);
    assert_int_equal(resp.body.len, 10000);
    rec_aws_response_clean_up(&resp);
    rec_aws_client_destroy(c);
    ts_stop(s);
}

static void refused_connection_is_a_retriable_transport_error(void **state)
{
    (void)state;
    struct rec_aws_client *c = client_for(NULL, 2, 1, 0);
    struct rec_aws_response resp;
    rec_aws_response_init(&resp);
    struct rec_aws_request req = { .method = "GET", .path = "/x" };
    assert_int_equal(rec_aws_send(c, &req, &resp), REC_ERR_HTTP);
    assert_int_equal(resp.status, 0);
    assert_int_equal(resp.retriable, 1);
    assert_int_equal(resp.attempts, 2);
    assert_string_equal(resp.error_code, "TransportError");
    rec_aws_response_clean_up(&resp);
    rec_aws_client_destroy(c);
}

static void stalled_stream_is_not_retried_after_bytes_were_delivered(void **state)
{
    (void)state;
    /* 1000 bytes, then silence for 3 s: the 1 s low-speed limit fires */
    struct ts_answer a[] = { { 200, NULL, NULL, 5000, 0, 1000, 3000 } };
    struct test_server *s = ts_start(a, 1);
    struct rec_aws_client *c = client_for(s, 3, 1, 1000);
    struct rec_aws_response resp;
    rec_aws_response_init(&resp);
    struct counter k = { 0, 0, 0 };
    struct rec_aws_request req = { .method = "GET", .path = "/x", .on_body = count_and_maybe_stop,
                                   .user = &k };
    assert_int_equal(rec_aws_send(c, &req, &resp), REC_ERR_HTTP);
    assert_int_equal(resp.stalled, 1);
    assert_int_equal(resp.retriable, 1);
    assert_int_equal(resp.attempts, 1);
    assert_int_equal(k.bytes, 1000);
    assert_int_equal(resp.body_bytes, 1000);
    rec_aws_response_clean_up(&resp);
    rec_aws_client_destroy(c);
    ts_stop(s);
}

static void head_404_has_the_status_as_code(void **state)
{
    (void)state;
    struct ts_answer a[] = { { 404, NULL, "", 0, 0, 0, 0 } };
    struct test_server *s = ts_start(a, 1);
    struct rec_aws_client *c = client_for(s, 3, 1, 0);
    struct rec_aws_response resp;
    rec_aws_response_init(&resp);
    struct rec_aws_request req = { .method = "HEAD", .path = "/b/k" };
    assert_int_equal(rec_aws_send(c, &req, &resp), REC_ERR_AWS);
    assert_string_equal(resp.error_code, "404");
    assert_int_equal(resp.retriable, 0);
    rec_aws_response_clean_up(&resp);
    rec_aws_client_destroy(c);
    ts_stop(s);
}

static void bad_requests_are_refused_before_sending(void **state)
{
    (void)state;
    struct ts_answer a[] = { { 200, NULL, "", 0, 0, 0, 0 } };
    struct test_server *s = ts_start(a, 1);
    struct rec_aws_client *c = client_for(s, 3, 1, 0);
    struct rec_aws_response resp;
    rec_aws_response_init(&resp);
    struct rec_aws_header host[] = { { "Host", "evil" } };
    struct rec_aws_header crlf[] = { { "X-A", "a\r\nX-Injected: 1" } };
    struct rec_aws_header badname[] = { { "X A", "v" } };
    struct rec_aws_request reqs[] = {
        { .method = "GET", .path = "/x", .headers = host, .n_headers = 1 },
        { .method = "GET", .path = "/x", .headers = crlf, .n_headers = 1 },
        { .method = "GET", .path = "/x", .headers = badname, .n_headers = 1 },
        { .method = "GET", .path = "/a b" },
        { .method = "GET", .path = "x" },
        { .method = "GET", .path = "/x?y" },
        { .method = "get", .path = "/x" },
        { .method = "GET", .path = "/x", .query = "a b" },
        { .method = "PUT", .path = "/x", .body_len = 3 },
        { .method = "GET", .path = "/x", .host_prefix = "Bad_Bucket." },
        { .method = "GET", .path = "/x", .endpoint_url = "ftp://h" },
    };
    for (size_t i = 0; i < sizeof(reqs) / sizeof(reqs[0]); i++)
        assert_int_equal(rec_aws_send(c, &reqs[i], &resp), REC_ERR_INVALID);
    assert_int_equal(ts_count(s), 0);
    rec_aws_response_clean_up(&resp);
    rec_aws_client_destroy(c);
    ts_stop(s);
}

static void request_endpoint_overrides_the_client_endpoint(void **state)
{
    (void)state;
    struct ts_answer a[] = { { 200, NULL, "data plane", 0, 0, 0, 0 } };
    struct test_server *s = ts_start(a, 1);
    struct rec_aws_client *c = client_for(NULL, 1, 1, 0); /* client endpoint is dead */
    struct rec_aws_response resp;
    rec_aws_response_init(&resp);
    char url[64];
    snprintf(url, sizeof(url), "http://127.0.0.1:%d/base/", s->port);
    struct rec_aws_request req = { .method = "POST", .endpoint_url = url, .path = "/getMedia",
                                   .body = "{}", .body_len = 2 };
    assert_int_equal(rec_aws_send(c, &req, &resp), 0);
    assert_string_equal(resp.body.data, "data plane");
    assert_string_equal(s->reqs[0].target, "/base/getMedia");
    rec_aws_response_clean_up(&resp);
    rec_aws_client_destroy(c);
    ts_stop(s);
}

static void client_config_comes_from_the_environment(void **state)
{
    (void)state;
    unsetenv("AWS_ENDPOINT_URL_KINESIS_VIDEO");
    unsetenv("AWS_ENDPOINT_URL");
    unsetenv("AWS_CA_BUNDLE");
    setenv("AWS_REGION", "eu-west-1", 1);
    setenv("AWS_ACCESS_KEY_ID", "AKID", 1);
    setenv("AWS_SECRET_ACCESS_KEY", "S", 1);
    struct rec_aws_client_config cfg = { .service_id = "Kinesis Video",
                                         .signing_name = "kinesisvideo" };
    struct rec_aws_client *c = NULL;
    assert_int_equal(rec_aws_client_new(&c, &cfg), 0);
    assert_string_equal(rec_aws_client_region(c), "eu-west-1");
    assert_string_equal(rec_aws_client_endpoint(c)->authority, "kinesisvideo.eu-west-1.amazonaws.com");
    assert_int_equal(rec_aws_client_endpoint(c)->overridden, 0);
    rec_aws_client_destroy(c);
    setenv("AWS_ENDPOINT_URL_KINESIS_VIDEO", "http://127.0.0.1:9/", 1);
    assert_int_equal(rec_aws_client_new(&c, &cfg), 0);
    assert_string_equal(rec_aws_client_endpoint(c)->authority, "127.0.0.1:9");
    assert_int_equal(rec_aws_client_endpoint(c)->overridden, 1);
    rec_aws_client_destroy(c);
    setenv("AWS_CA_BUNDLE", "/nonexistent/ca.pem", 1);
    assert_int_equal(rec_aws_client_new(&c, &cfg), REC_ERR_CONFIG);
    unsetenv("AWS_CA_BUNDLE");
    unsetenv("AWS_ACCESS_KEY_ID");
    assert_int_equal(rec_aws_client_new(&c, &cfg), REC_ERR_CONFIG);
    unsetenv("AWS_SECRET_ACCESS_KEY");
    unsetenv("AWS_REGION");
    unsetenv("AWS_ENDPOINT_URL_KINESIS_VIDEO");
}

static void a_failed_send_becomes_one_error_record(void **state)
{
    (void)state;
    struct ts_answer a[] = {
        { 403, "x-amzn-RequestId: R9\r\nx-amzn-ErrorType: AccessDeniedException:http://x/\r\n",
          "{\"message\":\"User is not authorized\"}", 0, 0, 0, 0 },
        { 503, NULL, "", 0, 0, 0, 0 },
    };
    struct test_server *s = ts_start(a, 2);
    struct rec_aws_client *c = client_for(s, 1, 1, 0);
    struct rec_aws_response resp;
    rec_aws_response_init(&resp);
    struct rec_aws_request req = { .method = "POST", .path = "/getMedia", .body = "{}", .body_len = 2 };
    struct rec_error err;
    rec_error_clear(&err);
    int rc = rec_aws_send(c, &req, &resp);
    assert_int_equal(rec_aws_error_from_send(&err, "GetMedia", rc, &resp), REC_ERR_AWS);
    assert_int_equal(err.code, REC_ERR_AWS);
    assert_int_equal(err.retriable, 0);
    assert_string_equal(err.message, "GetMedia: 403 AccessDeniedException: User is not authorized "
                                     "(request id R9)");
    /* the first failure stays; a success records nothing */
    rc = rec_aws_send(c, &req, &resp);
    assert_int_equal(rc, REC_ERR_AWS);
    assert_int_equal(rec_aws_error_from_send(&err, "GetMedia", rc, &resp), REC_ERR_AWS);
    assert_int_equal(err.retriable, 0);
    rec_error_clear(&err);
    assert_int_equal(rec_aws_error_from_send(&err, "GetMedia", 0, &resp), 0);
    assert_false(rec_error_is_set(&err));
    /* a 5xx without a body: the status stands for the code, retriable */
    assert_int_equal(rec_aws_error_from_send(&err, "PutObject", rc, &resp), REC_ERR_AWS);
    assert_int_equal(err.retriable, 1);
    assert_string_equal(err.message, "PutObject: 503 503: X");
    /* refused before sending: no response to speak of */
    rec_error_clear(&err);
    assert_int_equal(rec_aws_error_from_send(&err, "GetMedia", REC_ERR_INVALID, NULL), REC_ERR_INVALID);
    assert_string_equal(err.message, "GetMedia: invalid input");
    rec_aws_response_clean_up(&resp);
    rec_aws_client_destroy(c);
    ts_stop(s);

    /* no answer at all: the transport's words, retriable */
    c = client_for(NULL, 1, 1, 0);
    rec_error_clear(&err);
    rc = rec_aws_send(c, &req, &resp);
    assert_int_equal(rec_aws_error_from_send(&err, "GetDataEndpoint", rc, &resp), REC_ERR_HTTP);
    assert_int_equal(err.retriable, 1);
    assert_true(strncmp(err.message, "GetDataEndpoint: TransportError: ", 33) == 0);
    rec_aws_response_clean_up(&resp);
    rec_aws_client_destroy(c);
}

static void global_init_is_idempotent(void **state)
{
    (void)state;
    assert_int_equal(rec_http_global_init(), 0);
    assert_int_equal(rec_http_global_init(), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(get_returns_status_headers_and_body),
        cmocka_unit_test(dot_segments_are_sent_as_signed),
        cmocka_unit_test(large_upload_has_no_expect_and_exact_length),
        cmocka_unit_test(a_body_source_is_read_as_sent_and_its_failure_is_not_retried),
        cmocka_unit_test(connection_is_reused_across_calls),
        cmocka_unit_test(slowdown_503_is_retried_then_succeeds),
        cmocka_unit_test(json_throttling_is_retried),
        cmocka_unit_test(signature_mismatch_403_is_not_retried),
        cmocka_unit_test(exhausted_retries_report_a_retriable_failure),
        cmocka_unit_test(no_wait_is_started_past_the_deadline),
        cmocka_unit_test(retry_after_is_waited_within_the_deadline),
        cmocka_unit_test(deadline_during_a_slow_answer_times_out),
        cmocka_unit_test(streaming_delivers_the_body_and_can_stop_early),
        cmocka_unit_test(callback_error_aborts_without_retry),
        cmocka_unit_test(body_over_the_cap_fails_without_retry),
        cmocka_unit_test(refused_connection_is_a_retriable_transport_error),
        cmocka_unit_test(stalled_stream_is_not_retried_after_bytes_were_delivered),
        cmocka_unit_test(head_404_has_the_status_as_code),
        cmocka_unit_test(bad_requests_are_refused_before_sending),
        cmocka_unit_test(request_endpoint_overrides_the_client_endpoint),
        cmocka_unit_test(client_config_comes_from_the_environment),
        cmocka_unit_test(a_failed_send_becomes_one_error_record),
        cmocka_unit_test(global_init_is_idempotent),
    };
    return cmocka_run_group_tests(tests, capture_logs, release_logs);
}

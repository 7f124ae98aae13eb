/* Unit tests for the request layer's pure parts: endpoint resolution,
 * error parsing, retry classification and backoff. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "aws/endpoint.h"
#include "aws/error_parse.h"
#include "aws/retry.h"
#include "common/error.h"

static void endpoint_urls_parse(void **state)
{
    (void)state;
    struct rec_aws_endpoint e;
    assert_int_equal(rec_aws_endpoint_parse("https://S3.us-east-1.amazonaws.com", &e), 0);
    assert_string_equal(e.scheme, "https");
    assert_string_equal(e.host, "s3.us-east-1.amazonaws.com");
    assert_string_equal(e.authority, "s3.us-east-1.amazonaws.com");
    assert_int_equal(e.port, 0);
    assert_string_equal(e.base_path, "");
    assert_int_equal(rec_aws_endpoint_parse("http://127.0.0.1:4566/", &e), 0);
    assert_string_equal(e.authority, "127.0.0.1:4566");
    assert_int_equal(e.port, 4566);
    assert_int_equal(rec_aws_endpoint_parse("https://h:443/prefix/", &e), 0);
    assert_string_equal(e.authority, "h"); /* default port is not part of Host */
    assert_string_equal(e.base_path, "/prefix");
    assert_int_equal(rec_aws_endpoint_parse("http://h:80", &e), 0);
    assert_string_equal(e.authority, "h");
    assert_int_equal(rec_aws_endpoint_parse("http://[::1]:8080/x", &e), 0);
    assert_string_equal(e.host, "[::1]");
    assert_string_equal(e.authority, "[::1]:8080");
    const char *bad[] = { "ftp://h", "h:80", "http://", "http://u@h/", "http://h:0",
                          "http://h:65536", "http://h:8x", "http://h/?q", "http://h/#f",
                          "http://h:", "http://h h", "http://[::1", NULL };
    for (int i = 0; bad[i]; i++)
        assert_int_equal(rec_aws_endpoint_parse(bad[i], &e), REC_ERR_INVALID);
}

static void endpoint_env_names_follow_the_sdk_convention(void **state)
{
    (void)state;
    char name[64];
    assert_int_equal(rec_aws_endpoint_env_name("Kinesis Video", name, sizeof(name)), 0);
    assert_string_equal(name, "AWS_ENDPOINT_URL_KINESIS_VIDEO");
    assert_int_equal(rec_aws_endpoint_env_name("S3", name, sizeof(name)), 0);
    assert_string_equal(name, "AWS_ENDPOINT_URL_S3");
    assert_int_equal(rec_aws_endpoint_env_name("connect", name, sizeof(name)), 0);
    assert_string_equal(name, "AWS_ENDPOINT_URL_CONNECT");
    assert_int_equal(rec_aws_endpoint_env_name("Kinesis Video", name, 20), REC_ERR_LIMIT);
}

static void endpoint_resolution_order(void **state)
{
    (void)state;
    struct rec_aws_endpoint e;
    unsetenv("AWS_ENDPOINT_URL");
    unsetenv("AWS_ENDPOINT_URL_S3");
    unsetenv("AWS_ENDPOINT_URL_CONNECT");
    assert_int_equal(rec_aws_endpoint_resolve("S3", "s3", "eu-west-1", &e), 0);
    assert_string_equal(e.authority, "s3.eu-west-1.amazonaws.com");
    assert_string_equal(e.scheme, "https");
    assert_int_equal(e.overridden, 0);
    assert_int_equal(rec_aws_endpoint_resolve("Connect", "connect", "cn-north-1", &e), 0);
    assert_string_equal(e.authority, "connect.cn-north-1.amazonaws.com.cn");
    setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:1000", 1);
    assert_int_equal(rec_aws_endpoint_resolve("S3", "s3", "eu-west-1", &e), 0);
    assert_string_equal(e.authority, "127.0.0.1:1000");
    assert_int_equal(e.overridden, 1);
    setenv("AWS_ENDPOINT_URL_S3", "http://127.0.0.1:2000", 1);
    assert_int_equal(rec_aws_endpoint_resolve("S3", "s3", "eu-west-1", &e), 0);
    assert_string_equal(e.authority, "127.0.0.1:2000");
    /* the service-specific one applies to its service only */
    assert_int_equal(rec_aws_endpoint_resolve("Connect", "connect", "eu-west-1", &e), 0);
    assert_string_equal(e.authority, "127.0.0.1:1000");
    setenv("AWS_ENDPOINT_URL_S3", "not a url", 1);
    assert_int_equal(rec_aws_endpoint_resolve("S3", "s3", "eu-west-1", &e), REC_ERR_CONFIG);
    unsetenv("AWS_ENDPOINT_URL");
    unsetenv("AWS_ENDPOINT_URL_S3");
    assert_int_equal(rec_aws_endpoint_resolve("S3", "s3", "EU WEST", &e), REC_ERR_INVALID);
}

struct err_case {
    const char *header;
    const char *body;
    const char *code;
    const char *message;
};

static void errors_parse_from_json_and_xml(void **state)
{
    (void)state;
    const struct err_case cases[] = {
        /* KVS: code in the header, message in the body */
        { "ResourceNotFoundException:http://internal.amazon.com/coral/com.amazonaws.kinesisvideo/",
          "{\"message\":\"Stream not found\"}", "ResourceNotFoundException", "Stream not found" },
        /* header wins over __type */
        { "ThrottlingException", "{\"__type\":\"Other\",\"Message\":\"M\"}", "ThrottlingException", "M" },
        { NULL, "{\"__type\":\"com.amazonaws.connect#ResourceNotFoundException\",\"Message\":\"no\"}",
          "ResourceNotFoundException", "no" },
        { NULL, "  {\"code\":\"InvalidParameterException\",\"__type\":\"x#Y\"}",
          "InvalidParameterException", "" },
        { NULL, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>NoSuchKey</Code>"
                "<Message>The specified key does not exist.</Message><Key>k</Key></Error>",
          "NoSuchKey", "The specified key does not exist." },
        { NULL, "<ErrorResponse><Error><Type>Sender</Type><Code>InvalidClientTokenId</Code>"
                "<Message>a &lt;b&gt; &amp; &quot;c&quot; &apos;d&apos;\nline</Message></Error>"
                "</ErrorResponse>",
          "InvalidClientTokenId", "a <b> & \"c\" 'd' line" },
        { NULL, "", "", "" },
        { NULL, "not json or xml", "", "" },
        { NULL, "{\"broken\":", "", "" },
        { NULL, "[1,2]", "", "" },
        { NULL, "<Error><Code>Unclosed", "", "" },
        { "", "{\"message\":\"only message\"}", "", "only message" },
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char code[64], msg[128];
        rec_aws_parse_error(cases[i].header, cases[i].body, strlen(cases[i].body), code,
                            sizeof(code), msg, sizeof(msg));
        assert_string_equal(code, cases[i].code);
        assert_string_equal(msg, cases[i].message);
    }
}

static void error_fields_are_truncated_to_fit(void **state)
{
    (void)state;
    char code[8], msg[6];
    const char *body = "<Error><Code>SignatureDoesNotMatch</Code><Message>0123456789</Message></Error>";
    rec_aws_parse_error(NULL, body, strlen(body), code, sizeof(code), msg, sizeof(msg));
    assert_string_equal(code, "Signatu");
    assert_string_equal(msg, "01234");
    /* a body that is not NUL-terminated is read only to its length */
    char raw[] = { '{', '"', 'm', 'e', 's', 's', 'a', 'g', 'e', '"', ':', '"', 'x', '"', '}', 'Z' };
    rec_aws_parse_error(NULL, raw, 15, code, sizeof(code), msg, sizeof(msg));
    assert_string_equal(msg, "x");
}

static void retriable_and_throttling_classes(void **state)
{
    (void)state;
    const char *throttles[] = { "ThrottlingException", "ClientLimitExceededException",
                                "ConnectionLimitExceededException", "SlowDown",
                                "RequestLimitExceeded" };
    for (size_t i = 0; i < sizeof(throttles) / sizeof(throttles[0]); i++) {
        assert_true(rec_aws_is_throttling(400, throttles[i]));
        assert_true(rec_aws_is_retriable(400, throttles[i], 0));
    }
    assert_true(rec_aws_is_throttling(429, ""));
    assert_false(rec_aws_is_throttling(503, "ServiceUnavailable"));
    assert_true(rec_aws_is_retriable(503, "ServiceUnavailable", 0));
    assert_true(rec_aws_is_retriable(500, "", 0));
    assert_true(rec_aws_is_retriable(0, "", 1));
    assert_true(rec_aws_is_retriable(400, "RequestTimeout", 0));
    assert_false(rec_aws_is_retriable(403, "SignatureDoesNotMatch", 0));
    assert_false(rec_aws_is_retriable(404, "NoSuchKey", 0));
    assert_false(rec_aws_is_retriable(400, "InvalidArgumentException", 0));
    assert_false(rec_aws_is_retriable(301, "PermanentRedirect", 0));
}

static void backoff_is_full_jitter_under_a_doubling_cap(void **state)
{
    (void)state;
    struct rec_aws_retry_policy p;
    rec_aws_retry_policy_default(&p);
    assert_int_equal(p.max_attempts, 5);
    const uint64_t top = UINT64_MAX, zero = 0, half = UINT64_C(1) << 63;
    /* the upper end of the jitter range doubles per retry from the base... */
    assert_int_equal(rec_aws_backoff_ms(&p, 1, 0, top), 100);
    assert_int_equal(rec_aws_backoff_ms(&p, 2, 0, top), 200);
    assert_int_equal(rec_aws_backoff_ms(&p, 3, 0, top), 400);
    assert_int_equal(rec_aws_backoff_ms(&p, 1, 1, top), 500);
    assert_int_equal(rec_aws_backoff_ms(&p, 3, 1, top), 2000);
    /* ...up to the cap, without overflow however many retries */
    assert_int_equal(rec_aws_backoff_ms(&p, 40, 0, top), 20000);
    assert_int_equal(rec_aws_backoff_ms(&p, 4000000000u, 1, top), 20000);
    /* full jitter: anything from 0 to the cap */
    assert_int_equal(rec_aws_backoff_ms(&p, 3, 0, zero), 0);
    uint32_t mid = rec_aws_backoff_ms(&p, 3, 0, half);
    assert_true(mid >= 199 && mid <= 201);
}

static void retry_after_takes_seconds_or_an_http_date(void **state)
{
    (void)state;
    uint32_t ms = 7;
    /* 1994-11-06T08:49:37Z = 784111777 s */
    const int64_t now = INT64_C(784111777) * 1000;
    assert_int_equal(rec_aws_retry_after_ms("3", now, &ms), 0);
    assert_int_equal(ms, 3000);
    assert_int_equal(rec_aws_retry_after_ms(" 0 ", now, &ms), 0);
    assert_int_equal(ms, 0);
    assert_int_equal(rec_aws_retry_after_ms("Sun, 06 Nov 1994 08:49:42 GMT", now, &ms), 0);
    assert_int_equal(ms, 5000);
    assert_int_equal(rec_aws_retry_after_ms("Sun, 06 Nov 1994 08:49:30 GMT", now, &ms), 0);
    assert_int_equal(ms, 0); /* a date already past: no extra wait */
    /* huge values saturate instead of wrapping into a short wait */
    assert_int_equal(rec_aws_retry_after_ms("99999999999999999999999", now, &ms), 0);
    assert_int_equal(ms, UINT32_MAX);
    /* anything else is ignored by the caller (the usual backoff applies) */
    ms = 7;
    assert_int_equal(rec_aws_retry_after_ms(NULL, now, &ms), REC_ERR_INVALID);
    assert_int_equal(rec_aws_retry_after_ms("", now, &ms), REC_ERR_INVALID);
    assert_int_equal(rec_aws_retry_after_ms("-1", now, &ms), REC_ERR_INVALID);
    assert_int_equal(rec_aws_retry_after_ms("1.5", now, &ms), REC_ERR_INVALID);
    assert_int_equal(rec_aws_retry_after_ms("soon", now, &ms), REC_ERR_INVALID);
    assert_int_equal(rec_aws_retry_after_ms("Sun, 06 Nov 1994 08:49:42 GMT junk", now, &ms),
                     REC_ERR_INVALID);
    assert_int_equal(ms, 7);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(endpoint_urls_parse),
        cmocka_unit_test(endpoint_env_names_follow_the_sdk_convention),
        cmocka_unit_test(endpoint_resolution_order),
        cmocka_unit_test(errors_parse_from_json_and_xml),
        cmocka_unit_test(error_fields_are_truncated_to_fit),
        cmocka_unit_test(retriable_and_throttling_classes),
        cmocka_unit_test(backoff_is_full_jitter_under_a_doubling_cap),
        cmocka_unit_test(retry_after_takes_seconds_or_an_http_date),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

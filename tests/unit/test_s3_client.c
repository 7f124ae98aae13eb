/* Tests of the minimal S3 client (services/s3_client.c) against the scripted local
 * server: addressing style, key encoding, PutObject headers, GetObject cap,
 * 404 handling, argument checks. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "common/error.h"
#include "services/s3_client.h"
#include "sigv4/crypto.h"
#include "test_aws_server.h"

static struct rec_s3_client *s3_for(const char *endpoint_url)
{
    struct sigv4_credentials creds;
    assert_int_equal(sigv4_credentials_init(&creds, "AKIDEXAMPLE", "secret", NULL), 0);
    struct rec_s3_config cfg = { .region = "us-east-1", .credentials = &creds,
                                 .endpoint_url = endpoint_url,
                                 .retry = { 2, 1, 1, 4 } };
    struct rec_s3_client *s3 = NULL;
    assert_int_equal(rec_s3_client_new(&s3, &cfg), 0);
    sigv4_credentials_clean_up(&creds);
    return s3;
}

/* A client whose endpoint came from AWS_ENDPOINT_URL_S3 (so: path style). */
static struct rec_s3_client *s3_overridden(struct test_server *s)
{
    char url[64];
    snprintf(url, sizeof(url), "http://127.0.0.1:%d", s->port);
    setenv("AWS_ENDPOINT_URL_S3", url, 1);
    struct rec_s3_client *c = s3_for(NULL);
    unsetenv("AWS_ENDPOINT_URL_S3");
    return c;
}

static int header_is(const char *head, const char *name, const char *value)
{
    const char *v = ts_find_header(head, name);
    return v && strncmp(v, value, strlen(value)) == 0 && v[strlen(value)] == '\r';
}

static void put_object_sends_key_metadata_and_encryption(void **state)
{
    (void)state;
    struct ts_answer a[] = { { 200, "ETag: \"abc\"\r\n", "", 0, 0, 0, 0 } };
    struct test_server *s = ts_start(a, 1);
    struct rec_s3_client *s3 = s3_overridden(s);
    assert_true(rec_s3_uses_path_style(s3, "recordings"));
    struct rec_aws_header meta[] = { { "contact-id", "c-1234" } };
    struct rec_s3_put_options opt = { .content_type = "audio/wav", .metadata = meta,
                                      .n_metadata = 1, .sse = "AES256" };
    struct rec_aws_response resp;
    rec_aws_response_init(&resp);
    const char *body = "RIFF....WAVE";
    assert_int_equal(rec_s3_put_object(s3, "recordings", "recordings/2024/2/25/a b+c~.wav", body,
                                       strlen(body), &opt, &resp, NULL),
                     0);
    assert_string_equal(rec_aws_response_header(&resp, "etag"), "\"abc\"");
    const struct ts_request *r = &s->reqs[0];
    assert_string_equal(r->method, "PUT");
    assert_string_equal(r->target, "/recordings/recordings/2024/2/25/a%20b%2Bc~.wav");
    assert_true(header_is(r->head, "content-type", "audio/wav"));
    assert_true(header_is(r->head, "x-amz-meta-contact-id", "c-1234"));
    assert_true(header_is(r->head, "x-amz-server-side-encryption", "AES256"));
    char hash[65];
    sigv4_sha256_hex(body, strlen(body), hash);
    assert_true(header_is(r->head, "x-amz-content-sha256", hash));
    assert_non_null(strstr(ts_find_header(r->head, "authorization"),
                           "SignedHeaders=content-type;host;x-amz-content-sha256;x-amz-date;"
                           "x-amz-meta-contact-id;x-amz-server-side-encryption,"));
    assert_int_equal(r->body_len, strlen(body));
    rec_aws_response_clean_up(&resp);
    rec_s3_client_destroy(s3);
    ts_stop(s);
}

static void default_endpoint_style_is_virtual_hosted(void **state)
{
    (void)state;
    struct ts_answer a[] = { { 200, NULL, "object bytes", 0, 0, 0, 0 } };
    struct test_server *s = ts_start(a, 1);
    char url[64];
    /* libcurl resolves *.localhost to the loopback address itself */
    snprintf(url, sizeof(url), "http://localhost:%d", s->port);
    struct rec_s3_client *s3 = s3_for(url);
    assert_false(rec_s3_uses_path_style(s3, "rec-bucket"));
    assert_true(rec_s3_uses_path_style(s3, "dotted.bucket")); /* TLS cannot cover it */
    struct rec_aws_response resp;
    rec_aws_response_init(&resp);
    assert_int_equal(rec_s3_get_object(s3, "rec-bucket", "dir/k", 0, 0, &resp, NULL), 0);
    assert_string_equal(resp.body.data, "object bytes");
    char host[64];
    snprintf(host, sizeof(host), "rec-bucket.localhost:%d", s->port);
    assert_true(header_is(s->reqs[0].head, "host", host));
    assert_string_equal(s->reqs[0].target, "/dir/k");
    rec_aws_response_clean_up(&resp);
    rec_s3_client_destroy(s3);
    ts_stop(s);
}

static void get_object_is_capped_and_404_is_not_found(void **state)
{
    (void)state;
    struct ts_answer a[] = {
        { 200, NULL, NULL, 5000, 0, 0, 0 },
        { 404, NULL, "<Error><Code>NoSuchKey</Code><Message>gone</Message></Error>", 0, 0, 0, 0 },
        { 404, NULL, "", 0, 0, 0, 0 },
        { 200, "Content-Length-Note: x\r\nx-amz-meta-contact-id: c-9\r\n", "", 0, 0, 0, 0 },
    };
    struct test_server *s = ts_start(a, 4);
    struct rec_s3_client *s3 = s3_overridden(s);
    struct rec_aws_response resp;
    rec_aws_response_init(&resp);
    assert_int_equal(rec_s3_get_object(s3, "bucket", "big", 4999, 0, &resp, NULL), REC_ERR_LIMIT);
    assert_int_equal(resp.retriable, 0);
    struct rec_error err;
    rec_error_clear(&err);
    assert_int_equal(rec_s3_get_object(s3, "bucket", "gone", 0, 0, &resp, &err), REC_ERR_NOT_FOUND);
    assert_string_equal(resp.error_code, "NoSuchKey");
    assert_int_equal(resp.retriable, 0);
    assert_int_equal(err.code, REC_ERR_NOT_FOUND);
    assert_int_equal(err.retriable, 0);
    assert_string_equal(err.message, "GetObject: 404 NoSuchKey: gone");
    assert_int_equal(rec_s3_head_object(s3, "bucket", "gone", 0, &resp, NULL), REC_ERR_NOT_FOUND);
    assert_int_equal(rec_s3_head_object(s3, "bucket", "there", 0, &resp, NULL), 0);
    assert_string_equal(rec_aws_response_header(&resp, "x-amz-meta-contact-id"), "c-9");
    assert_string_equal(s->reqs[3].method, "HEAD");
    rec_aws_response_clean_up(&resp);
    rec_s3_client_destroy(s3);
    ts_stop(s);
}

static void generic_requests_carry_a_query_for_multipart(void **state)
{
    (void)state;
    struct ts_answer a[] = { { 200, NULL, "<InitiateMultipartUploadResult/>", 0, 0, 0, 0 } };
    struct test_server *s = ts_start(a, 1);
    struct rec_s3_client *s3 = s3_overridden(s);
    struct rec_aws_response resp;
    rec_aws_response_init(&resp);
    struct rec_s3_request req = { .method = "POST", .bucket = "bucket", .key = "k", .query = "uploads" };
    assert_int_equal(rec_s3_send(s3, &req, &resp, NULL), 0);
    assert_string_equal(s->reqs[0].target, "/bucket/k?uploads");
    struct rec_s3_request part = { .method = "PUT", .bucket = "bucket", .key = "k",
                                   .query = "partNumber=2&uploadId=u%2B1", .body = "part",
                                   .body_len = 4,
                                   .payload_hash = "0000000000000000000000000000000000000000000000000000000000000000" };
    assert_int_equal(rec_s3_send(s3, &part, &resp, NULL), 0);
    assert_string_equal(s->reqs[1].target, "/bucket/k?partNumber=2&uploadId=u%2B1");
    assert_true(header_is(s->reqs[1].head, "x-amz-content-sha256", part.payload_hash));
    struct rec_s3_request bucket_op = { .method = "GET", .bucket = "bucket" };
    assert_int_equal(rec_s3_send(s3, &bucket_op, &resp, NULL), 0);
    assert_string_equal(s->reqs[2].target, "/bucket");
    rec_aws_response_clean_up(&resp);
    rec_s3_client_destroy(s3);
    ts_stop(s);
}

static void bad_arguments_send_nothing(void **state)
{
    (void)state;
    struct ts_answer a[] = { { 200, NULL, "", 0, 0, 0, 0 } };
    struct test_server *s = ts_start(a, 1);
    struct rec_s3_client *s3 = s3_overridden(s);
    struct rec_aws_response resp;
    rec_aws_response_init(&resp);
    struct rec_aws_header non_ascii[] = { { "name", "caf\xc3\xa9" } };
    struct rec_aws_header bad_name[] = { { "na me", "v" } };
    struct rec_s3_put_options o1 = { .metadata = non_ascii, .n_metadata = 1 };
    struct rec_s3_put_options o2 = { .metadata = bad_name, .n_metadata = 1 };
    struct rec_s3_put_options o3 = { .sse = "rot13" };
    struct rec_s3_put_options o4 = { .sse = "AES256", .sse_kms_key_id = "k" };
    struct rec_error err;
    rec_error_clear(&err);
    assert_int_equal(rec_s3_put_object(s3, "bucket", "k", "x", 1, &o1, &resp, &err), REC_ERR_INVALID);
    assert_int_equal(err.code, REC_ERR_INVALID);
    assert_int_equal(err.retriable, 0);
    assert_string_equal(err.message, "PutObject: no key, or metadata S3 would not store, or an unknown encryption");
    assert_int_equal(rec_s3_put_object(s3, "bucket", "k", "x", 1, &o2, &resp, NULL), REC_ERR_INVALID);
    assert_int_equal(rec_s3_put_object(s3, "bucket", "k", "x", 1, &o3, &resp, NULL), REC_ERR_INVALID);
    assert_int_equal(rec_s3_put_object(s3, "bucket", "k", "x", 1, &o4, &resp, NULL), REC_ERR_INVALID);
    assert_int_equal(rec_s3_put_object(s3, "Bucket", "k", "x", 1, NULL, &resp, NULL), REC_ERR_INVALID);
    assert_int_equal(rec_s3_put_object(s3, "ab", "k", "x", 1, NULL, &resp, NULL), REC_ERR_INVALID);
    assert_int_equal(rec_s3_put_object(s3, "bucket", "", "x", 1, NULL, &resp, NULL), REC_ERR_INVALID);
    assert_int_equal(rec_s3_get_object(s3, "bucket", NULL, 0, 0, &resp, NULL), REC_ERR_INVALID);
    char long_key[1100];
    memset(long_key, 'k', sizeof(long_key) - 1);
    long_key[sizeof(long_key) - 1] = '\0';
    assert_int_equal(rec_s3_get_object(s3, "bucket", long_key, 0, 0, &resp, NULL), REC_ERR_INVALID);
    assert_int_equal(ts_count(s), 0);
    rec_aws_response_clean_up(&resp);
    rec_s3_client_destroy(s3);
    ts_stop(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(put_object_sends_key_metadata_and_encryption),
        cmocka_unit_test(default_endpoint_style_is_virtual_hosted),
        cmocka_unit_test(get_object_is_capped_and_404_is_not_found),
        cmocka_unit_test(generic_requests_carry_a_query_for_multipart),
        cmocka_unit_test(bad_arguments_send_nothing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

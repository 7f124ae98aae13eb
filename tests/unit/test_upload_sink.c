/* Tests of the S3 upload sink (s3/upload_sink.c) against the scripted local
 * server (test_aws_server.h), answers taken in order: a small object is one
 * PutObject; a large one is a multipart upload whose part 1 (holding the
 * header rewritten at the end) goes up last, parts numbered 2, 3, ... as
 * they fill and listed in order on completion; a discard and a failed
 * commit abort the upload, and a 200 answer to CompleteMultipartUpload
 * that carries an <Error> is a failure. The parts held wait in an unlinked
 * spool file: a retried part sends the same bytes with the same signed
 * SHA-256, the spool directory never shows a file, and a spool directory
 * that cannot be used is a clear, retriable error. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <dirent.h>
#include <stdlib.h>
#include <unistd.h>

#include "common/error.h"
#include "s3/upload_sink.h"
#include "sigv4/crypto.h"
#include "test_aws_server.h"

#define PART S3_UPLOAD_MIN_PART
#define CREATED "<InitiateMultipartUploadResult><Bucket>recs</Bucket><Key>k</Key>" \
                "<UploadId>up+1</UploadId></InitiateMultipartUploadResult>"
#define COMPLETED "<CompleteMultipartUploadResult><ETag>\"all\"</ETag></CompleteMultipartUploadResult>"

/* A client of the test server making at most `attempts` attempts a request. */
static struct rec_s3_client *s3_attempts(struct test_server *s, unsigned attempts)
{
    char url[64];
    snprintf(url, sizeof(url), "http://127.0.0.1:%d", s->port);
    struct sigv4_credentials creds;
    assert_int_equal(sigv4_credentials_init(&creds, "AKIDEXAMPLE", "secret", NULL), 0);
    struct rec_s3_config cfg = { .region = "us-east-1", .credentials = &creds, .endpoint_url = url,
                                 .force_path_style = 1, .retry = { attempts, 1, 1, 1 } };
    struct rec_s3_client *s3 = NULL;
    assert_int_equal(rec_s3_client_new(&s3, &cfg), 0);
    sigv4_credentials_clean_up(&creds);
    return s3;
}

static struct rec_s3_client *s3_for(struct test_server *s)
{
    return s3_attempts(s, 1);
}

static struct s3_upload_config config_for(struct rec_s3_client *s3)
{
    return (struct s3_upload_config){ .s3 = s3, .bucket = "recs", .key = "2025/1/2/c-1_audio mixed.wav",
                                      .content_type = "audio/wav", .contact_id = "c-1",
                                      .part_size = PART };
}

#define KEY_PATH "/recs/2025/1/2/c-1_audio%20mixed.wav"

/* The byte at offset i of the object the tests write. */
static uint8_t pattern(uint64_t i)
{
    return (uint8_t)(i * 7 + i / 251);
}

/* Writes bytes [from, to) of the pattern in uneven pieces. */
static void write_pattern(struct byte_sink *sink, uint64_t from, uint64_t to)
{
    static uint8_t buf[70001];
    while (from < to) {
        size_t n = to - from < sizeof(buf) ? (size_t)(to - from) : sizeof(buf);
        for (size_t i = 0; i < n; i++)
            buf[i] = pattern(from + i);
        assert_int_equal(byte_sink_write(sink, buf, n), 0);
        from += n;
    }
}

/* The WAV writer's last act: the header rewritten, then back to the end. */
static void rewrite_header(struct byte_sink *sink)
{
    uint64_t end = byte_sink_tell(sink);
    assert_int_equal(byte_sink_seek(sink, 0), 0);
    assert_int_equal(byte_sink_write(sink, "FINAL-HEADER", 12), 0);
    assert_int_equal(byte_sink_seek(sink, end), 0);
}

static int header_is(const struct ts_request *r, const char *name, const char *value)
{
    const char *v = ts_find_header(r->head, name);
    return v && strncmp(v, value, strlen(value)) == 0 && v[strlen(value)] == '\r';
}

static int body_is_pattern_from(const struct ts_request *r, uint64_t offset)
{
    size_t n = r->body_len < TS_BODY_KEEP ? r->body_len : TS_BODY_KEEP;
    for (size_t i = 0; i < n; i++)
        if ((uint8_t)r->body[i] != pattern(offset + i))
            return 0;
    return 1;
}

static void a_small_object_is_one_put_object_with_the_final_header(void **state)
{
    (void)state;
    struct ts_answer a[] = { { 200, "ETag: \"one\"\r\n", "", 0, 0, 0, 0 } };
    struct test_server *s = ts_start(a, 1);
    struct rec_s3_client *s3 = s3_for(s);
    struct s3_upload_config cfg = config_for(s3);
    cfg.sse = "aws:kms";
    cfg.kms_key_id = "arn:aws:kms:us-east-1:123456789012:key/k-1";
    cfg.acl = "bucket-owner-full-control";
    struct s3_upload_status st;
    struct byte_sink sink;
    assert_int_equal(s3_upload_sink_open(&cfg, &st, &sink), 0);
    write_pattern(&sink, 0, PART); /* exactly one part: still one PutObject */
    rewrite_header(&sink);
    assert_int_equal(ts_count(s), 0); /* nothing goes before the end */
    assert_int_equal(byte_sink_close(&sink, 1), 0);
    assert_int_equal(ts_count(s), 1);
    const struct ts_request *r = &s->reqs[0];
    assert_string_equal(r->method, "PUT");
    assert_string_equal(r->target, KEY_PATH);
    assert_int_equal(r->body_len, PART);
    assert_memory_equal(r->body, "FINAL-HEADER", 12);
    assert_true(header_is(r, "content-type", "audio/wav"));
    assert_true(header_is(r, "x-amz-meta-contact-id", "c-1"));
    assert_true(header_is(r, "x-amz-server-side-encryption", "aws:kms"));
    assert_true(header_is(r, "x-amz-server-side-encryption-aws-kms-key-id", cfg.kms_key_id));
    assert_true(header_is(r, "x-amz-acl", "bucket-owner-full-control"));
    assert_true(st.committed);
    assert_int_equal(st.parts, 0);
    assert_int_equal(st.bytes, PART);
    assert_false(rec_error_is_set(&st.err));
    rec_s3_client_destroy(s3);
    ts_stop(s);
}

static void a_large_object_sends_part_1_last_and_lists_parts_in_order(void **state)
{
    (void)state;
    struct ts_answer a[] = {
        { 200, NULL, CREATED, 0, 0, 0, 0 },
        { 200, "ETag: \"e2\"\r\n", "", 0, 0, 0, 0 },
        { 200, "ETag: \"e3\"\r\n", "", 0, 0, 0, 0 },
        { 200, "ETag: \"e4\"\r\n", "", 0, 0, 0, 0 },
        { 200, "ETag: \"e1\"\r\n", "", 0, 0, 0, 0 },
        { 200, NULL, COMPLETED, 0, 0, 0, 0 },
    };
    struct test_server *s = ts_start(a, 6);
    struct rec_s3_client *s3 = s3_for(s);
    struct s3_upload_config cfg = config_for(s3);
    struct s3_upload_status st;
    struct byte_sink sink;
    assert_int_equal(s3_upload_sink_open(&cfg, &st, &sink), 0);
    uint64_t size = 3 * (uint64_t)PART + 1000;
    write_pattern(&sink, 0, 3 * (uint64_t)PART);
    /* parts 2 and 3 went up as they filled; part 1 is held */
    assert_int_equal(ts_count(s), 3);
    write_pattern(&sink, 3 * (uint64_t)PART, size);
    rewrite_header(&sink);
    assert_int_equal(byte_sink_close(&sink, 1), 0);

    assert_int_equal(ts_count(s), 6);
    const struct ts_request *r = s->reqs;
    assert_string_equal(r[0].method, "POST");
    assert_string_equal(r[0].target, KEY_PATH "?uploads=");
    assert_true(header_is(&r[0], "content-type", "audio/wav"));
    assert_true(header_is(&r[0], "x-amz-meta-contact-id", "c-1"));
    assert_true(header_is(&r[0], "x-amz-server-side-encryption", "AES256"));
    const char *targets[] = { KEY_PATH "?partNumber=2&uploadId=up%2B1", KEY_PATH "?partNumber=3&uploadId=up%2B1",
                              KEY_PATH "?partNumber=4&uploadId=up%2B1", KEY_PATH "?partNumber=1&uploadId=up%2B1" };
    const uint64_t offsets[] = { PART, 2 * (uint64_t)PART, 3 * (uint64_t)PART, 0 };
    const size_t lengths[] = { PART, PART, 1000, PART };
    for (int i = 0; i < 4; i++) {
        assert_string_equal(r[1 + i].method, "PUT");
        assert_string_equal(r[1 + i].target, targets[i]);
        assert_int_equal(r[1 + i].body_len, lengths[i]);
        if (i < 3)
            assert_true(body_is_pattern_from(&r[1 + i], offsets[i]));
    }
    /* part 1 carries the header as rewritten at the end, then the audio */
    assert_memory_equal(r[4].body, "FINAL-HEADER", 12);
    assert_int_equal((uint8_t)r[4].body[12], pattern(12));
    assert_string_equal(r[5].method, "POST");
    assert_string_equal(r[5].target, KEY_PATH "?uploadId=up%2B1");
    assert_true(header_is(&r[5], "content-type", "application/xml"));
    assert_non_null(strstr(r[5].body, "<Part><PartNumber>1</PartNumber><ETag>\"e1\"</ETag></Part>"
                                      "<Part><PartNumber>2</PartNumber><ETag>\"e2\"</ETag></Part>"
                                      "<Part><PartNumber>3</PartNumber><ETag>\"e3\"</ETag></Part>"
                                      "<Part><PartNumber>4</PartNumber><ETag>\"e4\"</ETag></Part>"
                                      "</CompleteMultipartUpload>"));
    assert_true(st.committed);
    assert_false(st.aborted);
    assert_int_equal(st.parts, 4);
    assert_int_equal(st.bytes, size);
    rec_s3_client_destroy(s3);
    ts_stop(s);
}

static void a_discard_aborts_the_upload_or_sends_nothing(void **state)
{
    (void)state;
    struct ts_answer a[] = {
        { 200, NULL, CREATED, 0, 0, 0, 0 },
        { 200, "ETag: \"e2\"\r\n", "", 0, 0, 0, 0 },
        { 204, NULL, "", 0, 0, 0, 0 },
    };
    struct test_server *s = ts_start(a, 3);
    struct rec_s3_client *s3 = s3_for(s);
    struct s3_upload_config cfg = config_for(s3);
    struct s3_upload_status st;
    struct byte_sink sink;
    /* nothing was sent yet: nothing to undo */
    assert_int_equal(s3_upload_sink_open(&cfg, &st, &sink), 0);
    write_pattern(&sink, 0, PART + 10);
    assert_int_equal(byte_sink_close(&sink, 0), 0);
    assert_int_equal(ts_count(s), 0);
    assert_false(st.committed);
    assert_false(st.aborted);
    /* a multipart upload was started: it is aborted */
    assert_int_equal(s3_upload_sink_open(&cfg, &st, &sink), 0);
    write_pattern(&sink, 0, 2 * (uint64_t)PART + 10);
    assert_int_equal(ts_count(s), 2);
    assert_int_equal(byte_sink_close(&sink, 0), 0);
    assert_int_equal(ts_count(s), 3);
    assert_string_equal(s->reqs[2].method, "DELETE");
    assert_string_equal(s->reqs[2].target, KEY_PATH "?uploadId=up%2B1");
    assert_true(st.aborted);
    assert_false(st.committed);
    assert_false(rec_error_is_set(&st.err));
    rec_s3_client_destroy(s3);
    ts_stop(s);
}

static void an_error_in_a_200_completion_fails_the_commit_and_aborts(void **state)
{
    (void)state;
    struct ts_answer a[] = {
        { 200, NULL, CREATED, 0, 0, 0, 0 },
        { 200, "ETag: \"e2\"\r\n", "", 0, 0, 0, 0 },
        { 200, "ETag: \"e1\"\r\n", "", 0, 0, 0, 0 },
        { 200, "x-amz-request-id: R-7\r\n",
          "<?xml version=\"1.0\"?>\n<Error><Code>InternalError</Code><Message>We encountered an "
          "internal error. Please try again.</Message></Error>", 0, 0, 0, 0 },
        { 204, NULL, "", 0, 0, 0, 0 },
    };
    struct test_server *s = ts_start(a, 5);
    struct rec_s3_client *s3 = s3_for(s);
    struct s3_upload_config cfg = config_for(s3);
    struct s3_upload_status st;
    struct byte_sink sink;
    assert_int_equal(s3_upload_sink_open(&cfg, &st, &sink), 0);
    write_pattern(&sink, 0, 2 * (uint64_t)PART);
    assert_int_equal(byte_sink_close(&sink, 1), REC_ERR_AWS);
    assert_int_equal(ts_count(s), 5);
    assert_string_equal(s->reqs[3].target, KEY_PATH "?uploadId=up%2B1");
    assert_string_equal(s->reqs[4].method, "DELETE");
    assert_string_equal(s->reqs[4].target, KEY_PATH "?uploadId=up%2B1");
    assert_false(st.committed);
    assert_true(st.aborted);
    assert_int_equal(st.err.code, REC_ERR_AWS);
    assert_int_equal(st.err.retriable, 1);
    assert_string_equal(st.err.message,
                        "s3://recs/2025/1/2/c-1_audio mixed.wav: CompleteMultipartUpload: 200 "
                        "InternalError: We encountered an internal error. Please try again. "
                        "(request id R-7)");
    rec_s3_client_destroy(s3);
    ts_stop(s);
}

static void a_failed_part_stops_writing_and_the_commit_aborts(void **state)
{
    (void)state;
    struct ts_answer a[] = {
        { 200, NULL, CREATED, 0, 0, 0, 0 },
        { 503, NULL, "<Error><Code>SlowDown</Code><Message>Reduce your rate.</Message></Error>", 0, 0, 0, 0 },
        { 204, NULL, "", 0, 0, 0, 0 },
    };
    struct test_server *s = ts_start(a, 3);
    struct rec_s3_client *s3 = s3_for(s);
    struct s3_upload_config cfg = config_for(s3);
    struct s3_upload_status st;
    struct byte_sink sink;
    assert_int_equal(s3_upload_sink_open(&cfg, &st, &sink), 0);
    write_pattern(&sink, 0, PART);
    static uint8_t part[PART];
    assert_int_equal(byte_sink_write(&sink, part, sizeof(part)), REC_ERR_IO);
    assert_int_equal(st.err.retriable, 1);
    assert_string_equal(st.err.message, "s3://recs/2025/1/2/c-1_audio mixed.wav: UploadPart: 503 "
                                        "SlowDown: Reduce your rate.");
    assert_int_equal(byte_sink_write(&sink, "x", 1), REC_ERR_IO); /* nothing more is taken */
    assert_int_equal(byte_sink_close(&sink, 1), REC_ERR_IO);
    assert_int_equal(ts_count(s), 3);
    assert_string_equal(s->reqs[2].method, "DELETE");
    assert_true(st.aborted);
    assert_false(st.committed);
    rec_s3_client_destroy(s3);
    ts_stop(s);
}

static void a_rewrite_outside_part_1_is_refused(void **state)
{
    (void)state;
    struct ts_answer a[] = { { 200, NULL, "", 0, 0, 0, 0 } };
    struct test_server *s = ts_start(a, 1);
    struct rec_s3_client *s3 = s3_for(s);
    struct s3_upload_config cfg = config_for(s3);
    struct s3_upload_status st;
    struct byte_sink sink;
    assert_int_equal(s3_upload_sink_open(&cfg, &st, &sink), 0);
    write_pattern(&sink, 0, 100);
    /* past what part 1 holds: the implementation refuses it itself */
    assert_int_equal(sink.ops->write(sink.impl, 90, "0123456789AB", 12), REC_ERR_STATE);
    assert_int_equal(st.err.code, REC_ERR_STATE);
    assert_int_equal(st.err.retriable, 0);
    assert_int_equal(byte_sink_close(&sink, 1), REC_ERR_IO);
    assert_int_equal(ts_count(s), 0);
    /* and the configuration is checked on open */
    cfg.part_size = PART - 1;
    assert_int_equal(s3_upload_sink_open(&cfg, &st, &sink), REC_ERR_INVALID);
    cfg = config_for(s3);
    cfg.n_metadata = 1; /* a count without the headers */
    assert_int_equal(s3_upload_sink_open(&cfg, &st, &sink), REC_ERR_INVALID);
    struct rec_aws_header meta[S3_UPLOAD_MAX_METADATA + 1] = { { "a", "b" } };
    cfg.metadata = meta;
    cfg.n_metadata = S3_UPLOAD_MAX_METADATA + 1;
    assert_int_equal(s3_upload_sink_open(&cfg, &st, &sink), REC_ERR_INVALID);
    rec_s3_client_destroy(s3);
    ts_stop(s);
}

/* Entries in dir other than . and .. */
static int files_in(const char *dir)
{
    DIR *d = opendir(dir);
    assert_non_null(d);
    int n = 0;
    for (struct dirent *e; (e = readdir(d)) != NULL;)
        n += strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
    closedir(d);
    return n;
}

static void a_retried_part_is_sent_again_from_the_spool(void **state)
{
    (void)state;
    struct ts_answer a[] = {
        { 200, NULL, CREATED, 0, 0, 0, 0 },
        { 500, NULL, "<Error><Code>InternalError</Code><Message>try again</Message></Error>", 0, 0, 0, 0 },
        { 200, "ETag: \"e2\"\r\n", "", 0, 0, 0, 0 },
        { 200, "ETag: \"e1\"\r\n", "", 0, 0, 0, 0 },
        { 200, NULL, COMPLETED, 0, 0, 0, 0 },
    };
    struct test_server *s = ts_start(a, 5);
    struct rec_s3_client *s3 = s3_attempts(s, 3);
    char dir[] = "/tmp/test-upload-spool-XXXXXX";
    assert_non_null(mkdtemp(dir));
    struct s3_upload_config cfg = config_for(s3);
    cfg.spool_dir = dir;
    struct s3_upload_status st;
    struct byte_sink sink;
    assert_int_equal(s3_upload_sink_open(&cfg, &st, &sink), 0);
    write_pattern(&sink, 0, 2 * (uint64_t)PART);
    assert_int_equal(files_in(dir), 0); /* the spool file has no name */
    assert_int_equal(ts_count(s), 3);   /* create, part 2 failed, part 2 again */
    static uint8_t want[PART];
    for (size_t i = 0; i < PART; i++)
        want[i] = pattern(PART + i);
    char hex[SIGV4_SHA256_HEX_LEN + 1];
    assert_int_equal(sigv4_sha256_hex(want, sizeof(want), hex), 0);
    for (int i = 1; i <= 2; i++) {
        assert_int_equal(s->reqs[i].body_len, PART);
        assert_true(body_is_pattern_from(&s->reqs[i], PART));
        assert_true(header_is(&s->reqs[i], "x-amz-content-sha256", hex));
    }
    rewrite_header(&sink);
    assert_int_equal(byte_sink_close(&sink, 1), 0);
    assert_true(st.committed);
    assert_int_equal(ts_count(s), 5);
    assert_memory_equal(s->reqs[3].body, "FINAL-HEADER", 12); /* part 1, from the spool */
    assert_int_equal(files_in(dir), 0);
    assert_int_equal(rmdir(dir), 0);
    rec_s3_client_destroy(s3);
    ts_stop(s);
}

static void an_unusable_spool_directory_is_a_clear_retriable_error(void **state)
{
    (void)state;
    struct ts_answer a[] = { { 200, NULL, "", 0, 0, 0, 0 } };
    struct test_server *s = ts_start(a, 1);
    struct rec_s3_client *s3 = s3_for(s);
    struct s3_upload_config cfg = config_for(s3);
    cfg.spool_dir = "/nonexistent/spool";
    struct s3_upload_status st;
    struct byte_sink sink = { 0 };
    assert_int_equal(s3_upload_sink_open(&cfg, &st, &sink), REC_ERR_IO);
    assert_null(sink.ops);
    assert_int_equal(st.err.code, REC_ERR_IO);
    assert_int_equal(st.err.retriable, 1);
    assert_non_null(strstr(st.err.message, "s3://recs/2025/1/2/c-1_audio mixed.wav: spool file: "
                                           "cannot create one in the spool directory: No such file"));
    assert_int_equal(ts_count(s), 0);
    rec_s3_client_destroy(s3);
    ts_stop(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(a_small_object_is_one_put_object_with_the_final_header),
        cmocka_unit_test(a_large_object_sends_part_1_last_and_lists_parts_in_order),
        cmocka_unit_test(a_discard_aborts_the_upload_or_sends_nothing),
        cmocka_unit_test(an_error_in_a_200_completion_fails_the_commit_and_aborts),
        cmocka_unit_test(a_failed_part_stops_writing_and_the_commit_aborts),
        cmocka_unit_test(a_rewrite_outside_part_1_is_refused),
        cmocka_unit_test(a_retried_part_is_sent_again_from_the_spool),
        cmocka_unit_test(an_unusable_spool_directory_is_a_clear_retriable_error),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

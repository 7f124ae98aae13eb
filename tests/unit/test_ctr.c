/* Unit tests for handler/kinesis_record and connect/ctr: Kinesis record payloads and CTR parsing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/evp.h>
#include <zlib.h>

#include "common/error.h"
#include "connect/ctr.h"
#include "handler/kinesis_record.h"

static const char *CTR_JSON =
    "{\"ContactId\":\"c-1\",\"InitialContactId\":null,\"Channel\":\"VOICE\","
    "\"InstanceARN\":\"arn:aws:connect:us-east-1:123456789012:instance/inst-9\","
    "\"InitiationTimestamp\":\"2024-02-05T23:59:58Z\","
    "\"Attributes\":{\"recordingAuth\":\"3\"},"
    "\"Recordings\":[{\"StorageType\":\"S3\",\"Location\":\"bucket/key\"},"
    "{\"StorageType\":\"KINESIS_VIDEO_STREAM\",\"Location\":\"arn:aws:kinesisvideo:us-east-1:1:stream/s/1\","
    "\"FragmentStartNumber\":\"91343852333181432392682062607743920146159169392\","
    "\"FragmentStopNumber\":\"91343852333181432412489103236310005892133364608\",\"MediaStreamType\":\"VIDEO\"},"
    "{\"StorageType\":\"KINESIS_VIDEO_STREAM\",\"Location\":\"arn:aws:kinesisvideo:us-east-1:1:stream/t/2\","
    "\"FragmentStartNumber\":\"5\",\"FragmentStopNumber\":null}]}";

static char *b64(const unsigned char *data, size_t len)
{
    char *out = malloc(len / 3 * 4 + 8);
    EVP_EncodeBlock((unsigned char *)out, data, (int)len);
    return out;
}

static cJSON *record_with_data(const char *data_b64)
{
    cJSON *rec = cJSON_CreateObject();
    cJSON *k = cJSON_AddObjectToObject(rec, "kinesis");
    cJSON_AddStringToObject(k, "sequenceNumber", "4950001");
    cJSON_AddStringToObject(k, "data", data_b64);
    return rec;
}

static void base64_ctr_parses_with_the_original_rules(void **state)
{
    (void)state;
    char *enc = b64((const unsigned char *)CTR_JSON, strlen(CTR_JSON));
    cJSON *rec = record_with_data(enc);
    char *text = NULL;
    struct rec_error err;
    rec_error_clear(&err);
    size_t len = 0;
    rec_error_clear(&err);
    assert_int_equal(kinesis_record_payload(rec, &text, &len, &err), 0);
    assert_string_equal(kinesis_record_sequence(rec), "4950001");
    struct ctr c;
    rec_error_clear(&err);
    assert_int_equal(ctr_parse(text, len, &c, &err), 0);
    assert_string_equal(c.contact_id, "c-1");
    assert_string_equal(c.initial_contact_id, "c-1"); /* null InitialContactId -> ContactId */
    assert_string_equal(c.instance_id, "inst-9");
    assert_int_equal(c.recording_auth, 3);
    assert_int_equal(c.year, 2024);
    assert_int_equal(c.month, 2);
    assert_int_equal(c.day, 5);
    assert_int_equal(c.n_recordings, 2); /* the S3 entry is not ours */
    assert_string_equal(c.recordings[0].stream_arn, "arn:aws:kinesisvideo:us-east-1:1:stream/s/1");
    assert_string_equal(c.recordings[1].start_fragment, "5");
    assert_string_equal(c.recordings[1].stop_fragment, "");
    assert_true(ctr_wants_recording(&c));
    free(text);
    free(enc);
    cJSON_Delete(rec);
}

static void inline_and_gzip_payloads_are_accepted(void **state)
{
    (void)state;
    struct rec_error err;
    rec_error_clear(&err);
    char *text = NULL;
    size_t len = 0;
    /* inline object */
    cJSON *rec = cJSON_CreateObject();
    cJSON *k = cJSON_AddObjectToObject(rec, "kinesis");
    cJSON_AddItemToObject(k, "data", cJSON_Parse(CTR_JSON));
    rec_error_clear(&err);
    assert_int_equal(kinesis_record_payload(rec, &text, &len, &err), 0);
    struct ctr c;
    rec_error_clear(&err);
    assert_int_equal(ctr_parse(text, len, &c, &err), 0);
    assert_string_equal(c.contact_id, "c-1");
    free(text);
    cJSON_Delete(rec);
    /* gzip */
    unsigned char gz[4096];
    z_stream zs;
    memset(&zs, 0, sizeof(zs));
    assert_int_equal(deflateInit2(&zs, 9, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY), Z_OK);
    zs.next_in = (unsigned char *)CTR_JSON;
    zs.avail_in = (uInt)strlen(CTR_JSON);
    zs.next_out = gz;
    zs.avail_out = sizeof(gz);
    assert_int_equal(deflate(&zs, Z_FINISH), Z_STREAM_END);
    size_t gz_len = sizeof(gz) - zs.avail_out;
    deflateEnd(&zs);
    char *enc = b64(gz, gz_len);
    rec = record_with_data(enc);
    rec_error_clear(&err);
    assert_int_equal(kinesis_record_payload(rec, &text, &len, &err), 0);
    assert_int_equal(len, strlen(CTR_JSON));
    assert_memory_equal(text, CTR_JSON, len);
    free(text);
    free(enc);
    cJSON_Delete(rec);
}

static void bad_payloads_get_clear_errors(void **state)
{
    (void)state;
    struct rec_error err;
    rec_error_clear(&err);
    char *text = NULL;
    size_t len = 0;
    cJSON *rec = record_with_data("%%%not base64%%%");
    rec_error_clear(&err);
    assert_int_equal(kinesis_record_payload(rec, &text, &len, &err), REC_ERR_INVALID);
    assert_non_null(strstr(err.message, "base64"));
    cJSON_Delete(rec);
    rec = cJSON_CreateObject();
    rec_error_clear(&err);
    assert_int_equal(kinesis_record_payload(rec, &text, &len, &err), REC_ERR_INVALID);
    assert_non_null(strstr(err.message, "missing"));
    cJSON_Delete(rec);
    /* gzip magic followed by garbage */
    const unsigned char junk[] = { 0x1f, 0x8b, 0x08, 0x00, 0x01, 0x02, 0x03 };
    char *enc = b64(junk, sizeof(junk));
    rec = record_with_data(enc);
    rec_error_clear(&err);
    assert_int_equal(kinesis_record_payload(rec, &text, &len, &err), REC_ERR_INVALID);
    assert_non_null(strstr(err.message, "gzip"));
    cJSON_Delete(rec);
    free(enc);
}

static void missing_fields_and_filters(void **state)
{
    (void)state;
    struct rec_error err;
    rec_error_clear(&err);
    struct ctr c;
    const char *not_json = "{\"ContactId\":";
    rec_error_clear(&err);
    assert_int_equal(ctr_parse(not_json, strlen(not_json), &c, &err), REC_ERR_INVALID);
    const char *no_id = "{\"Channel\":\"VOICE\"}";
    rec_error_clear(&err);
    assert_int_equal(ctr_parse(no_id, strlen(no_id), &c, &err), REC_ERR_INVALID);
    assert_non_null(strstr(err.message, "ContactId"));
    /* CHAT is parsed, not recorded, and needs none of the recording fields */
    const char *chat = "{\"ContactId\":\"c\",\"Channel\":\"CHAT\",\"Attributes\":{\"recordingAuth\":\"3\"}}";
    rec_error_clear(&err);
    assert_int_equal(ctr_parse(chat, strlen(chat), &c, &err), 0);
    assert_false(ctr_wants_recording(&c));
    const char *auth4 = "{\"ContactId\":\"c\",\"Channel\":\"VOICE\",\"Attributes\":{\"recordingAuth\":\"4\"}}";
    rec_error_clear(&err);
    assert_int_equal(ctr_parse(auth4, strlen(auth4), &c, &err), 0);
    assert_false(ctr_wants_recording(&c));
    const char *done = "{\"ContactId\":\"c\",\"Channel\":\"VOICE\",\"Attributes\":{\"recordingAuth\":\"1\","
                       "\"audioMixed\":\"\"}}";
    rec_error_clear(&err);
    assert_int_equal(ctr_parse(done, strlen(done), &c, &err), 0);
    assert_true(c.already_recorded);
    assert_false(ctr_wants_recording(&c));
    /* each of the three URL attributes means recorded, whatever its value */
    static const char *const url_attrs[] = { "audioFromCustomer", "audioToCustomer", "audioMixed" };
    for (size_t i = 0; i < 3; i++) {
        char one[160];
        snprintf(one, sizeof(one), "{\"ContactId\":\"c\",\"Channel\":\"VOICE\",\"Attributes\":"
                 "{\"recordingAuth\":\"1\",\"%s\":null}}", url_attrs[i]);
        rec_error_clear(&err);
        assert_int_equal(ctr_parse(one, strlen(one), &c, &err), 0);
        assert_true(c.already_recorded);
        assert_string_equal(ctr_not_recorded_reason(&c), "already recorded");
    }
    const char *no_arn = "{\"ContactId\":\"c\",\"Channel\":\"VOICE\",\"Attributes\":{\"recordingAuth\":\"1\"},"
                         "\"InitiationTimestamp\":\"2024-01-01T00:00:00Z\"}";
    rec_error_clear(&err);
    assert_int_equal(ctr_parse(no_arn, strlen(no_arn), &c, &err), REC_ERR_INVALID);
    assert_non_null(strstr(err.message, "InstanceARN"));
    const char *bad_date = "{\"ContactId\":\"c\",\"Channel\":\"VOICE\",\"Attributes\":{\"recordingAuth\":\"1\"},"
                           "\"InstanceARN\":\"arn:aws:connect:r:1:instance/i\",\"InitiationTimestamp\":\"yesterday\"}";
    rec_error_clear(&err);
    assert_int_equal(ctr_parse(bad_date, strlen(bad_date), &c, &err), REC_ERR_INVALID);
    assert_non_null(strstr(err.message, "InitiationTimestamp"));
    const char *bad_frag = "{\"ContactId\":\"c\",\"Channel\":\"VOICE\",\"Attributes\":{\"recordingAuth\":\"1\"},"
                           "\"InstanceARN\":\"arn:aws:connect:r:1:instance/i\",\"InitiationTimestamp\":\"2024-01-01T00:00:00Z\","
                           "\"Recordings\":[{\"StorageType\":\"KINESIS_VIDEO_STREAM\",\"Location\":\"arn:x\","
                           "\"FragmentStartNumber\":\"12ab\"}]}";
    rec_error_clear(&err);
    assert_int_equal(ctr_parse(bad_frag, strlen(bad_frag), &c, &err), REC_ERR_INVALID);
    assert_non_null(strstr(err.message, "FragmentStartNumber"));
    const char *null_recs = "{\"ContactId\":\"c\",\"Channel\":\"VOICE\",\"Attributes\":{\"recordingAuth\":\"2\"},"
                            "\"InstanceARN\":\"arn:aws:connect:r:1:instance/i\",\"InitiationTimestamp\":\"2024-12-31T00:00:00Z\","
                            "\"Recordings\":null}";
    rec_error_clear(&err);
    assert_int_equal(ctr_parse(null_recs, strlen(null_recs), &c, &err), 0);
    assert_int_equal(c.n_recordings, 0);
}

static void over_long_fields_are_errors_not_shorter_values(void **state)
{
    (void)state;
    struct rec_error err;
    struct ctr c;
    char id[CTR_ID_MAX + 2];
    memset(id, 'a', sizeof(id) - 1);
    id[sizeof(id) - 1] = '\0';
    char json[1024];
    /* an InitialContactId that does not fit used to fall back to ContactId */
    snprintf(json, sizeof(json), "{\"ContactId\":\"c\",\"InitialContactId\":\"%s\",\"Channel\":\"VOICE\"}", id);
    rec_error_clear(&err);
    assert_int_equal(ctr_parse(json, strlen(json), &c, &err), REC_ERR_INVALID);
    assert_non_null(strstr(err.message, "InitialContactId"));
    assert_false(err.retriable);
    id[CTR_ID_MAX] = '\0'; /* exactly the limit fits */
    snprintf(json, sizeof(json), "{\"ContactId\":\"%s\",\"Channel\":\"CHAT\"}", id);
    rec_error_clear(&err);
    assert_int_equal(ctr_parse(json, strlen(json), &c, &err), 0);
    assert_int_equal(strlen(c.contact_id), CTR_ID_MAX);
    assert_string_equal(c.initial_contact_id, c.contact_id);
    assert_string_equal(ctr_not_recorded_reason(&c), "not a VOICE contact");
    const char *numeric = "{\"ContactId\":7,\"Channel\":\"VOICE\"}";
    rec_error_clear(&err);
    assert_int_equal(ctr_parse(numeric, strlen(numeric), &c, &err), REC_ERR_INVALID);
    assert_string_equal(err.message, "ContactId is not a string");
}

/* StartTimestamp / StopTimestamp only narrow ListFragments: a form we do
 * not read is "absent" (0), never an error that loses the recording. */
static void recording_timestamps_parse_to_epoch_ms_or_zero(void **state)
{
    (void)state;
    static const struct { const char *text; int64_t ms; } cases[] = {
        { "\"2025-12-01T12:00:06Z\"", INT64_C(1764590406000) },
        { "\"2025-12-01T12:00:06.5Z\"", INT64_C(1764590406500) },
        { "\"2025-12-01T12:00:06.123456Z\"", INT64_C(1764590406123) },
        { "\"2025-12-01T12:00:06+01:00\"", INT64_C(1764586806000) }, /* an offset is RFC 3339 too */
        { "\"1969-12-31T23:59:59Z\"", 0 },
        { "\"2025-13-01T12:00:06Z\"", 0 },
        { "\"yesterday\"", 0 },
        { "1764590406", 0 },
        { "null", 0 },
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char json[1024];
        snprintf(json, sizeof(json),
                 "{\"ContactId\":\"c\",\"Channel\":\"VOICE\",\"InstanceARN\":\"arn:x/i\","
                 "\"InitiationTimestamp\":\"2025-12-01T12:00:00Z\",\"Attributes\":{\"recordingAuth\":\"3\"},"
                 "\"Recordings\":[{\"StorageType\":\"KINESIS_VIDEO_STREAM\",\"Location\":\"arn:s\","
                 "\"StartTimestamp\":%s,\"StopTimestamp\":\"2025-12-01T12:00:11Z\"}]}",
                 cases[i].text);
        struct ctr c;
        struct rec_error err;
        rec_error_clear(&err);
        assert_int_equal(ctr_parse(json, strlen(json), &c, &err), 0);
        assert_int_equal(c.recordings[0].start_ms, cases[i].ms);
        assert_int_equal(c.recordings[0].stop_ms, INT64_C(1764590411000));
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(recording_timestamps_parse_to_epoch_ms_or_zero),
        cmocka_unit_test(base64_ctr_parses_with_the_original_rules),
        cmocka_unit_test(inline_and_gzip_payloads_are_accepted),
        cmocka_unit_test(bad_payloads_get_clear_errors),
        cmocka_unit_test(missing_fields_and_filters),
        cmocka_unit_test(over_long_fields_are_errors_not_shorter_values),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

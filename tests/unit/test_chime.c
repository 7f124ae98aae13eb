/* Unit tests for chime/: Voice Connector events (wrappers, isCaller forms,
 * times, bad fields), the call table's items and pairing, channel
 * assignment and alignment, object names and the metadata JSON. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "chime/call_metadata.h"
#include "chime/call_table.h"
#include "chime/stereo.h"
#include "chime/vc_event.h"
#include "common/error.h"

/* The real 2023 STARTED event (../shared/testdata/chime-call-analytics-recorder). */
static const char *started =
    "{\"version\":\"0\",\"id\":\"ac48f3fe\",\"detail-type\":\"Chime VoiceConnector Streaming Status\","
    "\"source\":\"aws.chime\",\"account\":\"112233445566\",\"time\":\"2023-04-05T22:14:02Z\","
    "\"region\":\"us-east-1\",\"resources\":[],\"detail\":{\"callId\":\"089b1d79-d4ca-4f74-b36b-681f606937f6\","
    "\"direction\":\"Inbound\",\"fromNumber\":\"+18155551212\",\"isCaller\":false,\"mediaType\":\"audio/L16\","
    "\"startFragmentNumber\":\"91343852333181437344442219794598596340754947404\","
    "\"startTime\":\"2023-04-05T22:14:02.238Z\",\"streamArn\":\"arn:aws:kinesisvideo:us-east-1:112233445566:"
    "stream/ChimeVoiceConnector-bfggco08s5m5esgxfskzks-94709a8e-c2cc-4f92-9ab1-af74c54c041a/1680731924044\","
    "\"toNumber\":\"+19285557777\",\"transactionId\":\"ec97a8ff-3f83-4de2-8d73-d988070f6af4\","
    "\"voiceConnectorId\":\"bfggco08s5m5esgxfskzks\",\"streamingStatus\":\"STARTED\",\"version\":\"0\"}}";

static int parse_with(const char *json, const char *field, const char *value_json, struct chime_vc_event *e,
                      struct rec_error *err)
{
    cJSON *doc = cJSON_Parse(json);
    if (field) {
        cJSON *d = cJSON_GetObjectItem(doc, "detail");
        cJSON_DeleteItemFromObject(d, field);
        if (value_json)
            cJSON_AddItemToObject(d, field, cJSON_Parse(value_json));
    }
    rec_error_clear(err);
    int rc = chime_vc_event_parse(doc, e, err);
    cJSON_Delete(doc);
    return rc;
}

static void the_real_started_event_parses(void **state)
{
    (void)state;
    struct chime_vc_event *e = malloc(sizeof(*e));
    struct rec_error err;
    assert_int_equal(parse_with(started, NULL, NULL, e, &err), 0);
    assert_int_equal(e->status, CHIME_VC_STARTED);
    assert_int_equal(e->side, CHIME_SIDE_OTHER);
    assert_string_equal(e->account, "112233445566");
    assert_string_equal(e->transaction_id, "ec97a8ff-3f83-4de2-8d73-d988070f6af4");
    assert_string_equal(e->start_fragment, "91343852333181437344442219794598596340754947404");
    assert_string_equal(e->current_fragment, "");
    assert_true(e->start_time.has_ms);
    assert_int_equal(e->start_time.ms, 1680732842238LL);
    free(e);
}

static void bad_fields_are_errors_never_cut(void **state)
{
    (void)state;
    struct chime_vc_event *e = malloc(sizeof(*e));
    struct rec_error err;
    assert_int_equal(parse_with(started, "streamArn", NULL, e, &err), REC_ERR_INVALID);
    assert_non_null(strstr(err.message, "streamArn"));
    assert_int_equal(parse_with(started, "startFragmentNumber", "\"91x\"", e, &err), REC_ERR_INVALID);
    assert_int_equal(parse_with(started, "callId", "42", e, &err), REC_ERR_INVALID);
    char long_id[300];
    memset(long_id, 'c', sizeof(long_id));
    long_id[0] = '"';
    long_id[sizeof(long_id) - 2] = '"';
    long_id[sizeof(long_id) - 1] = '\0';
    assert_int_equal(parse_with(started, "transactionId", long_id, e, &err), REC_ERR_INVALID);
    assert_non_null(strstr(err.message, "longer than"));
    /* currentFragmentNumber optional but checked; stray spaces in an ARN go */
    assert_int_equal(parse_with(started, "currentFragmentNumber", "\"12 34\"", e, &err), 0);
    assert_string_equal(e->current_fragment, "1234");
    /* a FAILED needs only callId */
    assert_int_equal(parse_with("{\"detail\":{\"streamingStatus\":\"FAILED\",\"callId\":\"c\","
                                "\"failureReason\":\"Internal failure\",\"failTime\":\"x\"}}",
                                NULL, NULL, e, &err), 0);
    assert_int_equal(e->status, CHIME_VC_FAILED);
    assert_false(e->fail_time.has_ms);
    assert_string_equal(e->failure_reason, "Internal failure");
    free(e);
}

static void is_caller_forms(void **state)
{
    (void)state;
    static const struct {
        const char *json;
        enum chime_side side;
    } cases[] = { { "true", CHIME_SIDE_CALLER }, { "false", CHIME_SIDE_OTHER }, { "\"True\"", CHIME_SIDE_CALLER },
                  { "\" false \"", CHIME_SIDE_OTHER }, { "\"1\"", CHIME_SIDE_CALLER }, { "\"0\"", CHIME_SIDE_OTHER },
                  { "1", CHIME_SIDE_CALLER }, { "0", CHIME_SIDE_OTHER }, { "\"yes\"", CHIME_SIDE_UNKNOWN },
                  { "2", CHIME_SIDE_UNKNOWN }, { "null", CHIME_SIDE_UNKNOWN } };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        cJSON *v = cJSON_Parse(cases[i].json);
        assert_int_equal(chime_side_of(v), cases[i].side);
        cJSON_Delete(v);
    }
    assert_int_equal(chime_side_of(NULL), CHIME_SIDE_UNKNOWN);
}

/* The RFC 3339 rules themselves are test_rfc3339's; here, what the Voice
 * Connector's events add: stray spaces are dropped. */
static void times_parse_with_or_without_fractions(void **state)
{
    (void)state;
    int64_t ms;
    assert_int_equal(chime_time_parse("2023-04-05T22:14:02Z", &ms), 0);
    assert_int_equal(ms, 1680732842000LL);
    assert_int_equal(chime_time_parse("2023-04-05T22:14:02.238123Z", &ms), 0);
    assert_int_equal(ms, 1680732842238LL);
    assert_int_equal(chime_time_parse(" 2023-04-05T 22:14:02.238 Z", &ms), 0); /* stray spaces */
    assert_int_equal(ms, 1680732842238LL);
    assert_int_equal(chime_time_parse("2023-04-06T00:14:02.238+02:00", &ms), 0);
    assert_int_equal(ms, 1680732842238LL);
    assert_int_equal(chime_time_parse("yyyy-mm-ddThh:mm:ssZ", &ms), REC_ERR_INVALID);
    assert_int_equal(chime_time_parse("2023-04-05T22:14:02", &ms), REC_ERR_INVALID);
    assert_int_equal(chime_time_parse("2023-04-05T22:14:02.Z", &ms), REC_ERR_INVALID);
}

static int count_event(void *user, const cJSON *event, const char *id)
{
    int *n = user;
    (*n)++;
    if (!event)
        return *n == 3 ? 0 : -100;
    assert_true(chime_is_vc_streaming_event(event));
    assert_true(*id != '\0' || *n == 1);
    return 0;
}

static void wrappers_sqs_sns_and_bare(void **state)
{
    (void)state;
    cJSON *bare = cJSON_Parse(started);
    int n = 0;
    assert_int_equal(chime_for_each_event(bare, count_event, &n), 0);
    assert_int_equal(n, 1);
    char *body = cJSON_PrintUnformatted(bare);
    cJSON *batch = cJSON_CreateObject();
    cJSON *records = cJSON_AddArrayToObject(batch, "records");
    for (int i = 0; i < 3; i++) {
        cJSON *r = cJSON_CreateObject();
        cJSON_AddStringToObject(r, "messageId", "m");
        cJSON_AddStringToObject(r, "body", i == 2 ? "not json" : body);
        cJSON_AddItemToArray(records, r);
    }
    n = 0;
    assert_int_equal(chime_for_each_event(batch, count_event, &n), 0);
    assert_int_equal(n, 3);
    cJSON *sns = cJSON_Parse("{\"Records\":[{\"Sns\":{\"MessageId\":\"s\",\"Message\":\"\"}}]}");
    cJSON_ReplaceItemInObject(cJSON_GetObjectItem(cJSON_GetArrayItem(cJSON_GetObjectItem(sns, "Records"), 0), "Sns"),
                              "Message", cJSON_CreateString(body));
    n = 1; /* the SNS record has an id */
    assert_int_equal(chime_for_each_event(sns, count_event, &n), 0);
    assert_int_equal(n, 2);
    cJSON *other = cJSON_Parse("{\"source\":\"aws.chime\",\"detail-type\":\"Media Insights State Change\","
                               "\"detail\":{}}");
    assert_false(chime_is_vc_streaming_event(other));
    cJSON_Delete(other);
    cJSON_Delete(sns);
    cJSON_Delete(batch);
    cJSON_free(body);
    cJSON_Delete(bare);
}

static cJSON *item(const char *key, const char *arn, const char *status)
{
    cJSON *o = cJSON_CreateObject();
    const char *fields[][2] = { { "call_id", "c" }, { "is_caller", key }, { "stream_arn", arn },
                                { "status", status }, { "start_fragment", "1" } };
    for (size_t i = 0; i < 5; i++) {
        if (!fields[i][1])
            continue;
        cJSON *v = cJSON_AddObjectToObject(o, fields[i][0]);
        cJSON_AddStringToObject(v, "S", fields[i][1]);
    }
    return o;
}

static void legs_pair_merge_and_claims(void **state)
{
    (void)state;
    struct chime_call *call = malloc(sizeof(*call));
    struct rec_error err;
    rec_error_clear(&err);
    cJSON *items = cJSON_CreateArray();
    cJSON_AddItemToArray(items, item("1", "arn:b", "STARTED"));
    cJSON_AddItemToArray(items, item("?arn:b", "arn:b", "ENDED")); /* same stream, side unknown */
    const struct chime_leg *a, *b;
    assert_int_equal(chime_call_from_items(items, call, &err), 0);
    assert_int_equal(call->n_legs, 1);
    assert_int_equal(call->legs[0].side, CHIME_SIDE_CALLER);
    assert_true(call->legs[0].ended);
    assert_false(chime_call_ready(call, &a, &b));
    cJSON_AddItemToArray(items, item("0", "arn:a", "ENDED"));
    cJSON *claim = item("#claim", NULL, NULL);
    cJSON_AddItemToObject(claim, "state", cJSON_Parse("{\"S\":\"claimed\"}"));
    cJSON_AddItemToObject(claim, "lease_until", cJSON_Parse("{\"N\":\"1234\"}"));
    cJSON_AddItemToArray(items, claim);
    assert_int_equal(chime_call_from_items(items, call, &err), 0);
    assert_int_equal(call->claim, CHIME_CLAIM_HELD);
    assert_int_equal(call->lease_until_ms, 1234);
    assert_true(chime_call_ready(call, &a, &b));
    assert_string_equal(a->stream_arn, "arn:b"); /* the caller first */
    assert_string_equal(b->stream_arn, "arn:a");
    char key[32];
    assert_int_equal(chime_leg_key(CHIME_SIDE_UNKNOWN, "arn:x", key, sizeof(key)), 0);
    assert_string_equal(key, "?arn:x");
    assert_int_equal(chime_leg_key(CHIME_SIDE_UNKNOWN, "arn:xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", key, sizeof(key)),
                     REC_ERR_LIMIT);
    cJSON_Delete(items);
    free(call);
}

static void channels_and_leads(void **state)
{
    (void)state;
    struct chime_leg_audio legs[2] = {
        { .side = CHIME_SIDE_OTHER, .stream_arn = "arn:a", .has_audio = 1, .origin_ns = 1000000000000LL, .rate = 8000 },
        { .side = CHIME_SIDE_CALLER, .stream_arn = "arn:b", .has_audio = 1, .origin_ns = 1001755000000LL, .rate = 8000 },
    };
    int left, arbitrary;
    chime_assign_channels(legs, CHIME_CALLER_LEFT, &left, &arbitrary);
    assert_int_equal(left, 1);
    assert_false(arbitrary);
    chime_assign_channels(legs, CHIME_CALLER_RIGHT, &left, &arbitrary);
    assert_int_equal(left, 0);
    legs[1].side = CHIME_SIDE_UNKNOWN; /* "other" known: the unknown one is the caller */
    chime_assign_channels(legs, CHIME_CALLER_LEFT, &left, &arbitrary);
    assert_int_equal(left, 1);
    legs[0].side = CHIME_SIDE_UNKNOWN;
    chime_assign_channels(legs, CHIME_CALLER_RIGHT, &left, &arbitrary);
    assert_true(arbitrary);
    assert_int_equal(left, 0); /* smaller ARN left whatever the order */
    uint64_t lead[2];
    chime_leg_leads(legs, 8000, lead);
    assert_int_equal(lead[0], 0);
    assert_int_equal(lead[1], 14040);
    legs[1].origin_ns = 1000000062600LL; /* 62.6 us: half a frame rounds up */
    chime_leg_leads(legs, 8000, lead);
    assert_int_equal(lead[1], 1);
    legs[0].has_audio = 0; /* a leg without audio does not set time zero */
    chime_leg_leads(legs, 8000, lead);
    assert_int_equal(lead[0], 0);
    assert_int_equal(lead[1], 0);
}

static void object_names_and_metadata(void **state)
{
    (void)state;
    char key[64];
    assert_int_equal(chime_object_key("/originalAudio/", "c-1", ".wav", key, sizeof(key)), 0);
    assert_string_equal(key, "originalAudio/c-1.wav");
    assert_int_equal(chime_object_key("", "c-1", ".json", key, sizeof(key)), 0);
    assert_string_equal(key, "c-1.json"); /* the seed wrote "/c-1.json" */
    assert_int_equal(chime_object_key("p", "c-1", ".json", key, 8), REC_ERR_LIMIT);
    assert_true(chime_call_id_ok("089b1d79-d4ca-4f74-b36b-681f606937f6"));
    assert_false(chime_call_id_ok("../x"));
    assert_false(chime_call_id_ok("a b"));
    assert_false(chime_call_id_ok(""));
    struct chime_leg caller = { .side = CHIME_SIDE_CALLER, .stream_arn = "arn:c", .account = "1",
                                .transaction_id = "tx", .start_time = "s", .end_time = "e" };
    struct chime_leg other = { .side = CHIME_SIDE_OTHER, .stream_arn = "arn:o", .start_time = "s2" };
    struct chime_call_record r = { .call_id = "c-1", .sample_rate = 8000, .channels = 2, .wav_key = "c-1.wav" };
    r.legs[0] = (struct chime_leg_record){ .leg = &other, .channel = 1, .samples = 5 };
    r.legs[1] = (struct chime_leg_record){ .leg = &caller, .channel = 0, .samples = 7, .lead_samples = 3 };
    cJSON *doc = chime_call_metadata(&r);
    assert_non_null(doc);
    assert_string_equal(cJSON_GetObjectItem(doc, "startTime")->valuestring, "s"); /* the caller's */
    assert_string_equal(cJSON_GetObjectItem(doc, "transactionId")->valuestring, "tx");
    cJSON *legs = cJSON_GetObjectItem(doc, "legs");
    assert_string_equal(cJSON_GetObjectItem(cJSON_GetArrayItem(legs, 0), "streamArn")->valuestring, "arn:c");
    assert_null(cJSON_GetObjectItem(doc, "wavKeys"));
    assert_string_equal(cJSON_GetObjectItem(doc, "wavKey")->valuestring, "c-1.wav");
    assert_string_equal(cJSON_GetObjectItem(doc, "channelAssignment")->valuestring, "isCaller");
    cJSON_Delete(doc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(the_real_started_event_parses),
        cmocka_unit_test(bad_fields_are_errors_never_cut),
        cmocka_unit_test(is_caller_forms),
        cmocka_unit_test(times_parse_with_or_without_fractions),
        cmocka_unit_test(wrappers_sqs_sns_and_bare),
        cmocka_unit_test(legs_pair_merge_and_claims),
        cmocka_unit_test(channels_and_leads),
        cmocka_unit_test(object_names_and_metadata),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* Unit tests for the video/ room's pure parts: key layout and ids, the
 * state machine, the seed's playback rules, API requests and answers,
 * EventBridge events, and the DynamoDB plain/typed conversion they use. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <cjson/cJSON.h>

#include "common/buf.h"
#include "common/error.h"
#include "services/dynamodb_client.h"
#include "video/api.h"
#include "video/events.h"
#include "video/keys.h"
#include "video/playback.h"
#include "video/state.h"
#include "video/store.h"

#define RID "3f2a9c4e-8b7d-4e6f-9a1b-2c3d4e5f6a7b"
#define T2024 1704164645678LL /* 2024-01-02T03:04:05.678Z */

static void recording_ids_are_random_uuids(void **state)
{
    (void)state;
    char id[VIDEO_ID_MAX], other[VIDEO_ID_MAX];
    assert_int_equal(video_new_recording_id(id), 0);
    assert_int_equal(video_new_recording_id(other), 0);
    assert_true(video_is_uuid(id));
    assert_string_not_equal(id, other);
    assert_int_equal(id[14], '4');
    assert_false(video_is_uuid("3f2a9c4e-8b7d-4e6f-9a1b-2c3d4e5f6a7"));
    assert_false(video_is_uuid("3f2a9c4e-8b7d-4e6f-9a1b/2c3d4e5f6a7b"));
}

static void key_layout_and_arns(void **state)
{
    (void)state;
    struct rec_buf b;
    rec_buf_init(&b, 2048);
    assert_int_equal(video_capture_prefix(T2024, RID, &b), 0);
    assert_string_equal(b.data, "captures/2024/01/02/" RID);
    assert_int_equal(video_recording_prefix(T2024, RID, &b), 0);
    assert_string_equal(b.data, "RECORDINGS/2024/01/02/03/" RID);
    assert_int_equal(video_recording_prefix(T2024, "meeting 42/../x", &b), REC_ERR_INVALID);
    char rid[VIDEO_ID_MAX], folder[VIDEO_FOLDER_MAX];
    assert_int_equal(video_parse_recording_key("RECORDINGS/2024/01/02/03/" RID "/audio/p.mp4", rid, folder), 0);
    assert_string_equal(rid, RID);
    assert_string_equal(folder, "audio");
    assert_int_equal(video_parse_recording_key("RECORDINGS/2024/01/02/03/" RID "/audio/p.txt", rid, folder),
                     REC_ERR_NOT_FOUND);
    assert_int_equal(video_parse_recording_key("RECORDINGS/2024/1/02/03/" RID "/audio/p.mp4", rid, folder),
                     REC_ERR_NOT_FOUND);
    assert_int_equal(video_parse_recording_key("RECORDINGS/m_x_20240102T03:04:05_UTC.mp4", rid, folder),
                     REC_ERR_NOT_FOUND);
    assert_int_equal(video_meeting_arn("123456789012", RID, &b), 0);
    assert_string_equal(b.data, "arn:aws:chime::123456789012:meeting:" RID);
    assert_int_equal(video_meeting_arn("1234", RID, &b), REC_ERR_INVALID);
    char account[13];
    assert_int_equal(video_account_of_arn("arn:aws:lambda:us-east-1:123456789012:function:f", account), 0);
    assert_string_equal(account, "123456789012");
    assert_int_equal(video_account_of_arn("arn:aws:lambda:us-east-1", account), REC_ERR_INVALID);
    rec_buf_clean_up(&b, 0);
}

static void item_keys_hold_the_longest_ids(void **state)
{
    (void)state;
    char ext[VIDEO_MEETING_ID_MAX], pk[VIDEO_PK_MAX], sk[VIDEO_SK_MAX], want[VIDEO_PK_MAX];
    /* the seed's longest externalMeetingId is 64 characters; ours may be 256 */
    for (size_t n = 64; n < sizeof(ext); n += sizeof(ext) - 1 - 64) {
        memset(ext, 'm', n);
        ext[n] = '\0';
        snprintf(want, sizeof(want), "M#%s", ext);
        video_recording_key(ext, NULL, pk, sk);
        assert_string_equal(pk, want);
        assert_string_equal(sk, want); /* the meeting item: SK = PK, whole */
        video_recording_key(ext, RID, pk, sk);
        assert_string_equal(pk, want);
        assert_string_equal(sk, "REC#" RID);
    }
}

static void playback_url_is_built_or_allow_listed(void **state)
{
    (void)state;
    struct rec_buf b;
    rec_buf_init(&b, 2048);
    assert_int_equal(video_playback_url("https://app.example.com/", "", "m 1/x", "https://evil", &b), 0);
    assert_string_equal(b.data, "https://app.example.com/recording/m%201%2Fx");
    assert_int_equal(video_playback_url("", "https://app.example.com/", "m", "https://evil.example.com/", &b),
                     REC_ERR_NOT_FOUND);
    assert_int_equal(video_playback_url("", "https://app.example.com/", "m", "https://app.example.com/recording/m",
                                        &b), 0);
    assert_string_equal(b.data, "https://app.example.com/recording/m");
    assert_int_equal(video_playback_url("", "", "m", "https://anything", &b), REC_ERR_NOT_FOUND);
    rec_buf_clean_up(&b, 0);
}

static void state_machine_ignores_late_and_repeated_events(void **state)
{
    (void)state;
    assert_int_equal(video_state_next(VIDEO_STATE_STARTING, VIDEO_CAPTURE_IN_PROGRESS), VIDEO_STATE_RECORDING);
    assert_int_equal(video_state_next(VIDEO_STATE_STOPPING, VIDEO_CAPTURE_IN_PROGRESS), VIDEO_STATE_STOPPING);
    assert_int_equal(video_state_next(VIDEO_STATE_RECORDING, VIDEO_STOPPED), VIDEO_STATE_STOPPING);
    assert_int_equal(video_state_next(VIDEO_STATE_STOPPING, VIDEO_STOPPED), VIDEO_STATE_STOPPING);
    assert_int_equal(video_state_next(VIDEO_STATE_RECORDING, VIDEO_CAPTURE_FAILED), VIDEO_STATE_FAILED);
    assert_int_equal(video_state_next(VIDEO_STATE_FAILED, VIDEO_CONCAT_CREATED), VIDEO_STATE_CONCATENATING);
    assert_int_equal(video_state_next(VIDEO_STATE_CONCATENATING, VIDEO_CONCAT_FAILED), VIDEO_STATE_FAILED);
    assert_int_equal(video_state_next(VIDEO_STATE_STOPPING, VIDEO_FILE_CREATED), VIDEO_STATE_AVAILABLE);
    for (int h = VIDEO_CAPTURE_IN_PROGRESS; h <= VIDEO_FILE_CREATED; h++)
        assert_int_equal(video_state_next(VIDEO_STATE_AVAILABLE, (enum video_happening)h), VIDEO_STATE_AVAILABLE);
    assert_int_equal(video_state_of("CONCATENATING"), VIDEO_STATE_CONCATENATING);
    assert_int_equal(video_state_of("concatenating"), VIDEO_STATE_UNKNOWN);
    assert_int_equal(video_state_of(NULL), VIDEO_STATE_UNKNOWN);
}

static cJSON *json(const char *text)
{
    cJSON *j = cJSON_Parse(text);
    assert_non_null(j);
    return j;
}

static void playback_rules_are_the_seeds(void **state)
{
    (void)state;
    cJSON *viewer = json("{\"securityProfileIds\":[\"a\",\"p2\"],\"hierarchyGroupId\":\"g1\","
                         "\"hierarchyGroupSummary\":{\"LevelId\":\"1\"}}");
    assert_true(video_viewer_has_profile(viewer, "p1, p2"));
    assert_false(video_viewer_has_profile(viewer, "p1,p22"));
    assert_false(video_viewer_has_profile(viewer, ""));
    cJSON *same = json("{\"connectHierarchyGroupId\":\"g1\"}");
    cJSON *child = json("{\"connectHierarchyGroupId\":\"g2\",\"connectHierarchyGroupSummary\":"
                        "{\"HierarchyPath\":{\"LevelOne\":{\"Id\":\"g1\"},\"LevelTwo\":{\"Id\":\"g2\"}}}}");
    cJSON *other = json("{\"connectHierarchyGroupId\":\"g3\",\"connectHierarchyGroupSummary\":"
                        "{\"HierarchyPath\":{\"LevelOne\":{\"Id\":\"g9\"}}}}");
    cJSON *none = json("{\"connectHierarchyGroupId\":null}");
    cJSON *nobody = json("{\"securityProfileIds\":[\"p1\"]}");
    assert_true(video_viewer_sees(viewer, same));
    assert_true(video_viewer_sees(viewer, child));
    assert_false(video_viewer_sees(viewer, other));
    assert_false(video_viewer_sees(viewer, none));
    assert_true(video_viewer_sees(nobody, none)); /* undefined === undefined */
    cJSON_Delete(viewer);
    cJSON_Delete(same);
    cJSON_Delete(child);
    cJSON_Delete(other);
    cJSON_Delete(none);
    cJSON_Delete(nobody);
}

static void api_requests_and_answers(void **state)
{
    (void)state;
    cJSON *ev = json("{\"version\":\"2.0\",\"routeKey\":\"POST /recording\",\"requestContext\":{\"http\":{},"
                     "\"authorizer\":{\"iam\":{\"cognitoIdentity\":{\"amr\":[\"authenticated\","
                     "\"cognito-idp.us-east-1.amazonaws.com/us-east-1_P\","
                     "\"cognito-idp.us-east-1.amazonaws.com/us-east-1_P:CognitoSignIn:sub-1\"]}}}},"
                     "\"headers\":{\"Content-Type\":\"application/json; charset=utf-8\"},"
                     "\"isBase64Encoded\":true,\"body\":\"eyJleHRlcm5hbE1lZXRpbmdJZCI6Im0xIn0=\"}");
    struct video_api_request req;
    struct rec_error err;
    rec_error_clear(&err);
    assert_true(video_api_is_request(ev));
    assert_int_equal(video_api_read(ev, &req, &err), 0);
    assert_int_equal(req.route, VIDEO_ROUTE_START);
    assert_string_equal(req.external_meeting_id, "m1");
    assert_string_equal(req.user_pool_id, "us-east-1_P");
    assert_string_equal(req.sub, "sub-1");
    struct rec_buf out;
    rec_buf_init(&out, 4096);
    cJSON *data = json("{\"recordingId\":\"r\"}");
    assert_int_equal(video_api_answer(&out, 200, "Start Recording succeed!", data, NULL, "req-1"), 0);
    cJSON *answer = json(out.data);
    assert_int_equal(cJSON_GetObjectItem(answer, "statusCode")->valueint, 200);
    cJSON *body = json(cJSON_GetObjectItem(answer, "body")->valuestring);
    assert_string_equal(cJSON_GetObjectItem(body, "success")->valuestring, "Start Recording succeed!");
    assert_string_equal(cJSON_GetObjectItem(body, "reqId")->valuestring, "req-1");
    cJSON_Delete(body);
    cJSON_Delete(answer);
    assert_int_equal(video_api_answer(&out, 409, NULL, NULL, "Recording already in progress", "req-2"), 0);
    assert_non_null(strstr(out.data, "{\\\"message\\\":\\\"Recording already in progress\\\",\\\"reqId\\\":\\\"req-2\\\"}"));
    rec_buf_clean_up(&out, 0);
    cJSON_Delete(data);
    cJSON_Delete(ev);
}

static void events_are_read_and_bad_ones_refused(void **state)
{
    (void)state;
    struct video_event ev;
    struct rec_error err;
    rec_error_clear(&err);
    /* meetingId is not read for pipelines (not an id we key on; fuzz_video_api found it unchecked) */
    cJSON *pipe = json("{\"source\":\"aws.chime\",\"detail-type\":\"Chime Media Pipeline State Change\","
                       "\"time\":\"2026-01-02T03:04:05Z\",\"detail\":{\"eventType\":\"chime:MediaPipelineDeleted\","
                       "\"meetingId\":\"../not-a-uuid\",\"mediaPipelineId\":\"" RID "\"}}");
    assert_int_equal(video_event_read(pipe, &ev, &err), 0);
    assert_string_equal(ev.meeting_id, "");
    assert_int_equal(ev.kind, VIDEO_EVENT_PIPELINE_STATE);
    assert_int_equal(ev.change, VIDEO_PIPELINE_DELETED);
    cJSON_ReplaceItemInObject(cJSON_GetObjectItem(pipe, "detail"), "mediaPipelineId", cJSON_CreateString("../x"));
    assert_int_equal(video_event_read(pipe, &ev, &err), REC_ERR_INVALID);
    assert_false(err.retriable);
    cJSON *human = json("{\"source\":\"aws.chime\",\"detail-type\":\"Chime Meeting State Change\","
                        "\"detail\":{\"eventType\":\"chime:AttendeeJoined\",\"meetingId\":\"" RID "\","
                        "\"externalUserId\":\"agent1\"}}");
    assert_int_equal(video_event_read(human, &ev, &err), 0);
    assert_int_equal(ev.kind, VIDEO_EVENT_OTHER);
    cJSON_ReplaceItemInObject(cJSON_GetObjectItem(human, "detail"), "externalUserId",
                              cJSON_CreateString("aws:MediaPipeline-4ae1f"));
    assert_int_equal(video_event_read(human, &ev, &err), 0);
    assert_int_equal(ev.kind, VIDEO_EVENT_PIPELINE_ATTENDEE);
    assert_string_equal(ev.meeting_id, RID);
    cJSON_Delete(pipe);
    cJSON_Delete(human);
}

static void plain_and_typed_values_round_trip(void **state)
{
    (void)state;
    cJSON *plain = json("{\"a\":\"s\",\"n\":12,\"b\":true,\"z\":null,\"l\":[\"x\",{\"k\":\"v\"}]}");
    cJSON *typed = dynamodb_value_of(plain);
    assert_non_null(typed);
    assert_string_equal(cJSON_GetObjectItem(cJSON_GetObjectItem(cJSON_GetObjectItem(typed, "M"), "n"), "N")->valuestring,
                        "12");
    cJSON *back = dynamodb_plain_of(typed);
    assert_true(cJSON_Compare(plain, back, 1));
    cJSON *bad = json("{\"SS\":[\"a\"]}");
    assert_null(dynamodb_plain_of(bad));
    cJSON_Delete(bad);
    cJSON_Delete(back);
    cJSON_Delete(typed);
    cJSON_Delete(plain);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(recording_ids_are_random_uuids),
        cmocka_unit_test(key_layout_and_arns),
        cmocka_unit_test(item_keys_hold_the_longest_ids),
        cmocka_unit_test(playback_url_is_built_or_allow_listed),
        cmocka_unit_test(state_machine_ignores_late_and_repeated_events),
        cmocka_unit_test(playback_rules_are_the_seeds),
        cmocka_unit_test(api_requests_and_answers),
        cmocka_unit_test(events_are_read_and_bad_ones_refused),
        cmocka_unit_test(plain_and_typed_values_round_trip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

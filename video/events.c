#include "video/events.h"

#include <string.h>

#include "common/bytes.h"
#include "common/rfc3339.h"
#include "services/service.h"

int video_is_eventbridge(const cJSON *event)
{
    return service_json_string(event, "source") && service_json_string(event, "detail-type") &&
           cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(event, "detail"));
}

/* Copies detail member name into dst; required ones must be present.
 * uuid: the value must be a UUID (ids that go into DynamoDB keys). */
static int take(const cJSON *detail, const char *name, char *dst, size_t cap, int required, int uuid,
                struct rec_error *err)
{
    const char *v = service_json_string(detail, name);
    if (!v && !required)
        return 0;
    if (!v || rec_str_copy(dst, cap, v) || (uuid && !video_is_uuid(v)) || (required && !*v))
        return rec_error_set(err, REC_ERR_INVALID, 0, "event detail.%s is missing, too long or malformed", name);
    return 0;
}

static int read_meeting(const cJSON *d, struct video_event *out, struct rec_error *err)
{
    int rc = take(d, "meetingId", out->meeting_id, sizeof(out->meeting_id), 0, 1, err);
    if (!rc)
        rc = take(d, "externalMeetingId", out->external_meeting_id, sizeof(out->external_meeting_id), 0, 0, err);
    if (!rc && !out->meeting_id[0] && !out->external_meeting_id[0])
        rc = rec_error_set(err, REC_ERR_INVALID, 0, "%s event names no meeting", out->event_type);
    return rc;
}

static int read_chime_meeting(const cJSON *d, struct video_event *out, struct rec_error *err)
{
    if (strcmp(out->event_type, "chime:MeetingEnded") == 0) {
        out->kind = VIDEO_EVENT_MEETING_ENDED;
        return read_meeting(d, out, err);
    }
    const char *user = service_json_string(d, "externalUserId");
    if ((strcmp(out->event_type, "chime:AttendeeAdded") != 0 &&
         strcmp(out->event_type, "chime:AttendeeJoined") != 0) ||
        !user || strncmp(user, VIDEO_PIPELINE_ATTENDEE_PREFIX, strlen(VIDEO_PIPELINE_ATTENDEE_PREFIX)) != 0)
        return 0; /* a human attendee, or an event we do not follow */
    out->kind = VIDEO_EVENT_PIPELINE_ATTENDEE;
    int rc = read_meeting(d, out, err);
    if (!rc)
        rc = take(d, "externalUserId", out->external_user_id, sizeof(out->external_user_id), 1, 0, err);
    if (!rc)
        rc = take(d, "attendeeId", out->attendee_id, sizeof(out->attendee_id), 0, 0, err);
    return rc;
}

static int read_pipeline(const cJSON *d, struct video_event *out, struct rec_error *err)
{
    static const struct {
        const char *type;
        enum video_pipeline_change change;
    } changes[] = {
        { "chime:MediaPipelineInProgress", VIDEO_PIPELINE_IN_PROGRESS },
        { "chime:MediaPipelineDeleted", VIDEO_PIPELINE_DELETED },
        { "chime:MediaPipelineTemporaryFailure", VIDEO_PIPELINE_TEMPORARY_FAILURE },
        { "chime:MediaPipelineResumed", VIDEO_PIPELINE_RESUMED },
        { "chime:MediaPipelinePermanentFailure", VIDEO_PIPELINE_PERMANENT_FAILURE },
    };
    for (size_t i = 0; i < sizeof(changes) / sizeof(changes[0]); i++)
        if (strcmp(out->event_type, changes[i].type) == 0) {
            out->kind = VIDEO_EVENT_PIPELINE_STATE;
            out->change = changes[i].change;
            /* pipelines are found by id alone: concatenation events may lack
             * meetingId (VIDEO.md §2.9), so it is not read */
            return take(d, "mediaPipelineId", out->pipeline_id, sizeof(out->pipeline_id), 1, 1, err);
        }
    return 0; /* KinesisVideoStream* and future kinds: not ours */
}

static int read_object(const cJSON *d, struct video_event *out, struct rec_error *err)
{
    out->kind = VIDEO_EVENT_OBJECT_CREATED;
    int rc = take(cJSON_GetObjectItemCaseSensitive(d, "bucket"), "name", out->bucket, sizeof(out->bucket), 1, 0,
                  err);
    return rc ? rc : take(cJSON_GetObjectItemCaseSensitive(d, "object"), "key", out->key, sizeof(out->key), 1, 0,
                          err);
}

int video_event_read(const cJSON *event, struct video_event *out, struct rec_error *err)
{
    memset(out, 0, sizeof(*out));
    const char *source = service_json_string(event, "source");
    const char *type = service_json_string(event, "detail-type");
    const cJSON *d = cJSON_GetObjectItemCaseSensitive(event, "detail");
    const char *event_type = service_json_string(d, "eventType");
    const char *time = service_json_string(event, "time");
    if (!source || !type || !cJSON_IsObject(d))
        return 0;
    if (time && rec_rfc3339_parse(time, &out->time_ms))
        return rec_error_set(err, REC_ERR_INVALID, 0, "event time %.40s is not an ISO 8601 UTC time", time);
    if (rec_str_copy(out->event_type, sizeof(out->event_type), event_type ? event_type : type))
        return rec_error_set(err, REC_ERR_INVALID, 0, "event type too long");
    if (strcmp(source, "aws.chime") == 0 && strcmp(type, "Chime Meeting State Change") == 0)
        return read_chime_meeting(d, out, err);
    if (strcmp(source, "aws.chime") == 0 && strcmp(type, "Chime Media Pipeline State Change") == 0)
        return read_pipeline(d, out, err);
    if (strcmp(source, "aws.s3") == 0 && strcmp(type, "Object Created") == 0)
        return read_object(d, out, err);
    return 0;
}

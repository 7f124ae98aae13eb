/*
 * The EventBridge events a video recording follows, read.
 *
 * Rule sources: Amazon Chime SDK Developer Guide, "Using EventBridge"
 * ("Chime Meeting State Change": chime:MeetingEnded, chime:AttendeeAdded,
 * chime:AttendeeJoined, ... with meetingId, externalMeetingId?,
 * attendeeId, externalUserId) and "Media pipeline events" ("Chime Media
 * Pipeline State Change": chime:MediaPipelineInProgress, ...Deleted,
 * ...TemporaryFailure, ...Resumed, ...PermanentFailure with mediaPipelineId);
 * Amazon S3 User Guide, "EventBridge event message structure" ("Object
 * Created": detail.bucket.name, detail.object.key, raw not URL-encoded).
 * VIDEO.md §2.9. The envelope's "time" is when the event happened.
 */
#ifndef REC_VIDEO_EVENTS_H
#define REC_VIDEO_EVENTS_H

#include <stdint.h>

#include <cjson/cJSON.h>

#include "common/error.h"
#include "video/api.h"
#include "video/keys.h"

/* The prefix of the media pipeline's attendee ExternalUserId
 * ("aws:MediaPipeline-4ae1f"; VIDEO.md §2.3). */
#define VIDEO_PIPELINE_ATTENDEE_PREFIX "aws:MediaPipeline"

enum video_event_kind {
    VIDEO_EVENT_OTHER = 0,      /* an event of a kind we do not follow: nothing to do */
    VIDEO_EVENT_MEETING_ENDED,
    VIDEO_EVENT_PIPELINE_ATTENDEE, /* AttendeeAdded/Joined of an aws:MediaPipeline attendee */
    VIDEO_EVENT_PIPELINE_STATE,
    VIDEO_EVENT_OBJECT_CREATED,
};

enum video_pipeline_change {
    VIDEO_PIPELINE_IN_PROGRESS,
    VIDEO_PIPELINE_DELETED,
    VIDEO_PIPELINE_TEMPORARY_FAILURE,
    VIDEO_PIPELINE_RESUMED,
    VIDEO_PIPELINE_PERMANENT_FAILURE,
};

struct video_event {
    enum video_event_kind kind;
    char event_type[64];                              /* detail.eventType or detail-type */
    int64_t time_ms;                                  /* the envelope's time; 0 if absent */
    char meeting_id[VIDEO_ID_MAX];                    /* Chime MeetingId, "" if absent */
    char external_meeting_id[VIDEO_MEETING_ID_MAX];   /* "" when the event lacks it */
    char attendee_id[VIDEO_ID_MAX];
    char external_user_id[VIDEO_MEETING_ID_MAX];
    char pipeline_id[VIDEO_ID_MAX];
    enum video_pipeline_change change;
    char bucket[64];
    char key[VIDEO_KEY_MAX];
};

/* Non-zero when event is an EventBridge event ("source" and "detail-type"
 * strings and a "detail" object). */
int video_is_eventbridge(const cJSON *event);

/* Reads an EventBridge event. Returns 0 with out->kind set (OTHER for
 * events we do not follow: other sources, other eventTypes, a human
 * attendee); REC_ERR_INVALID (not retriable, err names the field) for an
 * event of a followed kind whose fields are missing, not ids, or too long. */
int video_event_read(const cJSON *event, struct video_event *out, struct rec_error *err);

#endif

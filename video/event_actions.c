#include "video/event_actions.h"

#include <stdio.h>
#include <string.h>

#include "common/log.h"
#include "common/rfc3339.h"
#include "video/keys.h"
#include "video/lifecycle.h"
#include "video/store.h"

/* The meeting an event names: its externalMeetingId, else the CM# index of
 * its meetingId. REC_ERR_NOT_FOUND when neither leads to a meeting of ours. */
static int meeting_of(const struct video_ctx *ctx, const struct video_event *ev, char *ext, size_t cap,
                      struct rec_error *err)
{
    if (ev->meeting_id[0]) {
        int rc = video_store_lookup(ctx, "CM#", ev->meeting_id, ext, cap, NULL, err);
        if (rc != REC_ERR_NOT_FOUND)
            return rc;
    }
    if (!ev->external_meeting_id[0])
        return REC_ERR_NOT_FOUND;
    snprintf(ext, cap, "%s", ev->external_meeting_id);
    return 0;
}

static int64_t event_time(const struct video_ctx *ctx, const struct video_event *ev)
{
    return ev->time_ms ? ev->time_ms : ctx->now_ms;
}

static int meeting_ended(const struct video_ctx *ctx, const struct video_event *ev, struct rec_error *err)
{
    char ext[VIDEO_MEETING_ID_MAX];
    int rc = meeting_of(ctx, ev, ext, sizeof(ext), err);
    if (rc)
        return rc == REC_ERR_NOT_FOUND ? 0 : rc;
    unsigned stopped = 0, not_stopped = 0;
    rc = video_end_recordings(ctx, ext, event_time(ctx, ev), &stopped, &not_stopped, err);
    rec_log(REC_LOG_INFO, "meeting ended", LOG_STR("externalMeetingId", ext), LOG_INT("recordingsStopped", stopped),
            LOG_INT("recordingsNotStopped", not_stopped));
    return rc;
}

/* The roster name the agent app waits for (VIDEO.md §3.6): the seed's
 * attendee item, written once (a second delivery changes nothing). */
static int pipeline_attendee(const struct video_ctx *ctx, const struct video_event *ev, struct rec_error *err)
{
    char ext[VIDEO_MEETING_ID_MAX], now[REC_RFC3339_MAX];
    int rc = meeting_of(ctx, ev, ext, sizeof(ext), err);
    if (rc)
        return rc == REC_ERR_NOT_FOUND ? 0 : rc;
    char pk[VIDEO_PK_MAX], meeting_sk[VIDEO_SK_MAX];
    video_recording_key(ext, NULL, pk, meeting_sk);
    struct rec_buf sk;
    rec_buf_init(&sk, 1024);
    cJSON *item = NULL;
    if ((rc = video_store_get(ctx, pk, meeting_sk, &item, err)) != 0) {
        rc = rc == REC_ERR_NOT_FOUND ? 0 : rc; /* a meeting the seed's table does not hold */
        goto cleanup;
    }
    cJSON_Delete(item);
    item = NULL;
    if (video_key(&sk, "A#", ev->external_user_id) || rec_rfc3339_format(ctx->now_ms, now) ||
        !(item = video_item_new(ctx, pk, sk.data, "Attendee", VIDEO_TTL_RECORDING_S)) ||
        dynamodb_add_s(item, "createdAt", now) || dynamodb_add_s(item, "externalUserId", ev->external_user_id) ||
        dynamodb_add_s(item, "attendeeName", ctx->cfg->attendee_name) ||
        (ev->attendee_id[0] && dynamodb_add_s(item, "chimeAttendeeId", ev->attendee_id)) ||
        dynamodb_add_bool(item, "isOwner", 0))
        rc = rec_error_set(err, REC_ERR_NOMEM, 1, "out of memory");
    struct rec_error local;
    rec_error_clear(&local);
    if (!rc && (rc = video_store_put(ctx, item, "attribute_not_exists(PK)", &local)) == REC_ERR_CONDITION)
        rc = 0;
    rec_error_wrap(err, &local, NULL);
    if (!rc)
        rec_log(REC_LOG_INFO, "recording attendee named", LOG_STR("externalMeetingId", ext),
                LOG_STR("externalUserId", ev->external_user_id), LOG_STR("attendeeName", ctx->cfg->attendee_name));
cleanup:
    cJSON_Delete(item);
    rec_buf_clean_up(&sk, 0);
    return rc;
}

/* The recording item an index item names. */
static int indexed_recording(const struct video_ctx *ctx, const cJSON *index, const char *ext, cJSON **rec,
                             struct rec_error *err)
{
    const char *rid = dynamodb_get_s(index, "recordingId");
    if (!rid)
        return rec_error_set(err, REC_ERR_INVALID, 0, "an index item of %s names no recording", ext);
    char pk[VIDEO_PK_MAX], sk[VIDEO_SK_MAX];
    video_recording_key(ext, rid, pk, sk);
    return video_store_get(ctx, pk, sk, rec, err);
}

static int capture_changed(const struct video_ctx *ctx, const struct video_event *ev, const char *ext,
                           const cJSON *rec, struct rec_error *err)
{
    const char *rid = dynamodb_get_s(rec, "recordingId");
    switch (ev->change) {
    case VIDEO_PIPELINE_IN_PROGRESS:
        return video_store_move(ctx, ext, rid, VIDEO_CAPTURE_IN_PROGRESS, NULL, NULL, err);
    case VIDEO_PIPELINE_DELETED: /* stopped by us, by the meeting's end, or by the service */
        return dynamodb_get_s(rec, "endedAt") ? video_concat_start(ctx, ext, rec, err)
                                              : video_end_recording(ctx, ext, rec, event_time(ctx, ev), NULL, err);
    case VIDEO_PIPELINE_PERMANENT_FAILURE:
        rec_log(REC_LOG_ERROR, "video capture failed", LOG_STR("externalMeetingId", ext), LOG_STR("recordingId", rid),
                LOG_STR("capturePipelineId", ev->pipeline_id));
        return video_end_recording(ctx, ext, rec, event_time(ctx, ev), "capture pipeline permanent failure", err);
    default:
        rec_log(REC_LOG_WARN, "video capture", LOG_STR("eventType", ev->event_type), LOG_STR("recordingId", rid));
        return 0;
    }
}

static int concat_changed(const struct video_ctx *ctx, const struct video_event *ev, const char *ext,
                          const cJSON *rec, struct rec_error *err)
{
    const char *rid = dynamodb_get_s(rec, "recordingId");
    if (ev->change == VIDEO_PIPELINE_DELETED) /* done: the S3 event may be late or lost */
        return video_probe_file(ctx, ext, rec, err);
    if (ev->change != VIDEO_PIPELINE_PERMANENT_FAILURE)
        return 0;
    rec_log(REC_LOG_ERROR, "video concatenation failed", LOG_STR("externalMeetingId", ext), LOG_STR("recordingId", rid),
            LOG_STR("concatPipelineId", ev->pipeline_id));
    cJSON *values = cJSON_CreateObject();
    int rc = values && !dynamodb_add_s(values, ":why", "concatenation pipeline permanent failure")
                 ? video_store_move(ctx, ext, rid, VIDEO_CONCAT_FAILED, ", failureReason = :why", values, err)
                 : rec_error_set(err, REC_ERR_NOMEM, 1, "out of memory");
    cJSON_Delete(values);
    return rc;
}

static int pipeline_changed(const struct video_ctx *ctx, const struct video_event *ev, struct rec_error *err)
{
    char ext[VIDEO_MEETING_ID_MAX];
    cJSON *index = NULL, *rec = NULL;
    int rc = video_store_lookup(ctx, "MP#", ev->pipeline_id, ext, sizeof(ext), &index, err);
    if (rc == REC_ERR_NOT_FOUND)
        return 0; /* another application's pipeline */
    if (!rc)
        rc = indexed_recording(ctx, index, ext, &rec, err);
    const char *kind = dynamodb_get_s(index, "kind");
    if (!rc)
        rc = kind && strcmp(kind, "concat") == 0 ? concat_changed(ctx, ev, ext, rec, err)
                                                 : capture_changed(ctx, ev, ext, rec, err);
    cJSON_Delete(rec);
    cJSON_Delete(index);
    return rc == REC_ERR_NOT_FOUND ? 0 : rc;
}

static int object_created(const struct video_ctx *ctx, const struct video_event *ev, struct rec_error *err)
{
    char rid[VIDEO_ID_MAX], folder[VIDEO_FOLDER_MAX], ext[VIDEO_MEETING_ID_MAX];
    if (strcmp(ev->bucket, ctx->cfg->bucket) != 0 || video_parse_recording_key(ev->key, rid, folder))
        return 0; /* another bucket, or not a recording's MP4 */
    int rc = video_store_lookup(ctx, "RID#", rid, ext, sizeof(ext), NULL, err);
    if (rc)
        return rc == REC_ERR_NOT_FOUND ? 0 : rc;
    int composited = strcmp(folder, "composited-video") == 0;
    if (composited) {
        char pk[VIDEO_PK_MAX], sk[VIDEO_SK_MAX];
        video_recording_key(ext, rid, pk, sk);
        cJSON *values = cJSON_CreateObject();
        rc = values && !dynamodb_add_s(values, ":key", ev->key)
                 ? video_store_update(ctx, pk, sk, "SET compositedVideoS3Object = :key", "attribute_exists(PK)",
                                      NULL, values, err)
                 : rec_error_set(err, REC_ERR_NOMEM, 1, "out of memory");
        cJSON_Delete(values);
        if (rc == REC_ERR_CONDITION)
            return 0;
    }
    if (!rc && (composited ? ctx->cfg->play_composited : strcmp(folder, "audio") == 0 && !ctx->cfg->play_composited))
        rc = video_file_found(ctx, ext, rid, ev->key, err);
    return rc == REC_ERR_NOT_FOUND ? 0 : rc;
}

int video_event_apply(const struct video_ctx *ctx, const struct video_event *ev, struct rec_error *err)
{
    switch (ev->kind) {
    case VIDEO_EVENT_MEETING_ENDED: return meeting_ended(ctx, ev, err);
    case VIDEO_EVENT_PIPELINE_ATTENDEE: return pipeline_attendee(ctx, ev, err);
    case VIDEO_EVENT_PIPELINE_STATE: return pipeline_changed(ctx, ev, err);
    case VIDEO_EVENT_OBJECT_CREATED: return object_created(ctx, ev, err);
    default: return 0;
    }
}

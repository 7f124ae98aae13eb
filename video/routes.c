#include "video/routes.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/bytes.h"
#include "common/log.h"
#include "common/rfc3339.h"
#include "video/identity.h"
#include "video/keys.h"
#include "video/lifecycle.h"
#include "video/playback.h"
#include "video/store.h"
#include "video/viewer.h"

static int answer_with(struct video_answer *a, int status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int answer_with(struct video_answer *a, int status, const char *fmt, ...)
{
    a->status = status;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(a->message, sizeof(a->message), fmt, ap);
    va_end(ap);
    return 0;
}

/* A failure of ours (500, the route's "please try again later"), logged. */
static int server_error(struct video_answer *a, const char *route, const struct rec_error *err)
{
    rec_log(REC_LOG_ERROR, "video recording request failed", LOG_STR("route", route),
            LOG_STR("reason", err->message), LOG_BOOL("retriable", err->retriable));
    return answer_with(a, 500, "%s Error, please try again later", route);
}

/* The meeting item, checked for its owner: *meeting, or an answer (a->status
 * set). The route helpers below answer the same way: a->status stays 0 to go on. */
static void owned_meeting(const struct video_ctx *ctx, const char *route, const char *ext, const char *username,
                          cJSON **meeting, struct video_answer *a)
{
    struct rec_error err;
    rec_error_clear(&err);
    char pk[VIDEO_PK_MAX], sk[VIDEO_SK_MAX];
    video_recording_key(ext, NULL, pk, sk);
    int rc = video_store_get(ctx, pk, sk, meeting, &err);
    const char *owner = rc ? NULL : dynamodb_get_s(*meeting, "ownerUsername");
    if (rc == REC_ERR_NOT_FOUND)
        answer_with(a, 404, "%s Error, meeting not found", route);
    else if (rc)
        server_error(a, route, &err);
    else if (!owner || strcmp(owner, username) != 0)
        answer_with(a, 400, "%s Error, user is not the owner", route);
}

/* ---- POST /recording ---- */

/* The lock: the meeting's activeRecordingId, unless one is held (a claim
 * older than a function's life without an open recording is stale). */
static int claim_lock(const struct video_ctx *ctx, const char *ext, const char *rid, struct rec_error *err)
{
    char pk[VIDEO_PK_MAX], sk[VIDEO_SK_MAX];
    video_recording_key(ext, NULL, pk, sk);
    cJSON *values = cJSON_CreateObject();
    int ok = values && !dynamodb_add_s(values, ":r", rid) && !dynamodb_add_n(values, ":now", ctx->now_ms) &&
             !dynamodb_add_n(values, ":stale", ctx->now_ms - 5 * 60 * 1000);
    int rc = ok ? video_store_update(ctx, pk, sk, "SET activeRecordingId = :r, activeRecordingAt = :now",
                                     "attribute_exists(PK) AND (attribute_not_exists(activeRecordingId) OR "
                                     "activeRecordingAt < :stale)",
                                     NULL, values, err)
                : rec_error_set(err, REC_ERR_NOMEM, 1, "out of memory");
    cJSON_Delete(values);
    return rc;
}

/* Counts the meeting's recordings and those still open (no endedAt). */
static int count_recordings(const struct video_ctx *ctx, const char *ext, int *all, int *open,
                            struct rec_error *err)
{
    cJSON *items = NULL;
    int rc = video_store_recordings(ctx, ext, &items, err);
    const cJSON *rec;
    *all = *open = 0;
    cJSON_ArrayForEach(rec, items)
    {
        (*all)++;
        *open += !dynamodb_get_s(rec, "endedAt");
    }
    cJSON_Delete(items);
    return rc;
}

/* What a start knows once its capture exists. */
struct start {
    const struct video_api_request *req;
    const struct cognito_user *user;
    const cJSON *meeting;
    const cJSON *owner;             /* the owner's viewer facts (hierarchy) */
    char rid[VIDEO_ID_MAX];
    char created[REC_RFC3339_MAX];
    struct rec_buf capture_prefix, concat_prefix;
    struct media_pipeline capture;
};

/* Adds a plain member of src as a typed attribute (absent or null: nothing). */
static int add_plain(cJSON *item, const char *name, const cJSON *src, const char *member)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(src, member);
    if (!v || cJSON_IsNull(v))
        return 0;
    cJSON *t = dynamodb_value_of(v);
    if (t && cJSON_AddItemToObject(item, name, t))
        return 0;
    cJSON_Delete(t);
    return REC_ERR_NOMEM;
}

/* The REC# item: the seed's attributes, then ours (VIDEO.md §3.4). */
static cJSON *recording_item(const struct video_ctx *ctx, const struct start *s)
{
    const char *ext = s->req->external_meeting_id;
    char pk[VIDEO_PK_MAX], sk[VIDEO_SK_MAX];
    video_recording_key(ext, s->rid, pk, sk);
    cJSON *it = video_item_new(ctx, pk, sk, "Recording", VIDEO_TTL_RECORDING_S);
    const char *pairs[][2] = {
        { "recordingId", s->rid }, { "ownerUsername", s->user->username }, { "ownerEmail", s->user->email },
        { "connectUserId", s->user->connect_user_id }, { "createdAt", s->created },
        { "updatedAt", s->created }, { "recordingS3Bucket", ctx->cfg->bucket },
        { "status", video_state_name(VIDEO_STATE_STARTING) }, { "externalMeetingId", ext },
        { "chimeMeetingId", dynamodb_get_s(s->meeting, "chimeMeetingId") },
        { "capturePipelineId", s->capture.id }, { "capturePipelineArn", s->capture.arn },
        { "captureS3Prefix", s->capture_prefix.data }, { "concatS3Prefix", s->concat_prefix.data },
    };
    int bad = !it;
    for (size_t i = 0; !bad && i < sizeof(pairs) / sizeof(pairs[0]); i++)
        bad = dynamodb_add_s(it, pairs[i][0], pairs[i][1]);
    if (!bad && s->req->connect_contact_id[0])
        bad = dynamodb_add_s(it, "connectContactId", s->req->connect_contact_id);
    if (!bad)
        bad = add_plain(it, "connectHierarchyGroupId", s->owner, "hierarchyGroupId") ||
              add_plain(it, "connectHierarchyGroupSummary", s->owner, "hierarchyGroupSummary");
    if (bad) {
        cJSON_Delete(it);
        return NULL;
    }
    return it;
}

/* CreateMediaCapturePipeline into the recording's capture prefix. */
static int create_capture(const struct video_ctx *ctx, struct start *s, struct rec_error *err)
{
    int rc = 0;
    struct rec_buf source, sink;
    rec_buf_init(&source, 512);
    rec_buf_init(&sink, 2048);
    REC_TRY(video_meeting_arn(ctx->account, dynamodb_get_s(s->meeting, "chimeMeetingId"), &source));
    REC_TRY(video_s3_arn(ctx->cfg->bucket, s->capture_prefix.data, &sink));
    struct media_capture_request mc = {
        .source_arn = source.data, .sink_arn = sink.data, .client_token = s->rid,
        .audio_mux_type = "AudioWithCompositedVideo", .layout = ctx->cfg->layout,
        .resolution = ctx->cfg->resolution, .deadline_ms = ctx->deadline_ms,
    };
    rc = media_capture_create(ctx->clients->pipelines, &mc, &s->capture, err);
    if (!rc && !s->capture.arn[0]) { /* a legacy-style answer (aws/amazon-chime-sdk-js#2605) */
        REC_TRY(video_pipeline_arn(media_pipelines_client_region(ctx->clients->pipelines), ctx->account,
                                   s->capture.id, &sink));
        REC_TRY(rec_str_copy(s->capture.arn, sizeof(s->capture.arn), sink.data));
    }
cleanup:
    if (rc)
        rec_error_set(err, rc, 0, "capture for meeting %s (chimeMeetingId %s): %s", s->req->external_meeting_id,
                      dynamodb_get_s(s->meeting, "chimeMeetingId") ? "set" : "missing", rec_strerror(rc));
    rec_buf_clean_up(&source, 0);
    rec_buf_clean_up(&sink, 0);
    return rc;
}

/* The capture, then its items; on failure the capture is deleted again. */
static int record(const struct video_ctx *ctx, struct start *s, struct rec_error *err)
{
    int64_t created_ms = ctx->now_ms;
    int rc = rec_rfc3339_format(created_ms, s->created);
    if (!rc)
        rc = video_capture_prefix(created_ms, s->rid, &s->capture_prefix);
    if (!rc)
        rc = video_recording_prefix(created_ms, s->rid, &s->concat_prefix);
    if (rc)
        return rec_error_set(err, rc, 0, "recording names: %s", rec_strerror(rc));
    REC_TRY(create_capture(ctx, s, err));
    const char *ext = s->req->external_meeting_id;
    const char *chime_meeting = dynamodb_get_s(s->meeting, "chimeMeetingId");
    cJSON *item = recording_item(ctx, s);
    rc = video_store_put_index(ctx, "RID#", s->rid, NULL, ext, s->rid, err);
    if (!rc)
        rc = video_store_put_index(ctx, "CM#", chime_meeting, NULL, ext, s->rid, err);
    if (!rc)
        rc = video_store_put_index(ctx, "MP#", s->capture.id, "capture", ext, s->rid, err);
    if (!rc)
        rc = item ? video_store_put(ctx, item, "attribute_not_exists(PK)", err)
                  : rec_error_set(err, REC_ERR_NOMEM, 1, "out of memory");
    cJSON_Delete(item);
    if (rc) {
        struct rec_error ignored;
        rec_error_clear(&ignored);
        media_capture_delete(ctx->clients->pipelines, s->capture.id, ctx->deadline_ms, &ignored);
    }
cleanup:
    return rc;
}

/* The playback URL on the contact, on the meeting's first recording only;
 * a failure is logged (the seed's best effort). */
static void store_playback_url(const struct video_ctx *ctx, const struct video_api_request *req)
{
    struct rec_buf url;
    rec_buf_init(&url, VIDEO_URL_MAX + 1024);
    struct rec_error err;
    rec_error_clear(&err);
    int rc = video_playback_url(ctx->cfg->playback_base_url, ctx->cfg->allowed_playback_prefix,
                                req->external_meeting_id, req->playback_url[0] ? req->playback_url : NULL, &url);
    if (rc || !req->connect_contact_id[0]) {
        rec_log(REC_LOG_WARN, "no playback URL stored on the contact", LOG_STR("externalMeetingId", req->external_meeting_id),
                LOG_STR("reason", !req->connect_contact_id[0] ? "no connectContactId"
                                  : rc == REC_ERR_NOT_FOUND ? "the client's URL is not under ALLOWED_PLAYBACK_URL_PREFIX"
                                                            : rec_strerror(rc)));
        rec_buf_clean_up(&url, 0);
        return;
    }
    struct rec_aws_response resp;
    rec_aws_response_init(&resp);
    struct connect_attribute attr = { "videoRecordingPlaybackURL", url.data };
    if (connect_update_contact_attributes(ctx->clients->connect, ctx->cfg->connect_instance_id,
                                          req->connect_contact_id, &attr, 1, ctx->deadline_ms, &resp, &err))
        rec_log(REC_LOG_ERROR, "could not store the playback URL on the contact",
                LOG_STR("contactId", req->connect_contact_id), LOG_STR("reason", err.message));
    rec_aws_response_clean_up(&resp);
    rec_buf_clean_up(&url, 0);
}

#define START "Start Recording"
#define STOP "Stop Recording"
#define SUMMARY "Get Recording Summary"

/* Validation, meeting, open recordings: *first, or an answer (a->status set). */
static void start_checks(const struct video_ctx *ctx, const struct video_api_request *req,
                         const struct cognito_user *user, cJSON **meeting, int *first, struct video_answer *a)
{
    struct rec_error err;
    rec_error_clear(&err);
    int all = 0, open = 0;
    if (!req->external_meeting_id[0])
        answer_with(a, 400, "Must provide External Meeting Id");
    else if (!user->username[0])
        answer_with(a, 400, "Must provide meeting owner username");
    else if (!user->email[0])
        answer_with(a, 400, "Must provide meeting owner email");
    else if (!user->connect_user_id[0])
        answer_with(a, 400, "Must provide connectUserId");
    else
        owned_meeting(ctx, START, req->external_meeting_id, user->username, meeting, a);
    if (a->status)
        return;
    if (count_recordings(ctx, req->external_meeting_id, &all, &open, &err))
        server_error(a, START, &err);
    else if (open)
        answer_with(a, 409, "Recording already in progress");
    else
        *first = all == 0;
}

static int start_route(const struct video_ctx *ctx, const struct video_api_request *req,
                       const struct cognito_user *user, struct video_answer *a)
{
    struct rec_error err;
    rec_error_clear(&err);
    cJSON *meeting = NULL, *owner = NULL;
    int first = 0, locked = 0;
    struct start s = { .req = req, .user = user };
    rec_buf_init(&s.capture_prefix, 512);
    rec_buf_init(&s.concat_prefix, 512);
    start_checks(ctx, req, user, &meeting, &first, a);
    if (a->status)
        goto cleanup;
    int rc = video_new_recording_id(s.rid) ? REC_ERR_IO : claim_lock(ctx, req->external_meeting_id, s.rid, &err);
    if (rc == REC_ERR_CONDITION) {
        answer_with(a, 409, "Recording already in progress");
        goto cleanup;
    }
    locked = rc == 0;
    if (!rc)
        rc = video_viewer_load(ctx, user->connect_user_id, &owner, &err);
    s.meeting = meeting;
    s.owner = owner;
    if (!rc)
        rc = record(ctx, &s, &err);
    if (rc) {
        if (locked)
            video_lock_release(ctx, req->external_meeting_id, s.rid, &err);
        server_error(a, START, &err);
        goto cleanup;
    }
    if (first)
        store_playback_url(ctx, req);
    rec_log(REC_LOG_INFO, "video recording started", LOG_STR("externalMeetingId", req->external_meeting_id),
            LOG_STR("recordingId", s.rid), LOG_STR("capturePipelineId", s.capture.id),
            LOG_STR("prefix", s.capture_prefix.data));
    a->status = 200;
    a->success = START " succeed!";
    a->data = cJSON_CreateObject();
    if (!a->data || !cJSON_AddStringToObject(a->data, "recordingId", s.rid) ||
        !cJSON_AddStringToObject(a->data, "message", "Start recording initiated"))
        answer_with(a, 500, START " Error, please try again later");
cleanup:
    cJSON_Delete(meeting);
    cJSON_Delete(owner);
    rec_buf_clean_up(&s.capture_prefix, 0);
    rec_buf_clean_up(&s.concat_prefix, 0);
    return 0;
}

/* ---- DELETE /recording ---- */

static int stop_route(const struct video_ctx *ctx, const struct video_api_request *req,
                      const struct cognito_user *user, struct video_answer *a)
{
    struct rec_error err;
    rec_error_clear(&err);
    cJSON *meeting = NULL;
    if (!req->external_meeting_id[0])
        return answer_with(a, 400, "Must provide External Meeting Id");
    if (!user->username[0])
        return answer_with(a, 400, "Must provide meeting owner username");
    owned_meeting(ctx, STOP, req->external_meeting_id, user->username, &meeting, a);
    if (a->status)
        goto cleanup;
    unsigned stopped = 0, not_stopped = 0;
    int rc = video_end_recordings(ctx, req->external_meeting_id, ctx->now_ms, &stopped, &not_stopped, &err);
    if (rc && !stopped && !not_stopped) { /* not even the list of recordings */
        server_error(a, STOP, &err);
        goto cleanup;
    }
    if (rc) /* the captures are stopped; the rest is retried by the capture's Deleted event */
        rec_log(REC_LOG_WARN, "stopped, but a later step failed", LOG_STR("reason", err.message));
    a->status = 200;
    a->success = STOP " succeed!";
    a->data = cJSON_CreateObject();
    if (!a->data || !cJSON_AddNumberToObject(a->data, "recordingsStopped", stopped) ||
        !cJSON_AddNumberToObject(a->data, "recordingsNotStopped", not_stopped))
        answer_with(a, 500, STOP " Error, please try again later");
cleanup:
    cJSON_Delete(meeting);
    return 0;
}

/* ---- GET /recording-summary ---- */

/* The summary entry of one recording the viewer may see. */
static int summary_entry(const struct video_ctx *ctx, const char *ext, const cJSON *rec, cJSON *list,
                         struct rec_error *err)
{
    const char *key = dynamodb_get_s(rec, "recordingS3Object");
    const char *updated = dynamodb_get_s(rec, "updatedAt");
    int64_t updated_ms = 0;
    cJSON *fresh = NULL;
    if (!key && video_state_of(dynamodb_get_s(rec, "status")) == VIDEO_STATE_CONCATENATING && updated &&
        !rec_rfc3339_parse(updated, &updated_ms) && ctx->now_ms - updated_ms > ctx->cfg->probe_after_ms &&
        !video_probe_file(ctx, ext, rec, err)) { /* no S3 event came: look */
        char pk[VIDEO_PK_MAX], sk[VIDEO_SK_MAX];
        video_recording_key(ext, dynamodb_get_s(rec, "recordingId"), pk, sk);
        if (!video_store_get(ctx, pk, sk, &fresh, err))
            key = dynamodb_get_s(fresh, "recordingS3Object");
    }
    struct rec_buf url;
    rec_buf_init(&url, 16384);
    cJSON *e = cJSON_CreateObject();
    const char *ended = dynamodb_get_s(rec, "endedAt");
    const char *status = dynamodb_get_s(rec, "status");
    int rc = e && cJSON_AddItemToArray(list, e) &&
                     cJSON_AddStringToObject(e, "recordingId", dynamodb_get_s(rec, "recordingId")) &&
                     cJSON_AddStringToObject(e, "createdAt", dynamodb_get_s(rec, "createdAt")) &&
                     (!ended || cJSON_AddStringToObject(e, "endedAt", ended)) &&
                     (!status || cJSON_AddStringToObject(e, "status", status))
                 ? 0
                 : REC_ERR_NOMEM;
    if (!rc && key)
        rc = rec_s3_presign_get(ctx->clients->s3, ctx->cfg->bucket, key, ctx->cfg->presign_expires_s, ctx->now_ms,
                                &url, err);
    if (!rc && key && !cJSON_AddStringToObject(e, "recordingURL", url.data))
        rc = REC_ERR_NOMEM;
    rec_buf_clean_up(&url, 1); /* a bearer credential for the object */
    cJSON_Delete(fresh);
    return rc;
}

static int by_created(const void *a, const void *b)
{
    const cJSON *x = *(const cJSON *const *)a, *y = *(const cJSON *const *)b;
    const char *cx = dynamodb_get_s(x, "createdAt"), *cy = dynamodb_get_s(y, "createdAt");
    return strcasecmp(cx ? cx : "", cy ? cy : "");
}

/* The recordings the viewer may see by hierarchy, sorted by createdAt
 * (the seed's makeComparator: upper-cased string order). n_kept counts them. */
static int visible(const cJSON *items, const cJSON *viewer, const cJSON **kept, size_t *n_kept)
{
    const cJSON *rec;
    *n_kept = 0;
    cJSON_ArrayForEach(rec, items)
    {
        cJSON *plain = dynamodb_item_plain(rec);
        if (!plain)
            return REC_ERR_NOMEM;
        if (video_viewer_sees(viewer, plain))
            kept[(*n_kept)++] = rec;
        cJSON_Delete(plain);
    }
    qsort(kept, *n_kept, sizeof(*kept), by_created);
    return 0;
}

/* Loads the viewer and checks the profile: *viewer, or an answer (a->status set). */
static void summary_viewer(const struct video_ctx *ctx, const struct cognito_user *user, cJSON **viewer,
                           struct video_answer *a)
{
    struct rec_error err;
    rec_error_clear(&err);
    if (video_viewer_load(ctx, user->connect_user_id, viewer, &err))
        server_error(a, SUMMARY, &err);
    else if (!video_viewer_has_profile(*viewer, ctx->cfg->playback_profiles))
        answer_with(a, 403, SUMMARY " Error, permission denied");
}

static int summary_route(const struct video_ctx *ctx, const struct video_api_request *req,
                         const struct cognito_user *user, struct video_answer *a)
{
    struct rec_error err;
    rec_error_clear(&err);
    cJSON *viewer = NULL, *items = NULL;
    const cJSON **kept = NULL;
    size_t n = 0;
    if (!req->external_meeting_id[0])
        return answer_with(a, 400, "Must provide External Meeting Id");
    if (!user->connect_user_id[0])
        return answer_with(a, 400, "Must provide connectUserId");
    summary_viewer(ctx, user, &viewer, a);
    if (a->status)
        goto cleanup;
    if (video_store_recordings(ctx, req->external_meeting_id, &items, &err)) {
        server_error(a, SUMMARY, &err);
        goto cleanup;
    }
    if (!cJSON_GetArraySize(items)) {
        answer_with(a, 404, SUMMARY " Error, recordings not found for the provided meeting");
        goto cleanup;
    }
    kept = calloc((size_t)cJSON_GetArraySize(items), sizeof(*kept));
    if (!kept || visible(items, viewer, kept, &n)) {
        answer_with(a, 500, SUMMARY " Error, please try again later");
        goto cleanup;
    }
    if (!n) {
        answer_with(a, 403, SUMMARY " Error, permission denied");
        goto cleanup;
    }
    a->data = cJSON_CreateArray();
    for (size_t i = 0; a->data && i < n; i++)
        if (summary_entry(ctx, req->external_meeting_id, kept[i], a->data, &err)) {
            server_error(a, SUMMARY, &err);
            goto cleanup;
        }
    a->status = a->data ? 200 : 500;
    a->success = SUMMARY " succeed!";
cleanup:
    free(kept);
    cJSON_Delete(items);
    cJSON_Delete(viewer);
    return 0;
}

int video_route(const struct video_ctx *ctx, const struct video_api_request *req, struct video_answer *answer)
{
    static const char *const names[] = { "", START, STOP, SUMMARY };
    memset(answer, 0, sizeof(*answer));
    if (req->route == VIDEO_ROUTE_UNKNOWN)
        return answer_with(answer, 404, "Not found");
    struct rec_error err;
    rec_error_clear(&err);
    struct cognito_user user;
    enum video_identity_refusal refusal = VIDEO_IDENTITY_OK;
    if (video_identity_resolve(ctx, req, &user, &refusal, &err))
        return server_error(answer, names[req->route], &err);
    if (refusal)
        return answer_with(answer, 403, "%s", video_identity_refusal_message(refusal));
    if (req->too_long)
        return answer_with(answer, 400, "A request field is too long");
    switch (req->route) {
    case VIDEO_ROUTE_START: return start_route(ctx, req, &user, answer);
    case VIDEO_ROUTE_STOP: return stop_route(ctx, req, &user, answer);
    default: return summary_route(ctx, req, &user, answer);
    }
}

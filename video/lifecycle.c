#include "video/lifecycle.h"

#include <stdio.h>
#include <string.h>

#include "common/log.h"
#include "common/rfc3339.h"
#include "video/api.h"
#include "video/keys.h"
#include "video/state.h"
#include "video/store.h"

#define CONCAT_CLAIM_STALE_MS (5 * 60 * 1000)

/* {":name": {"S": value}, ...}: n pairs of (name, value); NULL if out of memory. */
static cJSON *s_values(size_t n, const char *const *pairs)
{
    cJSON *v = cJSON_CreateObject();
    for (size_t i = 0; v && i < n; i++)
        if (dynamodb_add_s(v, pairs[2 * i], pairs[2 * i + 1])) {
            cJSON_Delete(v);
            return NULL;
        }
    return v;
}

/* An UpdateItem on REC#rid of meeting ext. */
static int update_rec(const struct video_ctx *ctx, const char *ext, const char *rid, const char *update,
                      const char *condition, const cJSON *values, struct rec_error *err)
{
    char pk[VIDEO_PK_MAX], sk[VIDEO_SK_MAX];
    video_recording_key(ext, rid, pk, sk);
    return values ? video_store_update(ctx, pk, sk, update, condition, NULL, values, err)
                  : rec_error_set(err, REC_ERR_NOMEM, 1, "out of memory");
}

int video_lock_release(const struct video_ctx *ctx, const char *ext, const char *rid, struct rec_error *err)
{
    char pk[VIDEO_PK_MAX], sk[VIDEO_SK_MAX];
    video_recording_key(ext, NULL, pk, sk);
    const char *pairs[] = { ":r", rid };
    cJSON *values = s_values(1, pairs);
    struct rec_error local;
    rec_error_clear(&local);
    int rc = values ? video_store_update(ctx, pk, sk, "REMOVE activeRecordingId, activeRecordingAt",
                                         "activeRecordingId = :r", NULL, values, &local)
                    : rec_error_set(&local, REC_ERR_NOMEM, 1, "out of memory");
    cJSON_Delete(values);
    if (rc == REC_ERR_CONDITION)
        return 0; /* released before, or another recording's lock now */
    rec_error_wrap(err, &local, "releasing the start lock");
    return rc;
}

int video_file_found(const struct video_ctx *ctx, const char *ext, const char *rid, const char *key,
                     struct rec_error *err)
{
    const char *pairs[] = { ":key", key };
    cJSON *values = s_values(1, pairs);
    int rc = values ? video_store_move(ctx, ext, rid, VIDEO_FILE_CREATED, ", recordingS3Object = :key", values,
                                       err)
                    : rec_error_set(err, REC_ERR_NOMEM, 1, "out of memory");
    cJSON_Delete(values);
    if (!rc)
        rec_log(REC_LOG_INFO, "video recording available", LOG_STR("externalMeetingId", ext),
                LOG_STR("recordingId", rid), LOG_STR("key", key));
    return rc;
}

/* The claim: concatClaimAt set unless a pipeline exists or a fresh claim does. */
static int concat_claim(const struct video_ctx *ctx, const char *ext, const char *rid, struct rec_error *err)
{
    cJSON *values = cJSON_CreateObject();
    int ok = values && !dynamodb_add_n(values, ":now", ctx->now_ms) &&
             !dynamodb_add_n(values, ":stale", ctx->now_ms - CONCAT_CLAIM_STALE_MS);
    int rc = update_rec(ctx, ext, rid, "SET concatClaimAt = :now",
                        "attribute_not_exists(concatPipelineId) AND "
                        "(attribute_not_exists(concatClaimAt) OR concatClaimAt < :stale)",
                        ok ? values : NULL, err);
    cJSON_Delete(values);
    return rc;
}

/* After the pipeline exists: its ids on the item, its index item, the state. */
static int concat_record(const struct video_ctx *ctx, const char *ext, const char *rid,
                         const struct media_pipeline *p, struct rec_error *err)
{
    const char *pairs[] = { ":id", p->id, ":arn", p->arn };
    cJSON *values = s_values(2, pairs);
    int rc = update_rec(ctx, ext, rid, "SET concatPipelineId = :id, concatPipelineArn = :arn", NULL, values, err);
    cJSON_Delete(values);
    if (!rc)
        rc = video_store_put_index(ctx, "MP#", p->id, "concat", ext, rid, err);
    return rc ? rc : video_store_move(ctx, ext, rid, VIDEO_CONCAT_CREATED, NULL, NULL, err);
}

int video_concat_start(const struct video_ctx *ctx, const char *ext, const cJSON *rec, struct rec_error *err)
{
    const char *rid = dynamodb_get_s(rec, "recordingId");
    const char *capture_arn = dynamodb_get_s(rec, "capturePipelineArn");
    const char *prefix = dynamodb_get_s(rec, "concatS3Prefix");
    if (!rid || !capture_arn || !prefix || dynamodb_get_s(rec, "concatPipelineId"))
        return 0; /* not a pipeline recording, or already concatenated */
    struct rec_error local;
    rec_error_clear(&local);
    int rc = concat_claim(ctx, ext, rid, &local);
    if (rc == REC_ERR_CONDITION)
        return 0; /* another delivery has it */
    struct rec_buf dest;
    rec_buf_init(&dest, 2048);
    char token[VIDEO_ID_MAX + 2];
    snprintf(token, sizeof(token), "%s-c", rid);
    struct media_pipeline p;
    if (!rc && (rc = video_s3_arn(ctx->cfg->bucket, prefix, &dest)) != 0)
        rec_error_set(&local, rc, 0, "destination ARN: %s", rec_strerror(rc));
    if (!rc)
        rc = media_concat_create(ctx->clients->pipelines, capture_arn, dest.data, token, ctx->deadline_ms, &p, &local);
    if (!rc)
        rc = concat_record(ctx, ext, rid, &p, &local);
    if (rc) {
        struct rec_error ignored; /* the claim goes so the next delivery can try */
        rec_error_clear(&ignored);
        char pk[VIDEO_PK_MAX], sk[VIDEO_SK_MAX];
        video_recording_key(ext, rid, pk, sk);
        video_store_update(ctx, pk, sk, "REMOVE concatClaimAt", "attribute_not_exists(concatPipelineId)", NULL, NULL,
                           &ignored);
        rec_error_wrap(err, &local, "starting the concatenation");
    } else {
        rec_log(REC_LOG_INFO, "video concatenation started", LOG_STR("recordingId", rid),
                LOG_STR("concatPipelineId", p.id), LOG_STR("destination", dest.data));
    }
    rec_buf_clean_up(&dest, 0);
    return rc;
}

int video_end_recording(const struct video_ctx *ctx, const char *ext, const cJSON *rec, int64_t ended_ms,
                        const char *reason, struct rec_error *err)
{
    const char *rid = dynamodb_get_s(rec, "recordingId");
    char ended[REC_RFC3339_MAX];
    if (!rid || rec_rfc3339_format(ended_ms, ended))
        return rec_error_set(err, REC_ERR_INVALID, 0, "a recording item of %s has no recordingId", ext);
    const char *pairs[] = { ":ended", ended, ":why", reason ? reason : "" };
    cJSON *values = s_values(reason ? 2 : 1, pairs);
    int rc = values ? video_store_move(ctx, ext, rid, reason ? VIDEO_CAPTURE_FAILED : VIDEO_STOPPED,
                                       reason ? ", endedAt = if_not_exists(endedAt, :ended), failureReason = :why"
                                              : ", endedAt = if_not_exists(endedAt, :ended)",
                                       values, err)
                    : rec_error_set(err, REC_ERR_NOMEM, 1, "out of memory");
    cJSON_Delete(values);
    if (!rc)
        rc = video_lock_release(ctx, ext, rid, err);
    cJSON *fresh = NULL; /* the concatenation reads what the move wrote */
    if (!rc) {
        char pk[VIDEO_PK_MAX], sk[VIDEO_SK_MAX];
        video_recording_key(ext, rid, pk, sk);
        rc = video_store_get(ctx, pk, sk, &fresh, err);
    }
    if (!rc)
        rc = video_concat_start(ctx, ext, fresh, err);
    cJSON_Delete(fresh);
    return rc;
}

/* One open recording: its capture deleted, then ended. */
static int end_open(const struct video_ctx *ctx, const char *ext, const cJSON *rec, int64_t ended_ms, int *stopped,
                    struct rec_error *err)
{
    const char *capture = dynamodb_get_s(rec, "capturePipelineId");
    struct rec_error local;
    rec_error_clear(&local);
    int rc = capture ? media_capture_delete(ctx->clients->pipelines, capture, ctx->deadline_ms, &local) : 0;
    *stopped = rc == 0 || rc == REC_ERR_NOT_FOUND; /* 404: it ended with the meeting */
    if (!*stopped) {
        rec_log(REC_LOG_ERROR, "could not stop a video capture", LOG_STR("externalMeetingId", ext),
                LOG_STR("capturePipelineId", capture), LOG_STR("reason", local.message));
        rec_error_wrap(err, &local, NULL);
        return rc;
    }
    return video_end_recording(ctx, ext, rec, ended_ms, NULL, err);
}

int video_end_recordings(const struct video_ctx *ctx, const char *ext, int64_t ended_ms, unsigned *stopped,
                         unsigned *not_stopped, struct rec_error *err)
{
    cJSON *items = NULL;
    *stopped = *not_stopped = 0;
    int rc = video_store_recordings(ctx, ext, &items, err);
    const cJSON *rec;
    cJSON_ArrayForEach(rec, items)
    {
        int one = 0, ok = 0;
        if (!dynamodb_get_s(rec, "endedAt")) {
            one = end_open(ctx, ext, rec, ended_ms, &ok, err);
            *stopped += ok;
            *not_stopped += !ok;
        } else {
            one = video_concat_start(ctx, ext, rec, err);
        }
        if (one && !rc)
            rc = one;
    }
    cJSON_Delete(items);
    return rc;
}

int video_probe_file(const struct video_ctx *ctx, const char *ext, const cJSON *rec, struct rec_error *err)
{
    static const char *const folders[] = { "audio", "composited-video" };
    const char *rid = dynamodb_get_s(rec, "recordingId");
    const char *prefix = dynamodb_get_s(rec, "concatS3Prefix");
    const char *ids[] = { dynamodb_get_s(rec, "concatPipelineId"), dynamodb_get_s(rec, "capturePipelineId") };
    if (!rid || !prefix || dynamodb_get_s(rec, "recordingS3Object"))
        return 0;
    int rc = 0;
    struct rec_aws_response resp;
    rec_aws_response_init(&resp);
    char key[VIDEO_KEY_MAX];
    for (size_t f = ctx->cfg->play_composited ? 1 : 0; f < 2; f++)
        for (size_t i = 0; i < 2; i++) {
            if (!ids[i] || snprintf(key, sizeof(key), "%s/%s/%s.mp4", prefix, folders[f], ids[i]) >= (int)sizeof(key))
                continue;
            struct rec_error local;
            rec_error_clear(&local);
            rc = rec_s3_head_object(ctx->clients->s3, ctx->cfg->bucket, key, ctx->deadline_ms, &resp, &local);
            if (rc == REC_ERR_NOT_FOUND)
                continue;
            if (!rc)
                rc = video_file_found(ctx, ext, rid, key, err);
            else
                rec_error_wrap(err, &local, "looking for the recording's MP4");
            goto cleanup;
        }
    rc = 0;
cleanup:
    rec_aws_response_clean_up(&resp);
    return rc;
}

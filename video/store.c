#include "video/store.h"

#include <stdio.h>
#include <string.h>

#include "common/log.h"
#include "common/rfc3339.h"
#include "video/keys.h"

#define KEY_MAX 1024

void video_recording_key(const char *ext, const char *rid, char pk[VIDEO_PK_MAX], char sk[VIDEO_SK_MAX])
{
    snprintf(pk, VIDEO_PK_MAX, "M#%s", ext);
    if (rid)
        snprintf(sk, VIDEO_SK_MAX, "REC#%s", rid);
    else
        snprintf(sk, VIDEO_SK_MAX, "%s", pk);
}

int video_key(struct rec_buf *out, const char *prefix, const char *id)
{
    rec_buf_reset(out);
    return rec_buf_printf(out, "%s%s", prefix, id);
}

/* {"TableName": t, "Key": {"PK": {"S": pk}, "SK": {"S": sk}}} */
static cJSON *keyed_request(const struct video_ctx *ctx, const char *pk, const char *sk)
{
    cJSON *doc = cJSON_CreateObject();
    cJSON *key = doc ? cJSON_AddObjectToObject(doc, "Key") : NULL;
    if (!key || !cJSON_AddStringToObject(doc, "TableName", ctx->cfg->table) || dynamodb_add_s(key, "PK", pk) ||
        dynamodb_add_s(key, "SK", sk)) {
        cJSON_Delete(doc);
        return NULL;
    }
    return doc;
}

int video_store_get(const struct video_ctx *ctx, const char *pk, const char *sk, cJSON **item,
                    struct rec_error *err)
{
    *item = NULL;
    cJSON *answer = NULL;
    cJSON *req = keyed_request(ctx, pk, sk);
    if (req && !cJSON_AddTrueToObject(req, "ConsistentRead")) {
        cJSON_Delete(req);
        req = NULL;
    }
    int rc = dynamodb_call(ctx->clients->ddb, "GetItem", req, ctx->deadline_ms, 0, &answer, err);
    if (!rc) {
        *item = cJSON_DetachItemFromObjectCaseSensitive(answer, "Item");
        rc = *item ? 0 : REC_ERR_NOT_FOUND;
    }
    cJSON_Delete(answer);
    cJSON_Delete(req);
    return rc;
}

/* Adds a duplicate of src under name (src NULL: nothing). */
static int add_copy(cJSON *doc, const char *name, const cJSON *src)
{
    if (!src)
        return 1;
    cJSON *copy = cJSON_Duplicate(src, 1);
    if (copy && cJSON_AddItemToObject(doc, name, copy))
        return 1;
    cJSON_Delete(copy);
    return 0;
}

int video_store_put(const struct video_ctx *ctx, const cJSON *item, const char *condition,
                    struct rec_error *err)
{
    cJSON *req = cJSON_CreateObject();
    int ok = req && cJSON_AddStringToObject(req, "TableName", ctx->cfg->table) && add_copy(req, "Item", item) &&
             (!condition || cJSON_AddStringToObject(req, "ConditionExpression", condition));
    int rc = dynamodb_call(ctx->clients->ddb, "PutItem", ok ? req : NULL, ctx->deadline_ms, 0, NULL, err);
    cJSON_Delete(req);
    return rc;
}

int video_store_update(const struct video_ctx *ctx, const char *pk, const char *sk, const char *update,
                       const char *condition, const cJSON *names, const cJSON *values,
                       struct rec_error *err)
{
    cJSON *req = keyed_request(ctx, pk, sk);
    int ok = req && cJSON_AddStringToObject(req, "UpdateExpression", update) &&
             (!condition || cJSON_AddStringToObject(req, "ConditionExpression", condition)) &&
             add_copy(req, "ExpressionAttributeNames", names) && add_copy(req, "ExpressionAttributeValues", values);
    int rc = dynamodb_call(ctx->clients->ddb, "UpdateItem", ok ? req : NULL, ctx->deadline_ms, 0, NULL, err);
    cJSON_Delete(req);
    return rc;
}

/* One page of the meeting's REC# items appended to items. */
static int query_page(const struct video_ctx *ctx, const char *pk, cJSON *items, cJSON **last_key,
                      struct rec_error *err)
{
    cJSON *answer = NULL;
    cJSON *req = cJSON_CreateObject();
    cJSON *values = req ? cJSON_AddObjectToObject(req, "ExpressionAttributeValues") : NULL;
    int ok = values && cJSON_AddStringToObject(req, "TableName", ctx->cfg->table) &&
             cJSON_AddStringToObject(req, "KeyConditionExpression", "PK = :pk AND begins_with(SK, :rec)") &&
             cJSON_AddTrueToObject(req, "ConsistentRead") && !dynamodb_add_s(values, ":pk", pk) &&
             !dynamodb_add_s(values, ":rec", "REC#") && add_copy(req, "ExclusiveStartKey", *last_key);
    int rc = dynamodb_call(ctx->clients->ddb, "Query", ok ? req : NULL, ctx->deadline_ms, 0, &answer, err);
    cJSON_Delete(*last_key);
    *last_key = NULL;
    if (!rc) {
        cJSON *page = cJSON_DetachItemFromObjectCaseSensitive(answer, "Items");
        cJSON *it;
        while (page && (it = cJSON_DetachItemViaPointer(page, page->child)) != NULL)
            cJSON_AddItemToArray(items, it);
        cJSON_Delete(page);
        *last_key = cJSON_DetachItemFromObjectCaseSensitive(answer, "LastEvaluatedKey");
    }
    cJSON_Delete(answer);
    cJSON_Delete(req);
    return rc;
}

int video_store_recordings(const struct video_ctx *ctx, const char *external_meeting_id, cJSON **items,
                           struct rec_error *err)
{
    int rc = 0;
    cJSON *last_key = NULL;
    char pk[VIDEO_PK_MAX], sk[VIDEO_SK_MAX];
    video_recording_key(external_meeting_id, NULL, pk, sk);
    *items = cJSON_CreateArray();
    if (!*items) {
        rc = rec_error_set(err, REC_ERR_NOMEM, 1, "out of memory");
        goto cleanup;
    }
    do {
        REC_TRY(query_page(ctx, pk, *items, &last_key, err));
        if (cJSON_GetArraySize(*items) > VIDEO_STORE_RECORDINGS_MAX) {
            rc = rec_error_set(err, REC_ERR_LIMIT, 0, "meeting %s has more than %d recordings",
                               external_meeting_id, VIDEO_STORE_RECORDINGS_MAX);
            goto cleanup;
        }
    } while (last_key);
cleanup:
    if (rc) {
        rec_error_set(err, rc, 0, "reading the recordings of %s: %s", external_meeting_id, rec_strerror(rc));
        cJSON_Delete(*items);
        *items = NULL;
    }
    cJSON_Delete(last_key);
    return rc;
}

int video_store_lookup(const struct video_ctx *ctx, const char *prefix, const char *id, char *out,
                       size_t cap, cJSON **index, struct rec_error *err)
{
    struct rec_buf k;
    rec_buf_init(&k, KEY_MAX);
    cJSON *item = NULL;
    int rc = video_key(&k, prefix, id);
    if (rc)
        rec_error_set(err, rc, 0, "index key %s%s: %s", prefix, id, rec_strerror(rc));
    else
        rc = video_store_get(ctx, k.data, k.data, &item, err);
    const char *ext = rc ? NULL : dynamodb_get_s(item, "externalMeetingId");
    if (!rc && (!ext || (size_t)snprintf(out, cap, "%s", ext) >= cap))
        rc = rec_error_set(err, REC_ERR_INVALID, 0, "index item %s%s has no usable externalMeetingId", prefix, id);
    if (index && !rc)
        *index = item;
    else
        cJSON_Delete(item);
    rec_buf_clean_up(&k, 0);
    return rc;
}

cJSON *video_item_new(const struct video_ctx *ctx, const char *pk, const char *sk, const char *entity,
                      long long ttl_s)
{
    cJSON *item = cJSON_CreateObject();
    if (!item || dynamodb_add_s(item, "PK", pk) || dynamodb_add_s(item, "SK", sk) ||
        (entity && dynamodb_add_s(item, "entityType", entity)) ||
        dynamodb_add_n(item, "TTL", ctx->now_ms / 1000 + ttl_s)) {
        cJSON_Delete(item);
        return NULL;
    }
    return item;
}

int video_store_put_index(const struct video_ctx *ctx, const char *prefix, const char *id, const char *kind,
                          const char *ext, const char *rid, struct rec_error *err)
{
    char key[VIDEO_PK_MAX];
    if (snprintf(key, sizeof(key), "%s%s", prefix, id) >= (int)sizeof(key))
        return rec_error_set(err, REC_ERR_LIMIT, 0, "index key %s%.40s... is too long", prefix, id);
    cJSON *it = video_item_new(ctx, key, key, NULL, VIDEO_TTL_RECORDING_S);
    int rc = !it || dynamodb_add_s(it, "externalMeetingId", ext) || dynamodb_add_s(it, "recordingId", rid) ||
                     (kind && dynamodb_add_s(it, "kind", kind))
                 ? rec_error_set(err, REC_ERR_NOMEM, 1, "out of memory")
                 : video_store_put(ctx, it, NULL, err);
    cJSON_Delete(it);
    return rc;
}

/* The update of one move: status, updatedAt, TTL, then extra_set. */
static int move_once(const struct video_ctx *ctx, const char *pk, const char *sk, enum video_state from,
                     enum video_state to, const char *extra_set, const cJSON *extra_values,
                     struct rec_error *err)
{
    char update[512], now[REC_RFC3339_MAX];
    if (rec_rfc3339_format(ctx->now_ms, now) ||
        snprintf(update, sizeof(update), "SET #st = :to, updatedAt = :now, #ttl = :ttl%s",
                 extra_set ? extra_set : "") >= (int)sizeof(update))
        return rec_error_set(err, REC_ERR_INVALID, 0, "bad state update");
    cJSON *names = cJSON_CreateObject();
    cJSON *values = extra_values ? cJSON_Duplicate(extra_values, 1) : cJSON_CreateObject();
    int ok = names && values && cJSON_AddStringToObject(names, "#st", "status") &&
             cJSON_AddStringToObject(names, "#ttl", "TTL") && !dynamodb_add_s(values, ":to", video_state_name(to)) &&
             !dynamodb_add_s(values, ":now", now) &&
             !dynamodb_add_n(values, ":ttl", ctx->now_ms / 1000 + VIDEO_TTL_RECORDING_S) &&
             (from == VIDEO_STATE_UNKNOWN || !dynamodb_add_s(values, ":from", video_state_name(from)));
    int rc = ok ? video_store_update(ctx, pk, sk, update,
                                     from == VIDEO_STATE_UNKNOWN ? "attribute_exists(PK) AND attribute_not_exists(#st)"
                                                                 : "#st = :from",
                                     names, values, err)
                : rec_error_set(err, REC_ERR_NOMEM, 1, "out of memory");
    cJSON_Delete(names);
    cJSON_Delete(values);
    return rc;
}

int video_store_move(const struct video_ctx *ctx, const char *ext, const char *rid, enum video_happening h,
                     const char *extra_set, const cJSON *extra_values, struct rec_error *err)
{
    int rc = 0;
    cJSON *item = NULL;
    char pk[VIDEO_PK_MAX], sk[VIDEO_SK_MAX];
    if (!rid) /* an item without recordingId: no recording key to move (never the meeting's) */
        return rec_error_set(err, REC_ERR_NOT_FOUND, 0, "a recording of %s has no recordingId", ext);
    video_recording_key(ext, rid, pk, sk);
    for (int attempt = 0; attempt < 3; attempt++) {
        cJSON_Delete(item);
        item = NULL;
        REC_TRY(video_store_get(ctx, pk, sk, &item, err));
        enum video_state from = video_state_of(dynamodb_get_s(item, "status"));
        enum video_state to = video_state_next(from, h);
        if (to == from)
            goto cleanup;
        struct rec_error local;
        rec_error_clear(&local);
        rc = move_once(ctx, pk, sk, from, to, extra_set, extra_values, &local);
        if (rc != REC_ERR_CONDITION) {
            rec_error_wrap(err, &local, NULL);
            if (!rc && ctx->tally)
                ctx->tally->entered[to]++;
            if (!rc)
                rec_log(REC_LOG_INFO, "video recording state", LOG_STR("recordingId", rid),
                        LOG_STR("from", video_state_name(from)), LOG_STR("to", video_state_name(to)));
            goto cleanup;
        }
    }
    rc = rec_error_set(err, REC_ERR_CONDITION, 1, "recording %s kept changing under us", rid);
cleanup:
    cJSON_Delete(item);
    return rc;
}

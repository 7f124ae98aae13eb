#include "video/viewer.h"

#include <string.h>

#include "common/log.h"
#include "common/rfc3339.h"
#include "video/keys.h"
#include "video/store.h"

/* The cache item as plain JSON when it is there and its TTL not past. */
static int from_cache(const struct video_ctx *ctx, const char *key, cJSON **viewer, struct rec_error *err)
{
    cJSON *item = NULL;
    int rc = video_store_get(ctx, key, key, &item, err);
    long long ttl = 0;
    if (!rc && (dynamodb_get_n(item, "TTL", &ttl) || ttl < ctx->now_ms / 1000))
        rc = REC_ERR_NOT_FOUND; /* expired: the seed's getConnectUserCache refuses it too */
    if (!rc) {
        *viewer = dynamodb_item_plain(item);
        rc = *viewer ? 0 : rec_error_set(err, REC_ERR_INVALID, 0, "cache item %s is not readable", key);
    }
    cJSON_Delete(item);
    return rc;
}

/* Adds the copy of src's member name to dst as to (absent: nothing). */
static int copy_member(cJSON *dst, const char *to, const cJSON *src, const char *name)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(src, name);
    if (!v || cJSON_IsNull(v))
        return 1;
    cJSON *c = cJSON_Duplicate(v, 1);
    if (c && cJSON_AddItemToObject(dst, to, c))
        return 1;
    cJSON_Delete(c);
    return 0;
}

/* DescribeUser (+ DescribeUserHierarchyGroup) as the cache's plain shape. */
static int from_connect(const struct video_ctx *ctx, const char *user_id, cJSON **viewer, struct rec_error *err)
{
    cJSON *user = NULL, *group = NULL;
    const char *instance = ctx->cfg->connect_instance_id;
    int rc = connect_describe_user(ctx->clients->connect, instance, user_id, ctx->deadline_ms, &user, err);
    const char *group_id = rc ? NULL : service_json_string(user, "HierarchyGroupId");
    if (group_id && *group_id)
        rc = connect_describe_user_hierarchy_group(ctx->clients->connect, instance, group_id, ctx->deadline_ms,
                                                   &group, err);
    cJSON *v = rc ? NULL : cJSON_CreateObject();
    int ok = v && cJSON_AddStringToObject(v, "connectUserId", user_id) &&
             copy_member(v, "securityProfileIds", user, "SecurityProfileIds") &&
             copy_member(v, "hierarchyGroupId", user, "HierarchyGroupId") &&
             (group ? cJSON_AddItemToObject(v, "hierarchyGroupSummary", group) : cJSON_AddNullToObject(v, "hierarchyGroupSummary") != NULL);
    if (ok)
        group = NULL;
    if (!rc && !ok)
        rc = rec_error_set(err, REC_ERR_NOMEM, 1, "out of memory");
    if (!rc && !cJSON_GetObjectItemCaseSensitive(v, "securityProfileIds") &&
        !cJSON_AddArrayToObject(v, "securityProfileIds"))
        rc = rec_error_set(err, REC_ERR_NOMEM, 1, "out of memory");
    if (rc)
        cJSON_Delete(v);
    else
        *viewer = v;
    cJSON_Delete(group);
    cJSON_Delete(user);
    return rc;
}

/* Writes the seed's cache item; a failure only costs the next call a lookup. */
static void put_cache(const struct video_ctx *ctx, const char *key, const cJSON *viewer)
{
    char now[REC_RFC3339_MAX];
    struct rec_error err;
    rec_error_clear(&err);
    cJSON *item = video_item_new(ctx, key, key, "ConnectUserCache", VIDEO_TTL_USER_CACHE_S);
    const cJSON *m;
    int ok = item && !rec_rfc3339_format(ctx->now_ms, now) && !dynamodb_add_s(item, "createdAt", now);
    cJSON_ArrayForEach(m, viewer)
    {
        cJSON *v = ok ? dynamodb_value_of(m) : NULL;
        ok = v && cJSON_AddItemToObject(item, m->string, v);
        if (!ok)
            cJSON_Delete(v);
    }
    if (!ok || video_store_put(ctx, item, NULL, &err))
        rec_log(REC_LOG_WARN, "could not write the Connect user cache", LOG_STR("key", key),
                LOG_STR("reason", ok ? err.message : "out of memory"));
    cJSON_Delete(item);
}

int video_viewer_load(const struct video_ctx *ctx, const char *connect_user_id, cJSON **viewer,
                      struct rec_error *err)
{
    struct rec_buf key;
    rec_buf_init(&key, 1024);
    *viewer = NULL;
    int rc = video_key(&key, "CUC#", connect_user_id);
    if (rc) {
        rec_buf_clean_up(&key, 0);
        return rec_error_set(err, rc, 0, "connectUserId too long");
    }
    rc = from_cache(ctx, key.data, viewer, err);
    if (rc == REC_ERR_NOT_FOUND) {
        rc = from_connect(ctx, connect_user_id, viewer, err);
        if (!rc)
            put_cache(ctx, key.data, *viewer);
    }
    rec_buf_clean_up(&key, 0);
    return rc;
}

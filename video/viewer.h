/*
 * A Connect user's playback facts (security profiles, hierarchy group):
 * the seed's ConnectUserCache item when it is fresh, else Amazon Connect
 * DescribeUser and DescribeUserHierarchyGroup, written back to the cache in
 * the seed's format (ConnectService.js putConnectUserCache: CUC#<id> item,
 * securityProfileIds a list of strings, hierarchyGroupSummary the Connect
 * HierarchyGroup or null, TTL 12 hours). VIDEO.md §1.7, §3.3.
 */
#ifndef REC_VIDEO_VIEWER_H
#define REC_VIDEO_VIEWER_H

#include <cjson/cJSON.h>

#include "common/error.h"
#include "video/video.h"

/* *viewer is plain JSON {"connectUserId", "securityProfileIds":[...],
 * "hierarchyGroupId"?, "hierarchyGroupSummary"?} (cJSON_Delete), the shape
 * video/playback.h reads. Returns 0, REC_ERR_NOT_FOUND (Connect has no such
 * user: err filled, not retriable), or a DynamoDB or Connect failure (err
 * filled). A cache write that fails is logged, not returned. */
int video_viewer_load(const struct video_ctx *ctx, const char *connect_user_id, cJSON **viewer,
                      struct rec_error *err);

#endif

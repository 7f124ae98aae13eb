/*
 * The seed's DynamoDB table as this room reads and writes it: one table,
 * PK and SK strings, TTL attribute TTL (VIDEO.md §1.9, §3.4).
 *
 *   M#<ext>   / M#<ext>            meeting (the seed's ChimeAPI writes it; we add
 *                                  activeRecordingId/activeRecordingAt: the start lock)
 *   M#<ext>   / REC#<recordingId>  recording (seed attributes + status, pipeline ids)
 *   M#<ext>   / A#<externalUserId> attendee (the pipeline's roster name)
 *   CUC#<connectUserId> / same     the seed's Connect user cache
 *   MP#<pipelineId>, CM#<chimeMeetingId>, RID#<recordingId> / same
 *                                  index items: events name pipelines, meetings and
 *                                  S3 keys, never our partition key
 *
 * Reads are strongly consistent (a start's check must see the last stop).
 * Items travel as DynamoDB documents (typed attribute values); callers
 * convert with dynamodb_plain_of where the seed's plain shapes are needed.
 */
#ifndef REC_VIDEO_STORE_H
#define REC_VIDEO_STORE_H

#include <stdint.h>

#include <cjson/cJSON.h>

#include "common/buf.h"
#include "common/error.h"
#include "video/api.h"
#include "video/keys.h"
#include "video/state.h"
#include "video/video.h"

/* The most REC# items read for one meeting (pages of the Query). */
#define VIDEO_STORE_RECORDINGS_MAX 1000

/* Room for the keys of a recording item: "M#" + externalMeetingId and
 * "REC#" + recordingId (both ids capped by video/api.h and video/keys.h);
 * the meeting item's SK is its PK, so an SK needs a PK's room. */
#define VIDEO_PK_MAX (VIDEO_MEETING_ID_MAX + 2)
#define VIDEO_SK_MAX VIDEO_PK_MAX

/* The PK and SK of recording rid of meeting ext; with rid NULL, sk gets the
 * meeting item's SK (the PK again). The one way to name those two items
 * (video_key names the others: index, attendee and user cache items). */
void video_recording_key(const char *ext, const char *rid, char pk[VIDEO_PK_MAX], char sk[VIDEO_SK_MAX]);

/* "<prefix><id>" into out (replaced). Returns 0, REC_ERR_LIMIT, REC_ERR_NOMEM. */
int video_key(struct rec_buf *out, const char *prefix, const char *id);

/* GetItem pk/sk. *item is the Item (detached; cJSON_Delete). Returns 0,
 * REC_ERR_NOT_FOUND (no such item: not an error record), or the client's
 * error with err filled. */
int video_store_get(const struct video_ctx *ctx, const char *pk, const char *sk, cJSON **item,
                    struct rec_error *err);

/* PutItem of item (a typed document holding PK and SK), with condition
 * (NULL: none). Returns 0, REC_ERR_CONDITION, or the client's error. */
int video_store_put(const struct video_ctx *ctx, const cJSON *item, const char *condition,
                    struct rec_error *err);

/* UpdateItem pk/sk: update and condition expressions (condition may be
 * NULL); names and values are ExpressionAttributeNames/Values documents or
 * NULL (borrowed). Returns 0, REC_ERR_CONDITION, or the client's error. */
int video_store_update(const struct video_ctx *ctx, const char *pk, const char *sk, const char *update,
                       const char *condition, const cJSON *names, const cJSON *values,
                       struct rec_error *err);

/* Every REC# item of the meeting, in SK order (the seed's Query), as a new
 * array (cJSON_Delete). Returns 0, REC_ERR_LIMIT (more than
 * VIDEO_STORE_RECORDINGS_MAX), or the client's error. */
int video_store_recordings(const struct video_ctx *ctx, const char *external_meeting_id, cJSON **items,
                           struct rec_error *err);

/* The externalMeetingId an index item (MP#, CM#, RID#) points at, into out
 * (cap bytes); *index (optional) gets the item (cJSON_Delete). Returns 0 or
 * REC_ERR_NOT_FOUND (no index: not ours) or the client's error. */
int video_store_lookup(const struct video_ctx *ctx, const char *prefix, const char *id, char *out,
                       size_t cap, cJSON **index, struct rec_error *err);

/* A new typed item with PK, SK, entityType (NULL: none) and TTL now + ttl_s
 * (NULL when out of memory). */
cJSON *video_item_new(const struct video_ctx *ctx, const char *pk, const char *sk, const char *entity,
                      long long ttl_s);

/* PutItem of the index item <prefix><id> (PK = SK; MP#, CM#, RID#) naming
 * recording rid of meeting ext, with kind ("capture", "concat"; NULL: none)
 * and the recording's TTL. Returns 0, REC_ERR_LIMIT, REC_ERR_NOMEM, or the
 * client's error (err filled). */
int video_store_put_index(const struct video_ctx *ctx, const char *prefix, const char *id, const char *kind,
                          const char *ext, const char *rid, struct rec_error *err);

/* Moves recording REC#rid of meeting ext by what happened
 * (video/state.h), with a write conditioned on the state read, re-read and
 * tried again (at most 3 times) when another delivery moved it first. When
 * it moves, extra_set (", name = :v ..." or NULL) is applied too, its
 * values taken from extra_values (NULL: none). A move applied counts in
 * ctx->tally (when set). Returns 0
 * (moved or nothing to do), REC_ERR_NOT_FOUND (no such recording),
 * REC_ERR_CONDITION (kept losing), or the client's error. */
int video_store_move(const struct video_ctx *ctx, const char *ext, const char *rid, enum video_happening h,
                     const char *extra_set, const cJSON *extra_values, struct rec_error *err);

#endif

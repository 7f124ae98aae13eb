/*
 * A recording's life after its start, shared by the stop route and the
 * events: ending the capture, the concatenation into one MP4, and finding
 * that MP4 when no S3 event told us (VIDEO.md §3.5-§3.7).
 *
 * Each step is idempotent: EventBridge delivers at least once and out of
 * order, and the stop route, MeetingEnded and the capture's Deleted event
 * may all end the same recording.
 */
#ifndef REC_VIDEO_LIFECYCLE_H
#define REC_VIDEO_LIFECYCLE_H

#include <stdint.h>

#include <cjson/cJSON.h>

#include "common/error.h"
#include "video/video.h"

/* Ends every recording of meeting ext that has no endedAt:
 * DeleteMediaCapturePipeline first (204, or 404 = already ended); then
 * endedAt = ended_ms, STOPPING, the start lock released and the
 * concatenation started (video_concat_start). Recordings already ended
 * whose concatenation never started get it started too (a retried event
 * finishes what a failed one left). *stopped and *not_stopped count the
 * recordings ended and those whose capture could not be deleted. Returns 0,
 * or the first failure (err filled) after trying every recording. */
int video_end_recordings(const struct video_ctx *ctx, const char *ext, int64_t ended_ms, unsigned *stopped,
                         unsigned *not_stopped, struct rec_error *err);

/* Ends one recording (typed REC# item) whose capture is over: endedAt,
 * STOPPING (or FAILED with reason non-NULL), the lock released, the
 * concatenation started. Returns 0 or the first failure. */
int video_end_recording(const struct video_ctx *ctx, const char *ext, const cJSON *rec, int64_t ended_ms,
                        const char *reason, struct rec_error *err);

/* CreateMediaConcatenationPipeline for recording rec (typed REC# item) of
 * meeting ext, once: a conditional claim on the item (concatClaimAt, stale
 * after 5 minutes) stops a second delivery from making a second pipeline,
 * and ClientRequestToken <recordingId>-c makes a retried call the same
 * pipeline. Then concatPipelineId/Arn, the MP#<concatId> index item and the
 * CONCATENATING state. Returns 0 (started, or already started), or a
 * failure (err filled; the claim is released so a retry can start it). */
int video_concat_start(const struct video_ctx *ctx, const char *ext, const cJSON *rec, struct rec_error *err);

/* Looks for the concatenated MP4 with at most 4 HeadObject calls
 * (<RECORDINGS prefix>/audio/<concatId>.mp4, .../audio/<captureId>.mp4, then
 * composited-video/ alike; the file name's pipeline id is UNVERIFIED,
 * VIDEO.md §2.8) and, when one exists, records it (AVAILABLE). Returns 0
 * (found or not), or a failure. */
int video_probe_file(const struct video_ctx *ctx, const char *ext, const cJSON *rec, struct rec_error *err);

/* Records key as the recording's playable file: recordingS3Object and
 * AVAILABLE (the first file wins). Returns 0 or a failure. */
int video_file_found(const struct video_ctx *ctx, const char *ext, const char *rid, const char *key,
                     struct rec_error *err);

/* Releases meeting ext's start lock if recording rid holds it. A lock
 * already gone or held by another recording is left alone. Returns 0 or a
 * failure. */
int video_lock_release(const struct video_ctx *ctx, const char *ext, const char *rid, struct rec_error *err);

#endif

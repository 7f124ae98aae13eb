/*
 * What each followed EventBridge event does to the recordings
 * (VIDEO.md §3.6). Events for meetings, pipelines, recordings or buckets
 * that are not ours (other applications share the default bus) change
 * nothing and call no AWS API besides the one index lookup.
 */
#ifndef REC_VIDEO_EVENT_ACTIONS_H
#define REC_VIDEO_EVENT_ACTIONS_H

#include "common/error.h"
#include "video/events.h"
#include "video/video.h"

/* Applies ev. Returns 0 (done, or nothing to do), or a failure with err
 * filled: retriable ones make Lambda deliver the event again (every path
 * is idempotent), permanent ones are logged by the caller and dropped. */
int video_event_apply(const struct video_ctx *ctx, const struct video_event *ev, struct rec_error *err);

#endif

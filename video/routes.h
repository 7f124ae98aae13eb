/*
 * The Recording API's three routes, the seed's contract (VIDEO.md §1.5-§1.7)
 * with the deviations VIDEO.md §3.12 lists (owner check on stop, right
 * counts, the start lock, the server-built playback URL, the key layout).
 */
#ifndef REC_VIDEO_ROUTES_H
#define REC_VIDEO_ROUTES_H

#include <cjson/cJSON.h>

#include "common/error.h"
#include "video/api.h"
#include "video/video.h"

/* What a route answers: status 200 with success text and data, or an
 * error status with the seed's message. */
struct video_answer {
    int status;
    const char *success; /* static: "Start Recording succeed!", ... */
    cJSON *data;         /* owned: cJSON_Delete after use */
    char message[256];
};

/* Runs the request's route as the caller resolved by video/identity.h.
 * Every outcome, failures of AWS calls included, is an answer (the agent
 * app reads status and message); failures are logged with their cause.
 * Returns 0, or REC_ERR_NOMEM when not even an answer could be made. */
int video_route(const struct video_ctx *ctx, const struct video_api_request *req, struct video_answer *answer);

#endif

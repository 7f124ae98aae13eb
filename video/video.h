/*
 * The video call recording room: what every part of it shares.
 *
 * Seed 004 ("video call escalation") recorded Chime SDK meetings with a
 * browser bot on ECS; here Chime's own media pipelines record server-side
 * (capture -> concatenation -> one MP4) and this room keeps the seed's
 * Recording API contract, DynamoDB table and playback rules
 * (../shared/VIDEO.md §0, §3). The handler (handler/video_call_recording.c)
 * fills a video_config from the environment, owns the clients, and passes
 * a video_ctx per invocation.
 */
#ifndef REC_VIDEO_VIDEO_H
#define REC_VIDEO_VIDEO_H

#include <stdint.h>

#include "services/cognito_idp_client.h"
#include "services/connect_client.h"
#include "services/dynamodb_client.h"
#include "services/media_pipelines_client.h"
#include "services/s3_client.h"
#include "video/state.h"

/* Settings (handler/video_config.h says which variable sets each). */
struct video_config {
    char table[256];                  /* DDB_TABLE: the seed's table */
    char bucket[64];                  /* RECORDING_BUCKET */
    char attendee_name[129];          /* RECORDING_ATTENDEE_NAME */
    char playback_profiles[1024];     /* RECORDING_PLAYBACK_SECURITY_PROFILE_ID (comma list) */
    uint32_t presign_expires_s;       /* RECORDING_PRESIGNED_URL_EXPIRES_MINUTES * 60 */
    char connect_instance_id[128];    /* CONNECT_INSTANCE_ID */
    char user_pool_id[128];           /* COGNITO_USER_POOL_ID */
    char playback_base_url[512];      /* PLAYBACK_BASE_URL ("" : none) */
    char allowed_playback_prefix[512];/* ALLOWED_PLAYBACK_URL_PREFIX ("" : none) */
    char layout[32];                  /* COMPOSITED_LAYOUT */
    char resolution[8];               /* COMPOSITED_RESOLUTION */
    int play_composited;              /* PLAYBACK_ARTIFACT=composited-video */
    int64_t probe_after_ms;           /* CONCAT_PROBE_AFTER_S * 1000 */
    int64_t identity_cache_ms;        /* how long a Cognito answer is reused */
};

/* The clients, owned by the handler, reused across invocations. */
struct video_clients {
    struct dynamodb_client *ddb;
    struct media_pipelines_client *pipelines;
    struct connect_client *connect;
    struct cognito_idp_client *cognito;
    struct rec_s3_client *s3;
};

struct video_identity_cache;

/* What one invocation did to recordings, for the handler's metric line:
 * how many moved into each state (video/state.h), counted where the store
 * applies a move (video_store_move). */
struct video_tally {
    unsigned entered[VIDEO_STATE_FAILED + 1];
};

/* One invocation's view: borrowed pointers and its clock. */
struct video_ctx {
    const struct video_config *cfg;
    struct video_clients *clients;
    struct video_identity_cache *identities;
    struct video_tally *tally; /* the caller's; NULL: not counted */
    char account[13];     /* from the invoked function's ARN */
    int64_t now_ms;       /* epoch ms when the invocation began */
    int64_t deadline_ms;  /* the invocation's deadline, epoch ms */
};

/* TTL written on every item (seconds since the epoch): the seed's 45 days
 * for recordings and index items, 12 hours for the user cache
 * (dynamodb-stack.ts, ConnectService.js). Computed per write, not once per
 * process (the seed's stale-TTL bug). */
#define VIDEO_TTL_RECORDING_S (45LL * 24 * 3600)
#define VIDEO_TTL_USER_CACHE_S (12LL * 3600)

#endif

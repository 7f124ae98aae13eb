/*
 * VideoCallRecording's configuration, from the environment the SAM
 * template sets (the seed's names where it had them; VIDEO.md §3.9).
 *
 *   DDB_TABLE                      required: the seed's table (PK, SK, TTL)
 *   DDB_REGION                     the table's region (default: the function's)
 *   RECORDING_BUCKET               required: captures and recordings
 *   MEDIA_PIPELINES_REGION         pipelines' control region (us-east-1: the seed's
 *                                  meetings are in the legacy chime namespace, §2.1)
 *   CONNECT_INSTANCE_ID            required: the instance id (not its ARN)
 *   CONNECT_REGION                 the instance's region (default: the function's)
 *   COGNITO_USER_POOL_ID           required: the agent app's user pool ("<region>_<id>":
 *                                  ListUsers goes to that region)
 *   RECORDING_ATTENDEE_NAME        roster name of the pipeline attendee (RECORDING)
 *   RECORDING_PLAYBACK_SECURITY_PROFILE_ID  required: id(s), comma-separated
 *   RECORDING_PRESIGNED_URL_EXPIRES_MINUTES 1..10080 (15)
 *   PLAYBACK_BASE_URL              the agent app's URL: the playback URL is built here
 *   ALLOWED_PLAYBACK_URL_PREFIX    else: a client URL is stored only under this prefix
 *   COMPOSITED_LAYOUT              PresenterOnly|Horizontal|Vertical|ActiveSpeakerOnly
 *   COMPOSITED_RESOLUTION          FHD|HD (FHD: the seed's bot recorded 1080p)
 *   PLAYBACK_ARTIFACT              audio|composited-video (audio): which concatenated
 *                                  folder's MP4 is played (VIDEO.md §2.8, UNVERIFIED)
 *   CONCAT_PROBE_AFTER_S           a summary looks for the MP4 itself after this (120)
 *   IDENTITY_CACHE_S               Cognito answers reused this long (300)
 */
#ifndef REC_HANDLER_VIDEO_CONFIG_H
#define REC_HANDLER_VIDEO_CONFIG_H

#include "common/error.h"
#include "video/video.h"

/* The regions the clients sign for, beside the video_config. */
struct video_regions {
    char ddb[64];
    char pipelines[64];
    char connect[64];
    char cognito[64];
};

/* Reads the variables above. Returns 0, or REC_ERR_CONFIG with err naming
 * the variable (handler/env_config.h). */
int video_config_from_env(struct video_config *cfg, struct video_regions *regions, struct rec_error *err);

#endif

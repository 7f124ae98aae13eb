#include "handler/video_config.h"

#include <string.h>

#include "handler/env_config.h"
#include "sigv4/credentials.h"

static int read_regions(const struct video_config *cfg, struct video_regions *r, struct rec_error *err)
{
    int rc = 0;
    char own[64] = "";
    sigv4_region_from_env(own, sizeof(own)); /* the clients say so when it is missing */
    REC_TRY(env_text("DDB_REGION", own, 0, r->ddb, sizeof(r->ddb), err));
    REC_TRY(env_text("MEDIA_PIPELINES_REGION", "us-east-1", 0, r->pipelines, sizeof(r->pipelines), err));
    REC_TRY(env_text("CONNECT_REGION", own, 0, r->connect, sizeof(r->connect), err));
    const char *us = strchr(cfg->user_pool_id, '_'); /* "us-east-1_AbCdEf": the pool's region */
    size_t n = us ? (size_t)(us - cfg->user_pool_id) : 0;
    if (!n || n >= sizeof(r->cognito))
        return rec_error_set(err, REC_ERR_CONFIG, 0, "COGNITO_USER_POOL_ID %s is not <region>_<id>",
                             cfg->user_pool_id);
    memcpy(r->cognito, cfg->user_pool_id, n);
    r->cognito[n] = '\0';
cleanup:
    return rc;
}

int video_config_from_env(struct video_config *cfg, struct video_regions *regions, struct rec_error *err)
{
    static const char *const layouts[] = { "PresenterOnly", "Horizontal", "Vertical", "ActiveSpeakerOnly" };
    static const char *const resolutions[] = { "FHD", "HD" };
    static const char *const artifacts[] = { "audio", "composited-video" };
    int rc = 0;
    size_t layout = 0, resolution = 0, artifact = 0;
    long long minutes = 0, probe_s = 0, cache_s = 0;
    memset(cfg, 0, sizeof(*cfg));
    memset(regions, 0, sizeof(*regions));
    REC_TRY(env_text("DDB_TABLE", "", 1, cfg->table, sizeof(cfg->table), err));
    REC_TRY(env_text("RECORDING_BUCKET", "", 1, cfg->bucket, sizeof(cfg->bucket), err));
    REC_TRY(env_text("CONNECT_INSTANCE_ID", "", 1, cfg->connect_instance_id, sizeof(cfg->connect_instance_id), err));
    REC_TRY(env_text("COGNITO_USER_POOL_ID", "", 1, cfg->user_pool_id, sizeof(cfg->user_pool_id), err));
    REC_TRY(env_text("RECORDING_ATTENDEE_NAME", "RECORDING", 0, cfg->attendee_name, sizeof(cfg->attendee_name), err));
    REC_TRY(env_text("RECORDING_PLAYBACK_SECURITY_PROFILE_ID", "", 1, cfg->playback_profiles,
                     sizeof(cfg->playback_profiles), err));
    REC_TRY(env_number("RECORDING_PRESIGNED_URL_EXPIRES_MINUTES", 15, 1, 10080, &minutes, err));
    REC_TRY(env_text("PLAYBACK_BASE_URL", "", 0, cfg->playback_base_url, sizeof(cfg->playback_base_url), err));
    REC_TRY(env_text("ALLOWED_PLAYBACK_URL_PREFIX", "", 0, cfg->allowed_playback_prefix,
                     sizeof(cfg->allowed_playback_prefix), err));
    REC_TRY(env_choice("COMPOSITED_LAYOUT", layouts, 4, 0, &layout, err));
    REC_TRY(env_choice("COMPOSITED_RESOLUTION", resolutions, 2, 0, &resolution, err));
    REC_TRY(env_choice("PLAYBACK_ARTIFACT", artifacts, 2, 0, &artifact, err));
    REC_TRY(env_number("CONCAT_PROBE_AFTER_S", 120, 0, 86400, &probe_s, err));
    REC_TRY(env_number("IDENTITY_CACHE_S", 300, 0, 3600, &cache_s, err));
    strcpy(cfg->layout, layouts[layout]);
    strcpy(cfg->resolution, resolutions[resolution]);
    cfg->play_composited = artifact == 1;
    cfg->presign_expires_s = (uint32_t)(minutes * 60);
    cfg->probe_after_ms = probe_s * 1000;
    cfg->identity_cache_ms = cache_s * 1000;
    rc = read_regions(cfg, regions, err);
cleanup:
    return rc;
}

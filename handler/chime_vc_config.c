#include "handler/chime_vc_config.h"

#include <string.h>

#include "handler/env_config.h"

static const char *const channel_orders[] = { "caller-left", "caller-right" };

int chime_vc_config_from_env(struct chime_vc_config *cfg, struct rec_error *err)
{
    int rc = 0;
    size_t order;
    long long ttl_days;
    memset(cfg, 0, sizeof(*cfg));
    REC_TRY(env_text("CALL_TABLE", "", 1, cfg->table, sizeof(cfg->table), err));
    REC_TRY(env_text("RECORDING_BUCKET", "", 1, cfg->bucket, sizeof(cfg->bucket), err));
    REC_TRY(env_text("RECORDING_BUCKET_PREFIX", "", 0, cfg->prefix, sizeof(cfg->prefix), err));
    REC_TRY(env_text("VOICECONNECTOR_ID", "", 0, cfg->voice_connector_id,
                     sizeof(cfg->voice_connector_id), err));
    REC_TRY(env_choice("CHANNEL_ORDER", channel_orders, 2, 0, &order, err));
    REC_TRY(env_text("S3_SSE_KMS_KEY_ID", "", 0, cfg->kms_key_id, sizeof(cfg->kms_key_id), err));
    REC_TRY(env_text("CHIME_WORK_DIR", "/tmp/chime-recorder", 0, cfg->work_dir, sizeof(cfg->work_dir),
                     err));
    REC_TRY(env_number("CALL_TABLE_TTL_DAYS", 7, 1, 3650, &ttl_days, err));
    /* GetMedia by default: the list measured no faster for a leg whose ENDED
     * names its end fragment (README "Reading a leg"). */
    REC_TRY(stream_recording_knobs_from_env(60000, 60000, MEDIA_READ_GET_MEDIA, &cfg->knobs, err));
    cfg->ttl_seconds = ttl_days * 86400;
    cfg->order = order == 1 ? CHIME_CALLER_RIGHT : CHIME_CALLER_LEFT;
cleanup:
    return rc;
}

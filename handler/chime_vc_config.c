#include "handler/chime_vc_config.h"

#include <string.h>

#include "handler/env_config.h"
#include "handler/stream_recording.h"

static const char *const channel_orders[] = { "caller-left", "caller-right" };

/* The knobs of reading and uploading, with the Connect handler's names. */
static int read_knobs(struct chime_vc_config *cfg, struct rec_error *err)
{
    long long v[6];
    int rc = 0;
    REC_TRY(env_number("CALL_TABLE_TTL_DAYS", 7, 1, 3650, &v[0], err));
    REC_TRY(env_number("MULTIPART_PART_BYTES", 16LL << 20, 5LL << 20, 5LL << 30, &v[1], err));
    REC_TRY(env_number("KVS_IDLE_TIMEOUT_MS", 5000, 1000, 600000, &v[2], err));
    REC_TRY(env_number("DEADLINE_START_RESERVE_MS", 60000, 0, 900000, &v[3], err));
    REC_TRY(env_number("DEADLINE_FINISH_RESERVE_MS", 60000, 0, 900000, &v[4], err));
    REC_TRY(env_number("GET_MEDIA_MAX_CALLS", 50, 1, 10000, &v[5], err));
    cfg->ttl_seconds = v[0] * 86400;
    cfg->part_bytes = (size_t)v[1];
    cfg->idle_ms = (long)v[2];
    cfg->start_reserve_ms = v[3];
    cfg->finish_reserve_ms = v[4];
    cfg->max_get_media_calls = (unsigned)v[5];
cleanup:
    return rc;
}

int chime_vc_config_from_env(struct chime_vc_config *cfg, struct rec_error *err)
{
    int rc = 0;
    size_t order;
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
    REC_TRY(read_knobs(cfg, err));
    /* GetMedia by default: the list measured no faster for a leg whose ENDED
     * names its end fragment (README "Reading a leg"). */
    REC_TRY(stream_recording_read_mode_from_env(MEDIA_READ_GET_MEDIA, &cfg->read_mode, &cfg->fragment_batch,
                                                err));
    cfg->order = order == 1 ? CHIME_CALLER_RIGHT : CHIME_CALLER_LEFT;
cleanup:
    return rc;
}

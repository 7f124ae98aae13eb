#include "handler/kvs_recording_config.h"

#include <string.h>

#include "handler/env_config.h"

int kvs_recording_config_from_env(struct kvs_recording_config *cfg, struct rec_error *err)
{
    int rc = 0;
    memset(cfg, 0, sizeof(*cfg));
    char selector[32];
    long long part, idle, start_reserve, finish_reserve, calls, batch;
    static const char *const modes[] = { "auto", "getmedia", "fragment-list" };
    size_t mode = 0;
    REC_TRY(env_text("RECORDINGS_BUCKET_NAME", "", 1, cfg->bucket, sizeof(cfg->bucket), err));
    REC_TRY(env_text("RECORDINGS_KEY_PREFIX", "", 0, cfg->key_prefix, sizeof(cfg->key_prefix), err));
    REC_TRY(env_text("CLOUDFRONT_DOMAIN", "", 1, cfg->cloudfront_domain, sizeof(cfg->cloudfront_domain),
                     err));
    REC_TRY(env_text("START_SELECTOR_TYPE", "FRAGMENT_NUMBER", 0, selector, sizeof(selector), err));
    REC_TRY(env_text("S3_SSE_KMS_KEY_ID", "", 0, cfg->kms_key_id, sizeof(cfg->kms_key_id), err));
    REC_TRY(env_text("S3_OBJECT_ACL", "", 0, cfg->object_acl, sizeof(cfg->object_acl), err));
    REC_TRY(env_number("MULTIPART_PART_BYTES", 16LL << 20, 5LL << 20, 5LL << 30, &part, err));
    REC_TRY(env_number("KVS_IDLE_TIMEOUT_MS", 5000, 1000, 600000, &idle, err));
    REC_TRY(env_number("DEADLINE_START_RESERVE_MS", 30000, 0, 900000, &start_reserve, err));
    REC_TRY(env_number("DEADLINE_FINISH_RESERVE_MS", 15000, 0, 900000, &finish_reserve, err));
    REC_TRY(env_number("GET_MEDIA_MAX_CALLS", 50, 1, 10000, &calls, err));
    REC_TRY(env_choice("KVS_READ_MODE", modes, 3, 0, &mode, err));
    REC_TRY(env_number("FRAGMENT_LIST_BATCH", 1000, 1, 1000, &batch, err));
    size_t n = strlen(cfg->cloudfront_domain);
    while (n && cfg->cloudfront_domain[n - 1] == '/')
        cfg->cloudfront_domain[--n] = '\0';
    cfg->start_by_fragment = strcmp(selector, "FRAGMENT_NUMBER") == 0;
    cfg->part_bytes = (size_t)part;
    cfg->idle_ms = (long)idle;
    cfg->start_reserve_ms = start_reserve;
    cfg->finish_reserve_ms = finish_reserve;
    cfg->max_get_media_calls = (unsigned)calls;
    /* modes[] is in enum media_read_mode's order */
    cfg->read_mode = (enum media_read_mode)mode;
    cfg->fragment_batch = (unsigned)batch;
cleanup:
    return rc;
}

#include "handler/recorder_config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/error.h"

static int text(const char *name, const char *fallback, int required, char *dst, size_t cap,
                char *reason, size_t reason_len)
{
    const char *v = getenv(name);
    if (!v || !*v) {
        if (required) {
            snprintf(reason, reason_len, "%s is not set", name);
            return REC_ERR_CONFIG;
        }
        v = fallback;
    }
    if (strlen(v) >= cap) {
        snprintf(reason, reason_len, "%s is longer than %zu bytes", name, cap - 1);
        return REC_ERR_CONFIG;
    }
    memcpy(dst, v, strlen(v) + 1);
    return 0;
}

static int number(const char *name, long long fallback, long long min, long long max, long long *out,
                  char *reason, size_t reason_len)
{
    const char *v = getenv(name);
    if (!v || !*v) {
        *out = fallback;
        return 0;
    }
    char *end = NULL;
    long long n = strtoll(v, &end, 10);
    if (*end || n < min || n > max) {
        snprintf(reason, reason_len, "%s must be a whole number from %lld to %lld", name, min, max);
        return REC_ERR_CONFIG;
    }
    *out = n;
    return 0;
}

int recorder_config_from_env(struct recorder_config *cfg, char *reason, size_t reason_len)
{
    memset(cfg, 0, sizeof(*cfg));
    char selector[32];
    long long part, idle, start_reserve, finish_reserve, calls;
    int rc = text("RECORDINGS_BUCKET_NAME", "", 1, cfg->bucket, sizeof(cfg->bucket), reason, reason_len);
    if (!rc)
        rc = text("RECORDINGS_KEY_PREFIX", "", 0, cfg->key_prefix, sizeof(cfg->key_prefix), reason, reason_len);
    if (!rc)
        rc = text("CLOUDFRONT_DOMAIN", "", 1, cfg->cloudfront_domain, sizeof(cfg->cloudfront_domain), reason,
                  reason_len);
    if (!rc)
        rc = text("START_SELECTOR_TYPE", "FRAGMENT_NUMBER", 0, selector, sizeof(selector), reason, reason_len);
    if (!rc)
        rc = text("S3_SSE_KMS_KEY_ID", "", 0, cfg->kms_key_id, sizeof(cfg->kms_key_id), reason, reason_len);
    if (!rc)
        rc = text("S3_OBJECT_ACL", "", 0, cfg->object_acl, sizeof(cfg->object_acl), reason, reason_len);
    if (!rc)
        rc = number("MULTIPART_PART_BYTES", 16LL << 20, 5LL << 20, 5LL << 30, &part, reason, reason_len);
    if (!rc)
        rc = number("KVS_IDLE_TIMEOUT_MS", 5000, 1000, 600000, &idle, reason, reason_len);
    if (!rc)
        rc = number("DEADLINE_START_RESERVE_MS", 30000, 0, 900000, &start_reserve, reason, reason_len);
    if (!rc)
        rc = number("DEADLINE_FINISH_RESERVE_MS", 15000, 0, 900000, &finish_reserve, reason, reason_len);
    if (!rc)
        rc = number("GET_MEDIA_MAX_CALLS", 50, 1, 10000, &calls, reason, reason_len);
    if (rc)
        return rc;
    size_t n = strlen(cfg->cloudfront_domain);
    while (n && cfg->cloudfront_domain[n - 1] == '/')
        cfg->cloudfront_domain[--n] = '\0';
    cfg->start_by_fragment = strcmp(selector, "FRAGMENT_NUMBER") == 0;
    cfg->part_bytes = (size_t)part;
    cfg->idle_ms = (long)idle;
    cfg->start_reserve_ms = start_reserve;
    cfg->finish_reserve_ms = finish_reserve;
    cfg->max_get_media_calls = (unsigned)calls;
    return 0;
}

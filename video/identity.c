#include "video/identity.h"

#include <stdlib.h>
#include <string.h>

#include "common/log.h"

struct slot {
    char sub[VIDEO_SUB_MAX];
    int64_t fetched_ms;
    struct cognito_user user;
};

struct video_identity_cache {
    struct slot slots[VIDEO_IDENTITY_CACHE_SLOTS];
    unsigned next; /* the slot a new sub replaces (oldest first) */
};

struct video_identity_cache *video_identity_cache_new(void)
{
    return calloc(1, sizeof(struct video_identity_cache));
}

void video_identity_cache_destroy(struct video_identity_cache *cache)
{
    free(cache);
}

const char *video_identity_refusal_message(enum video_identity_refusal r)
{
    switch (r) {
    case VIDEO_IDENTITY_NO_SIGN_IN: return "Claim is expired or invalid";
    case VIDEO_IDENTITY_OTHER_POOL: return "Claim issuer is invalid";
    case VIDEO_IDENTITY_UNKNOWN_SUB: return "Claim subject does not match";
    default: return "";
    }
}

static struct slot *cached(struct video_identity_cache *cache, const char *sub, int64_t now_ms, int64_t max_age)
{
    for (unsigned i = 0; cache && i < VIDEO_IDENTITY_CACHE_SLOTS; i++) {
        struct slot *s = &cache->slots[i];
        if (s->sub[0] && strcmp(s->sub, sub) == 0 && now_ms - s->fetched_ms < max_age)
            return s;
    }
    return NULL;
}

int video_identity_resolve(const struct video_ctx *ctx, const struct video_api_request *req,
                           struct cognito_user *user, enum video_identity_refusal *refusal,
                           struct rec_error *err)
{
    *refusal = VIDEO_IDENTITY_OK;
    if (!req->sub[0]) {
        *refusal = VIDEO_IDENTITY_NO_SIGN_IN;
        return 0;
    }
    if (strcmp(req->user_pool_id, ctx->cfg->user_pool_id) != 0) {
        *refusal = VIDEO_IDENTITY_OTHER_POOL;
        return 0;
    }
    const struct slot *hit = cached(ctx->identities, req->sub, ctx->now_ms, ctx->cfg->identity_cache_ms);
    if (hit) {
        *user = hit->user;
        return 0;
    }
    struct rec_error local;
    rec_error_clear(&local);
    int rc = cognito_user_by_sub(ctx->clients->cognito, ctx->cfg->user_pool_id, req->sub, ctx->deadline_ms, user,
                                 &local);
    if (rc == REC_ERR_NOT_FOUND) {
        *refusal = VIDEO_IDENTITY_UNKNOWN_SUB;
        rec_log(REC_LOG_WARN, "a signed request for an unknown user", LOG_STR("sub", req->sub));
        return 0;
    }
    rec_error_wrap(err, &local, NULL);
    if (rc || !ctx->identities)
        return rc;
    struct video_identity_cache *c = ctx->identities;
    struct slot *s = &c->slots[c->next];
    c->next = (c->next + 1) % VIDEO_IDENTITY_CACHE_SLOTS;
    memcpy(s->sub, req->sub, sizeof(s->sub));
    s->fetched_ms = ctx->now_ms;
    s->user = *user;
    return 0;
}

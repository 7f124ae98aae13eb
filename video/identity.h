/*
 * Who is calling: the Cognito user whose identity-pool credentials signed
 * the request.
 *
 * API Gateway verified the SigV4 signature (AWS_IAM authorization) and puts
 * the identity pool's authentication methods in
 * requestContext.authorizer.iam.cognitoIdentity.amr; the entry
 * "cognito-idp.<region>.amazonaws.com/<poolId>:CognitoSignIn:<sub>" names
 * the user-pool user (video/api.h reads it). The seed checked the same sub
 * against the cognitoIdToken JWT it then read the user from (AuthUtility.js);
 * here the user comes from Cognito ListUsers by that sub instead (VIDEO.md
 * §3.3), cached briefly per process.
 */
#ifndef REC_VIDEO_IDENTITY_H
#define REC_VIDEO_IDENTITY_H

#include <stdint.h>

#include "common/error.h"
#include "services/cognito_idp_client.h"
#include "video/api.h"
#include "video/video.h"

#define VIDEO_IDENTITY_CACHE_SLOTS 64

/* Creates an empty cache (heap; video_identity_cache_destroy frees it,
 * NULL ok). Returns NULL when out of memory. */
struct video_identity_cache *video_identity_cache_new(void);
void video_identity_cache_destroy(struct video_identity_cache *cache);

/* Why a caller was refused, with the seed's 403 messages. */
enum video_identity_refusal {
    VIDEO_IDENTITY_OK = 0,
    VIDEO_IDENTITY_NO_SIGN_IN,    /* no CognitoSignIn amr: "Claim is expired or invalid" */
    VIDEO_IDENTITY_OTHER_POOL,    /* another user pool: "Claim issuer is invalid" */
    VIDEO_IDENTITY_UNKNOWN_SUB,   /* no such user: "Claim subject does not match" */
};

/* The seed's message for a refusal (static text). */
const char *video_identity_refusal_message(enum video_identity_refusal r);

/* Resolves the caller of req into *user: the cache when it holds the sub
 * fresher than ctx->cfg->identity_cache_ms, else ListUsers in
 * ctx->cfg->user_pool_id. Returns 0 with *refusal set (OK: *user filled;
 * otherwise answer 403 with its message), or a ListUsers failure with err
 * filled (answer 500). */
int video_identity_resolve(const struct video_ctx *ctx, const struct video_api_request *req,
                           struct cognito_user *user, enum video_identity_refusal *refusal,
                           struct rec_error *err);

#endif

/*
 * Amazon Cognito user pools: finding a user by the sub an identity pool
 * attested.
 *
 * Rule sources: Amazon Cognito user pools API Reference, "ListUsers" (JSON
 * 1.1: POST / with X-Amz-Target AWSCognitoIdentityProviderService.ListUsers
 * and Content-Type application/x-amz-json-1.1; Filter "sub = \"...\"",
 * Limit 1..60; answer {"Users":[{"Username","Attributes":[{"Name","Value"}]}]});
 * botocore's cognito-idp model (endpoint prefix and signing name
 * cognito-idp). ../shared/VIDEO.md §3.3.
 */
#ifndef REC_SERVICES_COGNITO_IDP_CLIENT_H
#define REC_SERVICES_COGNITO_IDP_CLIENT_H

#include <stdint.h>

#include "common/error.h"
#include "services/service.h"

#define COGNITO_USERNAME_MAX 129 /* bytes with the NUL: usernames are 1..128 */
#define COGNITO_ATTRIBUTE_MAX 2049 /* bytes with the NUL: values are at most 2048 */

struct cognito_idp_client;

/* The user a sub names: the three things the seed read from its ID token. */
struct cognito_user {
    char username[COGNITO_USERNAME_MAX];
    char email[COGNITO_ATTRIBUTE_MAX];           /* "" when the user has none */
    char connect_user_id[COGNITO_ATTRIBUTE_MAX]; /* custom:connectUserId, "" when unset */
};

/* Creates the client (endpoint override AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER,
 * then AWS_ENDPOINT_URL). opt may be NULL. Returns 0 or service_client_new's
 * error. Destroy with cognito_idp_client_destroy (NULL ok). */
int cognito_idp_client_new(struct cognito_idp_client **out, const struct service_options *opt);
void cognito_idp_client_destroy(struct cognito_idp_client *c);

/* ListUsers in pool_id filtered on sub (a UUID; anything with a quote or a
 * backslash is refused, so the filter cannot be widened). Returns 0 with
 * *out filled; REC_ERR_NOT_FOUND (not retriable) when no user has that sub;
 * REC_ERR_LIMIT when an attribute does not fit; service_json_send's errors
 * (throttling and 5xx retriable). */
int cognito_user_by_sub(struct cognito_idp_client *c, const char *pool_id, const char *sub,
                        int64_t deadline_ms, struct cognito_user *out, struct rec_error *err);

#endif

#include "services/cognito_idp_client.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "common/bytes.h"

struct cognito_idp_client {
    struct rec_aws_client *http;
};

int cognito_idp_client_new(struct cognito_idp_client **out, const struct service_options *opt)
{
    struct cognito_idp_client *c = calloc(1, sizeof(*c));
    if (!c)
        return REC_ERR_NOMEM;
    int rc = service_client_new(&c->http, "Cognito Identity Provider", "cognito-idp", 0, opt);
    if (rc) {
        free(c);
        return rc;
    }
    *out = c;
    return 0;
}

void cognito_idp_client_destroy(struct cognito_idp_client *c)
{
    if (!c)
        return;
    rec_aws_client_destroy(c->http);
    free(c);
}

/* Copies the user's attributes we use; the rest are ignored. */
static int read_user(const cJSON *user, struct cognito_user *out)
{
    const char *name = service_json_string(user, "Username");
    if (!name || rec_str_copy(out->username, sizeof(out->username), name))
        return REC_ERR_LIMIT;
    const cJSON *a;
    cJSON_ArrayForEach(a, cJSON_GetObjectItemCaseSensitive(user, "Attributes"))
    {
        const char *n = service_json_string(a, "Name");
        const char *v = service_json_string(a, "Value");
        int rc = 0;
        if (!n || !v)
            continue;
        if (strcmp(n, "email") == 0)
            rc = rec_str_copy(out->email, sizeof(out->email), v);
        else if (strcmp(n, "custom:connectUserId") == 0)
            rc = rec_str_copy(out->connect_user_id, sizeof(out->connect_user_id), v);
        if (rc)
            return rc;
    }
    return 0;
}

int cognito_user_by_sub(struct cognito_idp_client *c, const char *pool_id, const char *sub,
                        int64_t deadline_ms, struct cognito_user *out, struct rec_error *err)
{
    char filter[160];
    memset(out, 0, sizeof(*out));
    if (!*sub || strpbrk(sub, "\"\\") ||
        snprintf(filter, sizeof(filter), "sub = \"%s\"", sub) >= (int)sizeof(filter))
        return rec_error_set(err, REC_ERR_INVALID, 0, "ListUsers: unusable sub");
    cJSON *answer = NULL;
    cJSON *doc = cJSON_CreateObject();
    int ok = doc && cJSON_AddStringToObject(doc, "UserPoolId", pool_id) &&
             cJSON_AddStringToObject(doc, "Filter", filter) && cJSON_AddNumberToObject(doc, "Limit", 1);
    struct service_json_request req = {
        .operation = "ListUsers", .path = "/", .target = "AWSCognitoIdentityProviderService.ListUsers",
        .content_type = "application/x-amz-json-1.1", .body = ok ? doc : NULL, .deadline_ms = deadline_ms,
    };
    struct rec_aws_response resp;
    rec_aws_response_init(&resp);
    int rc = service_json_send(c->http, &req, &resp, &answer, err);
    if (rc)
        goto cleanup;
    const cJSON *user = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(answer, "Users"), 0);
    if (!user)
        rc = rec_error_set(err, REC_ERR_NOT_FOUND, 0, "ListUsers: no user with sub %s in %s", sub, pool_id);
    else if ((rc = read_user(user, out)) != 0)
        rec_error_set(err, rc, 0, "ListUsers: an attribute of user %s does not fit", sub);
cleanup:
    cJSON_Delete(answer);
    cJSON_Delete(doc);
    rec_aws_response_clean_up(&resp);
    return rc;
}

#include "handler/contact_attributes.h"

#include <string.h>

#include <cjson/cJSON.h>

#include "common/error.h"

int contact_attributes_update(struct rec_aws_client *client, const char *instance_id,
                              const char *initial_contact_id, const char *const *names,
                              const char *const *values, size_t n, int64_t deadline_ms,
                              struct rec_aws_response *resp)
{
    size_t total = 0;
    for (size_t i = 0; i < n; i++)
        total += strlen(names[i]) + strlen(values[i]);
    if (total > CONTACT_ATTRIBUTES_MAX_BYTES)
        return REC_ERR_LIMIT;
    int rc = REC_ERR_NOMEM;
    char *body = NULL;
    cJSON *attrs = NULL;
    cJSON *req = cJSON_CreateObject();
    if (!req || !cJSON_AddStringToObject(req, "InstanceId", instance_id) ||
        !cJSON_AddStringToObject(req, "InitialContactId", initial_contact_id) ||
        !(attrs = cJSON_AddObjectToObject(req, "Attributes")))
        goto cleanup;
    for (size_t i = 0; i < n; i++)
        if (!cJSON_AddStringToObject(attrs, names[i], values[i]))
            goto cleanup;
    if (!(body = cJSON_PrintUnformatted(req)))
        goto cleanup;
    static const struct rec_aws_header h[] = { { "Content-Type", "application/json" } };
    struct rec_aws_request r = {
        .method = "POST",
        .path = "/contact/attributes",
        .headers = h,
        .n_headers = 1,
        .body = body,
        .body_len = strlen(body),
        .deadline_ms = deadline_ms,
    };
    rc = rec_aws_send(client, &r, resp);
cleanup:
    cJSON_free(body);
    cJSON_Delete(req);
    return rc;
}

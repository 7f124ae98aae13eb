#include "services/service.h"

#include <string.h>

int service_client_new(struct rec_aws_client **out, const char *service_id,
                       const char *signing_name, int s3, const struct service_options *opt)
{
    static const struct service_options none;
    if (!opt)
        opt = &none;
    struct rec_aws_client_config cfg = {
        .service_id = service_id,
        .signing_name = signing_name,
        .region = opt->region,
        .credentials = opt->credentials,
        .endpoint_url = opt->endpoint_url,
        .s3 = s3,
        .max_response_bytes = opt->max_response_bytes,
        .retry = opt->retry,
        .endpoint_prefix = opt->endpoint_prefix,
    };
    return rec_aws_client_new(out, &cfg);
}

int service_json_send(struct rec_aws_client *client, const struct service_json_request *req,
                      struct rec_aws_response *resp, cJSON **answer, struct rec_error *err)
{
    int rc = 0;
    char *text = NULL;
    if (answer)
        *answer = NULL;
    const char *method = req->method ? req->method : "POST";
    int bodiless = strcmp(method, "GET") == 0 || strcmp(method, "DELETE") == 0;
    if (bodiless && req->body) {
        rc = rec_error_set(err, REC_ERR_INVALID, 0, "%s: a %s carries no body", req->operation, method);
        goto cleanup;
    }
    if (!bodiless && (!req->body || !(text = cJSON_PrintUnformatted(req->body)))) {
        rc = REC_ERR_NOMEM;
        rec_error_set(err, rc, 0, "%s: out of memory", req->operation);
        goto cleanup;
    }
    struct rec_aws_header h[2] = {
        { "Content-Type", req->content_type ? req->content_type : "application/json" },
        { "X-Amz-Target", req->target },
    };
    struct rec_aws_request r = {
        .method = method,
        .endpoint_url = req->endpoint_url,
        .path = req->path,
        .headers = bodiless ? NULL : h,
        .n_headers = bodiless ? 0 : req->target ? 2 : 1,
        .body = text,
        .body_len = text ? strlen(text) : 0,
        .on_body = req->on_body,
        .user = req->user,
        .low_speed_time_ms = req->idle_ms,
        .deadline_ms = req->deadline_ms,
        .max_attempts = req->max_attempts,
    };
    rc = rec_aws_send(client, &r, resp);
    if (rc == REC_ERR_AWS && req->not_found && resp->status == 404)
        rc = REC_ERR_NOT_FOUND;
    if (rc) {
        rec_aws_error_from_send(err, req->operation, rc, resp);
        goto cleanup;
    }
    if (answer && !req->on_body) {
        *answer = cJSON_ParseWithLength(resp->body.data ? resp->body.data : "", resp->body.len);
        if (!cJSON_IsObject(*answer)) {
            cJSON_Delete(*answer);
            *answer = NULL;
            rc = REC_ERR_INVALID;
            rec_error_set(err, rc, 0, "%s: the answer is not a JSON object", req->operation);
        }
    }
cleanup:
    cJSON_free(text);
    return rc;
}

const char *service_json_string(const cJSON *obj, const char *name)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, name);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

#include "services/kvs_client.h"

#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "common/bytes.h"

struct kvs_client {
    struct rec_aws_client *http;
};

int kvs_client_new(struct kvs_client **out, const struct service_options *opt)
{
    struct kvs_client *kvs = calloc(1, sizeof(*kvs));
    if (!kvs)
        return REC_ERR_NOMEM;
    int rc = service_client_new(&kvs->http, "Kinesis Video", "kinesisvideo", 0, opt);
    if (rc) {
        free(kvs);
        return rc;
    }
    *out = kvs;
    return 0;
}

void kvs_client_destroy(struct kvs_client *kvs)
{
    if (!kvs)
        return;
    rec_aws_client_destroy(kvs->http);
    free(kvs);
}

int kvs_client_get_data_endpoint(struct kvs_client *kvs, const char *stream_arn,
                                 const char *api_name, int64_t deadline_ms, char *out, size_t cap,
                                 struct rec_aws_response *resp, struct rec_error *err)
{
    cJSON *answer = NULL;
    cJSON *doc = cJSON_CreateObject();
    if (doc && (!cJSON_AddStringToObject(doc, "StreamARN", stream_arn) ||
                !cJSON_AddStringToObject(doc, "APIName", api_name))) {
        cJSON_Delete(doc);
        doc = NULL;
    }
    struct service_json_request req = {
        .operation = "GetDataEndpoint", .path = "/getDataEndpoint", .body = doc,
        .deadline_ms = deadline_ms,
    };
    int rc = service_json_send(kvs->http, &req, resp, &answer, err);
    if (rc)
        goto cleanup;
    const char *ep = service_json_string(answer, "DataEndpoint");
    if (!ep || strlen(ep) >= KVS_ENDPOINT_MAX || rec_str_copy(out, cap, ep) != 0) {
        rc = REC_ERR_INVALID;
        rec_error_set(err, rc, 0, "GetDataEndpoint answered without a usable DataEndpoint");
    }
cleanup:
    cJSON_Delete(answer);
    cJSON_Delete(doc);
    return rc;
}

int kvs_client_get_media(struct kvs_client *kvs, const struct kvs_get_media_request *req,
                         struct rec_aws_response *resp, struct rec_error *err)
{
    cJSON *sel = NULL;
    cJSON *doc = cJSON_CreateObject();
    int ok = doc && cJSON_AddStringToObject(doc, "StreamARN", req->stream_arn) &&
             (sel = cJSON_AddObjectToObject(doc, "StartSelector")) &&
             cJSON_AddStringToObject(sel, "StartSelectorType", req->selector_type);
    if (ok && req->selector_value) {
        const char *field = strcmp(req->selector_type, "CONTINUATION_TOKEN") == 0
                                ? "ContinuationToken"
                                : "AfterFragmentNumber";
        ok = cJSON_AddStringToObject(sel, field, req->selector_value) != NULL;
    }
    struct service_json_request jr = {
        .operation = "GetMedia",
        .endpoint_url = req->endpoint,
        .path = "/getMedia",
        .body = ok ? doc : NULL,
        .on_body = req->on_body,
        .user = req->user,
        .idle_ms = req->idle_ms,
        .deadline_ms = req->deadline_ms,
    };
    int rc = service_json_send(kvs->http, &jr, resp, NULL, err);
    cJSON_Delete(doc);
    return rc;
}

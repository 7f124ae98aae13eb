#include "kvs/kvs_api.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "common/error.h"

struct endpoint_slot {
    char *stream_arn; /* NULL when free */
    char endpoint[KVS_API_ENDPOINT_MAX];
};

struct kvs_api {
    struct rec_aws_client *client;
    struct endpoint_slot cache[KVS_API_CACHE_SLOTS];
    unsigned next_victim; /* round-robin replacement once the cache is full */
};

int kvs_api_new(struct kvs_api **out)
{
    struct kvs_api *api = calloc(1, sizeof(*api));
    if (!api)
        return REC_ERR_NOMEM;
    struct rec_aws_client_config cfg = {
        .service_id = "Kinesis Video",
        .signing_name = "kinesisvideo",
    };
    int rc = rec_aws_client_new(&api->client, &cfg);
    if (rc) {
        free(api);
        return rc;
    }
    *out = api;
    return 0;
}

void kvs_api_destroy(struct kvs_api *api)
{
    if (!api)
        return;
    for (unsigned i = 0; i < KVS_API_CACHE_SLOTS; i++)
        free(api->cache[i].stream_arn);
    rec_aws_client_destroy(api->client);
    free(api);
}

static struct endpoint_slot *find(struct kvs_api *api, const char *arn)
{
    for (unsigned i = 0; i < KVS_API_CACHE_SLOTS; i++)
        if (api->cache[i].stream_arn && strcmp(api->cache[i].stream_arn, arn) == 0)
            return &api->cache[i];
    return NULL;
}

void kvs_api_forget_endpoint(struct kvs_api *api, const char *stream_arn)
{
    struct endpoint_slot *s = find(api, stream_arn);
    if (s) {
        free(s->stream_arn);
        s->stream_arn = NULL;
    }
}

static int remember(struct kvs_api *api, const char *arn, const char *endpoint)
{
    struct endpoint_slot *s = find(api, arn);
    for (unsigned i = 0; !s && i < KVS_API_CACHE_SLOTS; i++)
        if (!api->cache[i].stream_arn)
            s = &api->cache[i];
    if (!s) {
        s = &api->cache[api->next_victim];
        api->next_victim = (api->next_victim + 1) % KVS_API_CACHE_SLOTS;
        free(s->stream_arn);
        s->stream_arn = NULL;
    }
    if (!s->stream_arn && !(s->stream_arn = strdup(arn)))
        return REC_ERR_NOMEM;
    snprintf(s->endpoint, sizeof(s->endpoint), "%s", endpoint);
    return 0;
}

static const struct rec_aws_header json_headers[] = {
    { "Content-Type", "application/json" },
};

int kvs_api_data_endpoint(struct kvs_api *api, const char *stream_arn, int refresh,
                          int64_t deadline_ms, char *out, size_t cap, struct rec_aws_response *resp)
{
    struct endpoint_slot *s = refresh ? NULL : find(api, stream_arn);
    if (s) {
        snprintf(out, cap, "%s", s->endpoint);
        return 0;
    }
    int rc = REC_ERR_NOMEM;
    char *body = NULL;
    cJSON *answer = NULL;
    cJSON *req = cJSON_CreateObject();
    if (!req || !cJSON_AddStringToObject(req, "StreamARN", stream_arn) ||
        !cJSON_AddStringToObject(req, "APIName", "GET_MEDIA") || !(body = cJSON_PrintUnformatted(req)))
        goto cleanup;
    struct rec_aws_request r = {
        .method = "POST",
        .path = "/getDataEndpoint",
        .headers = json_headers,
        .n_headers = 1,
        .body = body,
        .body_len = strlen(body),
        .deadline_ms = deadline_ms,
    };
    rc = rec_aws_send(api->client, &r, resp);
    if (rc)
        goto cleanup;
    answer = cJSON_ParseWithLength(resp->body.data ? resp->body.data : "", resp->body.len);
    const cJSON *ep = cJSON_GetObjectItemCaseSensitive(answer, "DataEndpoint");
    if (!cJSON_IsString(ep) || strlen(ep->valuestring) >= cap ||
        strlen(ep->valuestring) >= KVS_API_ENDPOINT_MAX) {
        snprintf(resp->error_message, sizeof(resp->error_message), "GetDataEndpoint answered without a DataEndpoint");
        resp->retriable = 0;
        rc = REC_ERR_INVALID;
        goto cleanup;
    }
    snprintf(out, cap, "%s", ep->valuestring);
    rc = remember(api, stream_arn, ep->valuestring);
cleanup:
    cJSON_Delete(answer);
    cJSON_free(body);
    cJSON_Delete(req);
    return rc;
}

int kvs_api_get_media(struct kvs_api *api, const char *endpoint, const char *stream_arn,
                      const char *selector_type, const char *value, rec_aws_body_fn on_body,
                      void *user, long idle_ms, int64_t deadline_ms, struct rec_aws_response *resp)
{
    int rc = REC_ERR_NOMEM;
    char *body = NULL;
    cJSON *req = cJSON_CreateObject();
    cJSON *sel = NULL;
    if (!req || !cJSON_AddStringToObject(req, "StreamARN", stream_arn) ||
        !(sel = cJSON_AddObjectToObject(req, "StartSelector")) ||
        !cJSON_AddStringToObject(sel, "StartSelectorType", selector_type))
        goto cleanup;
    if (value) {
        const char *field = strcmp(selector_type, "CONTINUATION_TOKEN") == 0 ? "ContinuationToken"
                                                                             : "AfterFragmentNumber";
        if (!cJSON_AddStringToObject(sel, field, value))
            goto cleanup;
    }
    if (!(body = cJSON_PrintUnformatted(req)))
        goto cleanup;
    struct rec_aws_request r = {
        .method = "POST",
        .endpoint_url = endpoint,
        .path = "/getMedia",
        .headers = json_headers,
        .n_headers = 1,
        .body = body,
        .body_len = strlen(body),
        .on_body = on_body,
        .user = user,
        .low_speed_time_ms = idle_ms,
        .deadline_ms = deadline_ms,
    };
    rc = rec_aws_send(api->client, &r, resp);
cleanup:
    cJSON_free(body);
    cJSON_Delete(req);
    return rc;
}

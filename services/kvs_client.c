#include "services/kvs_client.h"

#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "common/bytes.h"
#include "kvs/fragment_number.h"

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
        .operation = "GetMedia", .endpoint_url = req->endpoint, .path = "/getMedia",
        .body = ok ? doc : NULL, .on_body = req->on_body, .user = req->user, .idle_ms = req->idle_ms,
        .deadline_ms = req->deadline_ms,
    };
    int rc = service_json_send(kvs->http, &jr, resp, NULL, err);
    cJSON_Delete(doc);
    return rc;
}

/* The request document of one ListFragments page. NULL: out of memory. */
static cJSON *list_request(const struct kvs_list_fragments_request *req)
{
    cJSON *doc = cJSON_CreateObject();
    cJSON *sel = doc ? cJSON_AddObjectToObject(doc, "FragmentSelector") : NULL;
    cJSON *range = sel ? cJSON_AddObjectToObject(sel, "TimestampRange") : NULL;
    /* rest-json timestamps are epoch seconds; a fraction keeps the ms */
    int ok = range && cJSON_AddStringToObject(doc, "StreamARN", req->stream_arn) &&
             cJSON_AddNumberToObject(doc, "MaxResults", req->max_results) &&
             cJSON_AddStringToObject(sel, "FragmentSelectorType", "SERVER_TIMESTAMP") &&
             cJSON_AddNumberToObject(range, "StartTimestamp", (double)req->start_ms / 1000.0) &&
             cJSON_AddNumberToObject(range, "EndTimestamp", (double)req->end_ms / 1000.0) &&
             (!req->next_token || cJSON_AddStringToObject(doc, "NextToken", req->next_token));
    if (!ok) {
        cJSON_Delete(doc);
        return NULL;
    }
    return doc;
}

/* Hands the answer's fragments to on_fragment and copies its NextToken. */
static int read_page(const cJSON *answer, kvs_fragment_fn on_fragment, void *user, char *next_token,
                     size_t cap, struct rec_error *err)
{
    const cJSON *list = cJSON_GetObjectItemCaseSensitive(answer, "Fragments");
    const char *token = service_json_string(answer, "NextToken");
    if ((list && !cJSON_IsArray(list)) || rec_str_copy(next_token, cap, token ? token : "") != 0)
        return rec_error_set(err, REC_ERR_INVALID, 0, "ListFragments answered with an unusable page");
    const cJSON *f;
    cJSON_ArrayForEach(f, list)
    {
        const char *number = service_json_string(f, "FragmentNumber");
        const cJSON *ts = cJSON_GetObjectItemCaseSensitive(f, "ServerTimestamp");
        if (!fragment_number_valid(number))
            return rec_error_set(err, REC_ERR_INVALID, 0,
                                 "ListFragments answered with a fragment without a valid FragmentNumber");
        int rc = on_fragment(user, number, cJSON_IsNumber(ts) ? (int64_t)(ts->valuedouble * 1000.0) : 0);
        if (rc)
            return rec_error_set(err, rc, 0, "ListFragments: %s", rec_strerror(rc));
    }
    return 0;
}

int kvs_client_list_fragments(struct kvs_client *kvs, const struct kvs_list_fragments_request *req,
                              kvs_fragment_fn on_fragment, void *user, char *next_token, size_t cap,
                              struct rec_aws_response *resp, struct rec_error *err)
{
    cJSON *answer = NULL;
    if (!req->endpoint || !req->stream_arn || req->max_results < 1 ||
        req->max_results > KVS_LIST_MAX_RESULTS || req->end_ms < req->start_ms || !on_fragment)
        return rec_error_set(err, REC_ERR_INVALID, 0, "ListFragments: a bad request");
    cJSON *doc = list_request(req);
    struct service_json_request jr = {
        .operation = "ListFragments", .endpoint_url = req->endpoint, .path = "/listFragments",
        .body = doc, .deadline_ms = req->deadline_ms,
    };
    int rc = service_json_send(kvs->http, &jr, resp, &answer, err);
    if (!rc)
        rc = read_page(answer, on_fragment, user, next_token, cap, err);
    cJSON_Delete(answer);
    cJSON_Delete(doc);
    return rc;
}

int kvs_client_get_media_for_fragment_list(struct kvs_client *kvs,
                                           const struct kvs_fragment_media_request *req,
                                           struct rec_aws_response *resp, struct rec_error *err)
{
    if (!req->endpoint || !req->stream_arn || req->n < 1 || req->n > KVS_FRAGMENT_LIST_MAX)
        return rec_error_set(err, REC_ERR_INVALID, 0, "GetMediaForFragmentList: a bad request");
    cJSON *doc = cJSON_CreateObject();
    cJSON *list = doc ? cJSON_AddArrayToObject(doc, "Fragments") : NULL;
    int ok = list && cJSON_AddStringToObject(doc, "StreamARN", req->stream_arn);
    for (size_t i = 0; ok && i < req->n; i++) {
        cJSON *item = cJSON_CreateString(req->fragments[i]);
        ok = item && cJSON_AddItemToArray(list, item);
        if (!ok)
            cJSON_Delete(item);
    }
    struct service_json_request jr = {
        .operation = "GetMediaForFragmentList", .endpoint_url = req->endpoint,
        .path = "/getMediaForFragmentList", .body = ok ? doc : NULL, .on_body = req->on_body,
        .user = req->user, .idle_ms = req->idle_ms, .deadline_ms = req->deadline_ms,
    };
    int rc = service_json_send(kvs->http, &jr, resp, NULL, err);
    cJSON_Delete(doc);
    return rc;
}

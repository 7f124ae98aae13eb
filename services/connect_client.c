#include "services/connect_client.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "common/buf.h"
#include "sigv4/uri_encode.h"

struct connect_client {
    struct rec_aws_client *http;
};

int connect_client_new(struct connect_client **out, const struct service_options *opt)
{
    struct connect_client *c = calloc(1, sizeof(*c));
    if (!c)
        return REC_ERR_NOMEM;
    int rc = service_client_new(&c->http, "Connect", "connect", 0, opt);
    if (rc) {
        free(c);
        return rc;
    }
    *out = c;
    return 0;
}

void connect_client_destroy(struct connect_client *connect)
{
    if (!connect)
        return;
    rec_aws_client_destroy(connect->http);
    free(connect);
}

int connect_update_contact_attributes(struct connect_client *connect, const char *instance_id,
                                      const char *initial_contact_id,
                                      const struct connect_attribute *attrs, size_t n,
                                      int64_t deadline_ms, struct rec_aws_response *resp,
                                      struct rec_error *err)
{
    size_t total = 0;
    for (size_t i = 0; i < n; i++)
        total += strlen(attrs[i].name) + strlen(attrs[i].value);
    if (total > CONNECT_ATTRIBUTES_MAX_BYTES) {
        rec_error_set(err, REC_ERR_LIMIT, 0, "UpdateContactAttributes: %zu bytes of attributes, more than %d",
                      total, CONNECT_ATTRIBUTES_MAX_BYTES);
        return REC_ERR_LIMIT;
    }
    cJSON *map = NULL;
    cJSON *doc = cJSON_CreateObject();
    int ok = doc && cJSON_AddStringToObject(doc, "InstanceId", instance_id) &&
             cJSON_AddStringToObject(doc, "InitialContactId", initial_contact_id) &&
             (map = cJSON_AddObjectToObject(doc, "Attributes"));
    for (size_t i = 0; ok && i < n; i++)
        ok = cJSON_AddStringToObject(map, attrs[i].name, attrs[i].value) != NULL;
    struct service_json_request req = {
        .operation = "UpdateContactAttributes", .path = "/contact/attributes",
        .body = ok ? doc : NULL, .deadline_ms = deadline_ms,
    };
    int rc = service_json_send(connect->http, &req, resp, NULL, err);
    cJSON_Delete(doc);
    return rc;
}

/* ---- contact recording control and attribute reads ------------------------ */

static const struct {
    const char *name;
    const char *path;
} recording_ops[] = {
    [CONNECT_RECORDING_START] = { "StartContactRecording", "/contact/start-recording" },
    [CONNECT_RECORDING_STOP] = { "StopContactRecording", "/contact/stop-recording" },
    [CONNECT_RECORDING_SUSPEND] = { "SuspendContactRecording", "/contact/suspend-recording" },
    [CONNECT_RECORDING_RESUME] = { "ResumeContactRecording", "/contact/resume-recording" },
};

int connect_contact_recording(struct connect_client *connect, enum connect_recording_op op,
                              const struct connect_recording_call *call,
                              struct rec_aws_response *resp, struct rec_error *err)
{
    cJSON *cfg = NULL;
    cJSON *doc = cJSON_CreateObject();
    int ok = doc && cJSON_AddStringToObject(doc, "InstanceId", call->instance_id) &&
             cJSON_AddStringToObject(doc, "ContactId", call->contact_id) &&
             cJSON_AddStringToObject(doc, "InitialContactId", call->initial_contact_id);
    if (ok && op == CONNECT_RECORDING_START)
        ok = (cfg = cJSON_AddObjectToObject(doc, "VoiceRecordingConfiguration")) &&
             cJSON_AddStringToObject(cfg, "VoiceRecordingTrack",
                                     call->voice_track ? call->voice_track : "ALL");
    struct service_json_request req = {
        .operation = recording_ops[op].name, .path = recording_ops[op].path,
        .body = ok ? doc : NULL, .deadline_ms = call->deadline_ms,
    };
    int rc = service_json_send(connect->http, &req, resp, NULL, err);
    cJSON_Delete(doc);
    return rc;
}

int connect_get_contact_attributes(struct connect_client *connect, const char *instance_id,
                                   const char *initial_contact_id, int64_t deadline_ms,
                                   struct rec_aws_response *resp, cJSON **answer,
                                   struct rec_error *err)
{
    static const char op[] = "GetContactAttributes";
    *answer = NULL;
    if (!instance_id || !*instance_id || !initial_contact_id || !*initial_contact_id)
        return rec_error_set(err, REC_ERR_INVALID, 0, "%s: no instance or contact id", op);
    struct rec_buf path;
    rec_buf_init(&path, 4096);
    int rc = rec_buf_append_str(&path, "/contact/attributes/");
    if (!rc)
        rc = sigv4_uri_encode(&path, instance_id, strlen(instance_id), 0);
    if (!rc)
        rc = rec_buf_append_str(&path, "/");
    if (!rc)
        rc = sigv4_uri_encode(&path, initial_contact_id, strlen(initial_contact_id), 0);
    if (rc) {
        rec_error_set(err, rc, 0, "%s: the request path: %s", op, rec_strerror(rc));
        goto cleanup;
    }
    struct service_json_request req = {
        .operation = op, .path = path.data, .method = "GET", .deadline_ms = deadline_ms,
    };
    rc = service_json_send(connect->http, &req, resp, answer, err);
    if (!rc && !cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(*answer, "Attributes"))) {
        cJSON_Delete(*answer);
        *answer = NULL;
        rc = rec_error_set(err, REC_ERR_INVALID, 0, "%s: the answer has no Attributes object", op);
    }
cleanup:
    rec_buf_clean_up(&path, 0);
    return rc;
}

/* ---- users (video call recording) ---- */

/* GET path (two id segments after base) and detaches member of the answer. */
static int describe(struct connect_client *connect, const char *op, const char *base,
                    const char *instance_id, const char *id, const char *member, int64_t deadline_ms,
                    cJSON **out, struct rec_error *err)
{
    char path[512];
    *out = NULL;
    if (!*instance_id || !*id || strpbrk(instance_id, "/?#% ") || strpbrk(id, "/?#% ") ||
        snprintf(path, sizeof(path), "%s/%s/%s", base, instance_id, id) >= (int)sizeof(path))
        return rec_error_set(err, REC_ERR_INVALID, 0, "%s: bad instance or resource id", op);
    struct rec_aws_response resp;
    rec_aws_response_init(&resp);
    cJSON *answer = NULL;
    struct service_json_request req = { .operation = op, .path = path, .method = "GET",
                                        .deadline_ms = deadline_ms, .not_found = 1 };
    int rc = service_json_send(connect->http, &req, &resp, &answer, err);
    if (!rc && !cJSON_IsObject(*out = cJSON_DetachItemFromObjectCaseSensitive(answer, member))) {
        cJSON_Delete(*out);
        *out = NULL;
        rc = rec_error_set(err, REC_ERR_INVALID, 0, "%s: the answer has no %s", op, member);
    }
    cJSON_Delete(answer);
    rec_aws_response_clean_up(&resp);
    return rc;
}

int connect_describe_user(struct connect_client *connect, const char *instance_id, const char *user_id,
                          int64_t deadline_ms, cJSON **user, struct rec_error *err)
{
    return describe(connect, "DescribeUser", "/users", instance_id, user_id, "User", deadline_ms, user, err);
}

int connect_describe_user_hierarchy_group(struct connect_client *connect, const char *instance_id,
                                          const char *group_id, int64_t deadline_ms, cJSON **group,
                                          struct rec_error *err)
{
    return describe(connect, "DescribeUserHierarchyGroup", "/user-hierarchy-groups", instance_id, group_id,
                    "HierarchyGroup", deadline_ms, group, err);
}

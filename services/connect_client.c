#include "services/connect_client.h"

#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

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

#include "video/api.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/base64.h"
#include "common/bytes.h"
#include "services/service.h"

static const cJSON *member(const cJSON *obj, const char *name)
{
    return cJSON_GetObjectItemCaseSensitive(obj, name);
}

int video_api_is_request(const cJSON *event)
{
    const char *version = service_json_string(event, "version");
    return version && strcmp(version, "2.0") == 0 && cJSON_IsObject(member(member(event, "requestContext"), "http"));
}

static enum video_route route_of(const char *key)
{
    if (!key)
        return VIDEO_ROUTE_UNKNOWN;
    if (strcmp(key, "POST /recording") == 0)
        return VIDEO_ROUTE_START;
    if (strcmp(key, "DELETE /recording") == 0)
        return VIDEO_ROUTE_STOP;
    if (strcmp(key, "GET /recording-summary") == 0)
        return VIDEO_ROUTE_SUMMARY;
    return VIDEO_ROUTE_UNKNOWN;
}

/* Copies a string field (absent or not a string: ""), flagging overflow. */
static void field(const cJSON *obj, const char *name, char *dst, size_t cap, int *too_long)
{
    const char *v = service_json_string(obj, name);
    if (rec_str_copy(dst, cap, v ? v : ""))
        *too_long = 1;
}

/* Non-zero when a header named content-type (any case) holds application/json. */
static int body_is_json(const cJSON *headers)
{
    const cJSON *h;
    cJSON_ArrayForEach(h, headers)
        if (h->string && strcasecmp(h->string, "content-type") == 0 && cJSON_IsString(h))
            return strcasestr(h->valuestring, "application/json") != NULL;
    return 0;
}

/* The JSON body, or NULL when there is none to read (not JSON, undecodable:
 * the seed treats those fields as absent). */
static cJSON *parse_body(const cJSON *event, int *nomem)
{
    const char *body = service_json_string(event, "body");
    if (!body || !body_is_json(member(event, "headers")))
        return NULL;
    if (!cJSON_IsTrue(member(event, "isBase64Encoded")))
        return strlen(body) <= VIDEO_API_BODY_MAX ? cJSON_Parse(body) : NULL;
    unsigned char *raw = NULL;
    size_t len = 0;
    int rc = rec_base64_decode(body, strlen(body), VIDEO_API_BODY_MAX, &raw, &len);
    *nomem = rc == REC_ERR_NOMEM;
    cJSON *doc = rc ? NULL : cJSON_ParseWithLength((const char *)raw, len);
    free(raw);
    return doc;
}

/* The CognitoSignIn amr entry: "cognito-idp.<region>.amazonaws.com/<pool>:CognitoSignIn:<sub>". */
static void read_identity(const cJSON *event, struct video_api_request *out)
{
    static const char marker[] = ":CognitoSignIn:";
    const cJSON *iam = member(member(member(event, "requestContext"), "authorizer"), "iam");
    const cJSON *amr = member(member(iam, "cognitoIdentity"), "amr");
    const cJSON *e;
    cJSON_ArrayForEach(e, amr)
    {
        const char *s = cJSON_IsString(e) ? e->valuestring : "";
        const char *mark = strstr(s, marker);
        const char *slash = mark ? memchr(s, '/', (size_t)(mark - s)) : NULL;
        if (strncmp(s, "cognito-idp.", 12) != 0 || !slash || slash + 1 == mark || !mark[sizeof(marker) - 1])
            continue;
        struct rec_bytes pool = rec_bytes_of(slash + 1, (size_t)(mark - slash - 1));
        if (rec_bytes_copy_str(pool, out->user_pool_id, sizeof(out->user_pool_id)) ||
            rec_str_copy(out->sub, sizeof(out->sub), mark + sizeof(marker) - 1))
            out->too_long = 1;
        return;
    }
}

int video_api_read(const cJSON *event, struct video_api_request *out, struct rec_error *err)
{
    memset(out, 0, sizeof(*out));
    out->route = route_of(service_json_string(event, "routeKey"));
    int nomem = 0;
    cJSON *body = parse_body(event, &nomem);
    if (nomem)
        return rec_error_set(err, REC_ERR_NOMEM, 1, "out of memory reading the request body");
    const cJSON *source = out->route == VIDEO_ROUTE_SUMMARY ? member(event, "queryStringParameters") : body;
    field(source, "externalMeetingId", out->external_meeting_id, sizeof(out->external_meeting_id),
          &out->too_long);
    field(body, "connectContactId", out->connect_contact_id, sizeof(out->connect_contact_id), &out->too_long);
    field(body, "videoRecordingPlaybackURL", out->playback_url, sizeof(out->playback_url), &out->too_long);
    cJSON_Delete(body);
    read_identity(event, out);
    return 0;
}

int video_api_answer(struct rec_buf *out, int status, const char *success, const cJSON *data,
                     const char *message, const char *req_id)
{
    int rc = REC_ERR_NOMEM;
    char *body_text = NULL, *text = NULL;
    cJSON *answer = cJSON_CreateObject();
    cJSON *body = cJSON_CreateObject();
    cJSON *headers = answer ? cJSON_AddObjectToObject(answer, "headers") : NULL;
    int ok = body && headers && cJSON_AddNumberToObject(answer, "statusCode", status) &&
             cJSON_AddStringToObject(headers, "Content-Type", "application/json");
    if (ok && status == 200) {
        ok = cJSON_AddStringToObject(body, "success", success) != NULL;
        cJSON *copy = ok && data ? cJSON_Duplicate(data, 1) : NULL;
        if (ok && data && (!copy || !cJSON_AddItemToObject(body, "data", copy))) {
            cJSON_Delete(copy);
            ok = 0;
        }
    } else if (ok) {
        ok = cJSON_AddStringToObject(body, "message", message) != NULL;
    }
    ok = ok && cJSON_AddStringToObject(body, "reqId", req_id) && (body_text = cJSON_PrintUnformatted(body)) &&
         cJSON_AddStringToObject(answer, "body", body_text) && (text = cJSON_PrintUnformatted(answer));
    if (ok) {
        rec_buf_reset(out);
        rc = rec_buf_append_str(out, text);
    }
    cJSON_free(text);
    cJSON_free(body_text);
    cJSON_Delete(body);
    cJSON_Delete(answer);
    return rc;
}

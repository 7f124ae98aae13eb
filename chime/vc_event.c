#include "chime/vc_event.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "common/bytes.h"
#include "common/rfc3339.h"
#include "services/service.h"

const struct track_roles chime_leg_tracks = { .name = { NULL, NULL }, .lone_name = NULL,
                                              .lone_any_name = 1 };

/* ---- the wrappers ------------------------------------------------------------ */

/* One SQS or SNS record: its body parsed, handed to fn, freed. */
static int each_record(const cJSON *record, chime_event_fn fn, void *user)
{
    const cJSON *sns = cJSON_GetObjectItemCaseSensitive(record, "Sns");
    const cJSON *body = sns ? cJSON_GetObjectItemCaseSensitive(sns, "Message")
                            : cJSON_GetObjectItemCaseSensitive(record, "body");
    const cJSON *id = sns ? cJSON_GetObjectItemCaseSensitive(sns, "MessageId")
                          : cJSON_GetObjectItemCaseSensitive(record, "messageId");
    const char *id_text = cJSON_IsString(id) ? id->valuestring : "";
    if (cJSON_IsObject(body)) /* an event already parsed (hand-made tests) */
        return fn(user, body, id_text);
    cJSON *event = cJSON_IsString(body) ? cJSON_Parse(body->valuestring) : NULL;
    int rc = fn(user, cJSON_IsObject(event) ? event : NULL, id_text);
    cJSON_Delete(event);
    return rc;
}

int chime_for_each_event(const cJSON *doc, chime_event_fn fn, void *user)
{
    const cJSON *records = cJSON_GetObjectItemCaseSensitive(doc, "Records");
    if (!cJSON_IsArray(records))
        records = cJSON_GetObjectItemCaseSensitive(doc, "records");
    if (!cJSON_IsArray(records))
        return fn(user, doc, "");
    const cJSON *record;
    cJSON_ArrayForEach(record, records)
    {
        int rc = each_record(record, fn, user);
        if (rc)
            return rc;
    }
    return 0;
}

int chime_is_vc_streaming_event(const cJSON *event)
{
    const char *source = service_json_string(event, "source");
    const char *type = service_json_string(event, "detail-type");
    return source && type && strcmp(source, CHIME_EVENT_SOURCE) == 0 &&
           strcmp(type, CHIME_VC_STREAMING_DETAIL_TYPE) == 0 &&
           cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(event, "detail"));
}

/* ---- fields ------------------------------------------------------------------ */

enum { OPTIONAL = 0, REQUIRED = 1 };

/* Copies string member name of obj into dst: "" when absent or null (an
 * error when required); REC_ERR_INVALID for another type or a value too
 * long. squeeze: whitespace is removed (ARNs and times never hold any). */
static int take(const cJSON *obj, const char *name, char *dst, size_t cap, int required, int squeeze,
                struct rec_error *err)
{
    dst[0] = '\0';
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, name);
    if (!v || cJSON_IsNull(v)) {
        if (required)
            return rec_error_set(err, REC_ERR_INVALID, 0, "the event has no detail.%s", name);
        return 0;
    }
    if (!cJSON_IsString(v))
        return rec_error_set(err, REC_ERR_INVALID, 0, "detail.%s is not a string", name);
    size_t n = 0;
    for (const char *p = v->valuestring; *p; p++) {
        if (squeeze && isspace((unsigned char)*p))
            continue;
        if (n + 1 >= cap)
            return rec_error_set(err, REC_ERR_INVALID, 0, "detail.%s is longer than %zu bytes", name,
                                 cap - 1);
        dst[n++] = *p;
    }
    dst[n] = '\0';
    if (required && n == 0)
        return rec_error_set(err, REC_ERR_INVALID, 0, "detail.%s is empty", name);
    return 0;
}

static int take_time(const cJSON *obj, const char *name, struct chime_time *t, struct rec_error *err)
{
    int rc = take(obj, name, t->text, sizeof(t->text), OPTIONAL, 1, err);
    if (!rc && t->text[0])
        t->has_ms = chime_time_parse(t->text, &t->ms) == 0;
    return rc;
}

static int take_fragment(const cJSON *obj, const char *name, char *dst, size_t cap, int required,
                         struct rec_error *err)
{
    int rc = take(obj, name, dst, cap, required, 1, err);
    if (!rc && dst[0] && !fragment_number_valid(dst))
        rc = rec_error_set(err, REC_ERR_INVALID, 0, "detail.%s is not a fragment number", name);
    return rc;
}

static int trimmed_is(const char *s, const char *word)
{
    while (isspace((unsigned char)*s))
        s++;
    size_t n = strlen(s);
    while (n && isspace((unsigned char)s[n - 1]))
        n--;
    return n == strlen(word) && strncasecmp(s, word, n) == 0;
}

enum chime_side chime_side_of(const cJSON *v)
{
    if (cJSON_IsBool(v))
        return cJSON_IsTrue(v) ? CHIME_SIDE_CALLER : CHIME_SIDE_OTHER;
    if (cJSON_IsNumber(v) && (v->valuedouble == 0 || v->valuedouble == 1))
        return v->valuedouble == 1 ? CHIME_SIDE_CALLER : CHIME_SIDE_OTHER;
    if (cJSON_IsString(v)) {
        if (trimmed_is(v->valuestring, "true") || trimmed_is(v->valuestring, "1"))
            return CHIME_SIDE_CALLER;
        if (trimmed_is(v->valuestring, "false") || trimmed_is(v->valuestring, "0"))
            return CHIME_SIDE_OTHER;
    }
    return CHIME_SIDE_UNKNOWN;
}

const char *chime_side_name(enum chime_side side)
{
    switch (side) {
    case CHIME_SIDE_CALLER: return "caller";
    case CHIME_SIDE_OTHER: return "other";
    default: return "unknown";
    }
}

static enum chime_vc_status status_of(const char *s)
{
    if (strcmp(s, "STARTED") == 0)
        return CHIME_VC_STARTED;
    if (strcmp(s, "ENDED") == 0)
        return CHIME_VC_ENDED;
    if (strcmp(s, "FAILED") == 0)
        return CHIME_VC_FAILED;
    return CHIME_VC_OTHER;
}

/* The fields every status may carry. */
static int take_common(const cJSON *d, struct chime_vc_event *e, int leg, struct rec_error *err)
{
    int rc = 0;
    REC_TRY(take(d, "callId", e->call_id, sizeof(e->call_id), REQUIRED, 0, err));
    REC_TRY(take(d, "transactionId", e->transaction_id, sizeof(e->transaction_id), leg, 0, err));
    REC_TRY(take(d, "voiceConnectorId", e->voice_connector_id, sizeof(e->voice_connector_id), OPTIONAL,
                 0, err));
    REC_TRY(take(d, "direction", e->direction, sizeof(e->direction), OPTIONAL, 0, err));
    REC_TRY(take(d, "fromNumber", e->from_number, sizeof(e->from_number), OPTIONAL, 0, err));
    REC_TRY(take(d, "toNumber", e->to_number, sizeof(e->to_number), OPTIONAL, 0, err));
cleanup:
    return rc;
}

/* The fields of a leg (STARTED, ENDED). */
static int take_leg(const cJSON *d, struct chime_vc_event *e, struct rec_error *err)
{
    int rc = 0;
    REC_TRY(take(d, "streamArn", e->stream_arn, sizeof(e->stream_arn), REQUIRED, 1, err));
    REC_TRY(take(d, "mediaType", e->media_type, sizeof(e->media_type), OPTIONAL, 0, err));
    REC_TRY(take_fragment(d, "startFragmentNumber", e->start_fragment, sizeof(e->start_fragment),
                          REQUIRED, err));
    REC_TRY(take_fragment(d, "currentFragmentNumber", e->current_fragment,
                          sizeof(e->current_fragment), OPTIONAL, err));
    REC_TRY(take_time(d, "startTime", &e->start_time, err));
    REC_TRY(take_time(d, "endTime", &e->end_time, err));
    e->side = chime_side_of(cJSON_GetObjectItemCaseSensitive(d, "isCaller"));
cleanup:
    return rc;
}

int chime_vc_event_parse(const cJSON *event, struct chime_vc_event *e, struct rec_error *err)
{
    memset(e, 0, sizeof(*e));
    const cJSON *d = cJSON_GetObjectItemCaseSensitive(event, "detail");
    if (!cJSON_IsObject(d))
        return rec_error_set(err, REC_ERR_INVALID, 0, "the event has no detail object");
    int rc = 0;
    REC_TRY(take(d, "streamingStatus", e->status_text, sizeof(e->status_text), REQUIRED, 0, err));
    e->status = status_of(e->status_text);
    int leg = e->status == CHIME_VC_STARTED || e->status == CHIME_VC_ENDED;
    REC_TRY(take(event, "account", e->account, sizeof(e->account), OPTIONAL, 0, err));
    REC_TRY(take_common(d, e, leg, err));
    if (leg)
        REC_TRY(take_leg(d, e, err));
    if (e->status == CHIME_VC_FAILED) {
        REC_TRY(take_time(d, "failTime", &e->fail_time, err));
        REC_TRY(take(d, "failureReason", e->failure_reason, sizeof(e->failure_reason), OPTIONAL, 0,
                     err));
    }
cleanup:
    return rc;
}

/* ---- RFC 3339 times -------------------------------------------------------- */

int chime_time_parse(const char *text, int64_t *ms)
{
    char s[CHIME_TEXT_MAX + 1];
    size_t n = 0;
    for (const char *q = text; *q; q++) {
        if (isspace((unsigned char)*q))
            continue;
        if (n + 1 >= sizeof(s))
            return REC_ERR_INVALID;
        s[n++] = *q;
    }
    s[n] = '\0';
    return rec_rfc3339_parse(s, ms);
}

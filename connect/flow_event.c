#include "connect/flow_event.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <cjson/cJSON.h>

#include "common/bytes.h"

/* The member's string with surrounding white space left out, or an empty
 * view when it is missing, null, not a string or only white space. */
static struct rec_bytes trimmed(const cJSON *obj, const char *name)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, name);
    if (!cJSON_IsString(v) || !v->valuestring)
        return rec_bytes_of(NULL, 0);
    const char *s = v->valuestring;
    size_t len = strlen(s);
    while (len && isspace((unsigned char)*s))
        s++, len--;
    while (len && isspace((unsigned char)s[len - 1]))
        len--;
    return rec_bytes_of(s, len);
}

/* Non-zero when b equals word in any case. */
static int same_word(struct rec_bytes b, const char *word)
{
    return b.len == strlen(word) && strncasecmp((const char *)b.ptr, word, b.len) == 0;
}

static void read_operation(const cJSON *params, struct flow_request *out)
{
    static const struct { const char *word; enum flow_operation op; const char *name; } ops[] = {
        { "START", FLOW_OP_START, "START" },   { "STOP", FLOW_OP_STOP, "STOP" },
        { "PAUSE", FLOW_OP_PAUSE, "PAUSE" },   { "SUSPEND", FLOW_OP_PAUSE, "PAUSE" },
        { "RESUME", FLOW_OP_RESUME, "RESUME" },
    };
    struct rec_bytes op = trimmed(params, "operation");
    out->op = op.len ? FLOW_OP_UNKNOWN : FLOW_OP_MISSING;
    for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++)
        if (same_word(op, ops[i].word)) {
            out->op = ops[i].op;
            rec_str_copy(out->operation, sizeof(out->operation), ops[i].name);
            return;
        }
    /* Echo an unknown one as given: "" when it does not fit. */
    rec_bytes_copy_str(op, out->operation, sizeof(out->operation));
}

static void read_track(const cJSON *params, struct flow_request *out)
{
    static const char *const tracks[] = { "FROM_AGENT", "TO_AGENT", "ALL" };
    struct rec_bytes t = trimmed(params, "voiceRecordingTrack");
    out->voice_track = "ALL";
    out->track_replaced = t.len > 0;
    for (size_t i = 0; i < sizeof(tracks) / sizeof(tracks[0]); i++)
        if (same_word(t, tracks[i])) {
            out->voice_track = tracks[i];
            out->track_replaced = 0;
        }
}

/* Copies the first non-empty of the candidates into dst; names the one
 * that does not fit in out->problem. */
static void pick(struct flow_request *out, char *dst, size_t cap, const char *what,
                 const struct rec_bytes *candidates, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (!candidates[i].len)
            continue;
        if (rec_bytes_copy_str(candidates[i], dst, cap) && !out->problem[0])
            snprintf(out->problem, sizeof(out->problem), "%s is longer than %zu bytes or holds a NUL",
                     what, cap - 1);
        return;
    }
}

/* The instance id inside an instance ARN (arn:...:instance/ID), or "". */
static struct rec_bytes instance_of_arn(struct rec_bytes arn)
{
    static const char marker[] = "instance/";
    for (size_t i = 0; i + sizeof(marker) - 1 <= arn.len; i++) {
        if (memcmp(arn.ptr + i, marker, sizeof(marker) - 1) != 0)
            continue;
        const uint8_t *id = arn.ptr + i + sizeof(marker) - 1;
        size_t len = 0;
        while (id + len < arn.ptr + arn.len && id[len] != '/')
            len++;
        return rec_bytes_of(id, len);
    }
    return rec_bytes_of(NULL, 0);
}

static void read_ids(const cJSON *data, const cJSON *params, const char *instance_id,
                     struct flow_request *out)
{
    struct rec_bytes contact[] = { trimmed(data, "RelatedContactId"), trimmed(params, "contactId"),
                                   trimmed(data, "ContactId") };
    pick(out, out->contact_id, sizeof(out->contact_id), "the contact id", contact, 3);
    struct rec_bytes initial[] = { trimmed(params, "initialContactId"),
                                   trimmed(data, "InitialContactId"), rec_bytes_of_str(out->contact_id) };
    pick(out, out->initial_contact_id, sizeof(out->initial_contact_id), "the initial contact id",
         initial, 3);
    struct rec_bytes instance[] = { rec_bytes_of_str(instance_id),
                                    instance_of_arn(trimmed(data, "InstanceARN")) };
    pick(out, out->instance_id, sizeof(out->instance_id), "the instance id", instance, 2);
    if (out->problem[0])
        return;
    if (!out->contact_id[0])
        snprintf(out->problem, sizeof(out->problem),
                 "no contact id: ContactData.RelatedContactId, Parameters.contactId and "
                 "ContactData.ContactId are all missing");
    else if (!out->instance_id[0])
        snprintf(out->problem, sizeof(out->problem),
                 "no instance id: INSTANCE_ID is not set and ContactData.InstanceARN has none");
}

int flow_event_parse(const char *json, size_t len, const char *instance_id,
                     struct flow_request *out, struct rec_error *err)
{
    memset(out, 0, sizeof(*out));
    out->voice_track = "ALL";
    cJSON *doc = cJSON_ParseWithLength(json, len);
    const cJSON *details = cJSON_GetObjectItemCaseSensitive(doc, "Details");
    if (!cJSON_IsObject(details)) {
        cJSON_Delete(doc);
        return rec_error_set(err, REC_ERR_INVALID, 0,
                             doc ? "the event has no Details object: not a Connect flow event"
                                 : "the event is not JSON");
    }
    const cJSON *data = cJSON_GetObjectItemCaseSensitive(details, "ContactData");
    const cJSON *params = cJSON_GetObjectItemCaseSensitive(details, "Parameters");
    read_operation(params, out);
    read_track(params, out);
    read_ids(data, params, instance_id, out);
    cJSON_Delete(doc);
    return 0;
}

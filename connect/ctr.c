#include "connect/ctr.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "common/bytes.h"
#include "common/error.h"
#include "common/rfc3339.h"
#include "connect/object_names.h"

/* A field's string value. Returns 1 when present (a non-empty string),
 * 0 when absent or null, -1 when present but not a string. */
static int string_field(const cJSON *obj, const char *name, const char **out)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, name);
    *out = NULL;
    if (!v || cJSON_IsNull(v))
        return 0;
    if (!cJSON_IsString(v))
        return -1;
    *out = v->valuestring;
    return v->valuestring[0] ? 1 : 0;
}

/* Copies a required (or, with optional set, absent-is-fine) string field. */
static int copy_field(const cJSON *obj, const char *name, int optional, char *dst, size_t cap,
                      struct rec_error *err)
{
    const char *v;
    int present = string_field(obj, name, &v);
    dst[0] = '\0';
    if (present < 0)
        return rec_error_set(err, REC_ERR_INVALID, 0, "%s is not a string", name);
    if (!present)
        return optional ? 0 : rec_error_set(err, REC_ERR_INVALID, 0, "%s is missing", name);
    if (rec_str_copy(dst, cap, v))
        return rec_error_set(err, REC_ERR_INVALID, 0, "%s is longer than %zu bytes", name, cap - 1);
    return 0;
}

/* "2024-02-25T10:11:12Z" (ISO 8601 as Connect writes it): the UTC date. */
static int parse_date(const char *s, int *y, int *m, int *d)
{
    int n = 0;
    if (sscanf(s, "%4d-%2d-%2d%n", y, m, d, &n) != 3 || n != 10)
        return REC_ERR_INVALID;
    if (*m < 1 || *m > 12 || *d < 1 || *d > 31 || *y < 1970)
        return REC_ERR_INVALID;
    return 0;
}

/* An RFC 3339 time ("2024-02-25T10:11:12Z", "...12.345Z"): Unix epoch ms,
 * or 0 when absent, before 1970 or in another form (the timestamps only
 * narrow a ListFragments range: without them the recording is read with
 * GetMedia). */
static int64_t parse_epoch_ms(const cJSON *r, const char *name)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(r, name);
    int64_t ms = 0;
    if (!cJSON_IsString(v) || rec_rfc3339_parse(v->valuestring, &ms) || ms < 0)
        return 0;
    return ms;
}

static int parse_fragment_number(const cJSON *r, const char *name, char *dst, struct rec_error *err)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(r, name);
    dst[0] = '\0';
    if (!v || cJSON_IsNull(v))
        return 0;
    if (!cJSON_IsString(v) || !fragment_number_valid(v->valuestring))
        return rec_error_set(err, REC_ERR_INVALID, 0,
                             "a KVS recording's %s is not a decimal fragment number", name);
    return rec_str_copy(dst, FRAGMENT_NUMBER_MAX_DIGITS + 1, v->valuestring);
}

static int parse_recordings(const cJSON *list, struct ctr *out, struct rec_error *err)
{
    const cJSON *r;
    cJSON_ArrayForEach(r, list)
    {
        const cJSON *type = cJSON_GetObjectItemCaseSensitive(r, "StorageType");
        if (!cJSON_IsString(type) || strcmp(type->valuestring, "KINESIS_VIDEO_STREAM") != 0)
            continue;
        if (out->n_recordings == CTR_MAX_RECORDINGS)
            return rec_error_set(err, REC_ERR_LIMIT, 0, "more than %d KVS recordings in one CTR",
                                 CTR_MAX_RECORDINGS);
        struct ctr_recording *rec = &out->recordings[out->n_recordings];
        if (copy_field(r, "Location", 0, rec->stream_arn, sizeof(rec->stream_arn), NULL) ||
            strncmp(rec->stream_arn, "arn:", 4) != 0)
            return rec_error_set(err, REC_ERR_INVALID, 0,
                                 "a KVS recording has no valid Location (stream ARN)");
        int rc = parse_fragment_number(r, "FragmentStartNumber", rec->start_fragment, err);
        if (!rc)
            rc = parse_fragment_number(r, "FragmentStopNumber", rec->stop_fragment, err);
        if (rc)
            return rc;
        rec->start_ms = parse_epoch_ms(r, "StartTimestamp");
        rec->stop_ms = parse_epoch_ms(r, "StopTimestamp");
        out->n_recordings++;
    }
    return 0;
}

static void parse_attributes(const cJSON *doc, struct ctr *out)
{
    const cJSON *attrs = cJSON_GetObjectItemCaseSensitive(doc, "Attributes");
    const cJSON *auth = cJSON_GetObjectItemCaseSensitive(attrs, "recordingAuth");
    if (cJSON_IsString(auth) && auth->valuestring[0] >= '1' && auth->valuestring[0] <= '3' &&
        auth->valuestring[1] == '\0')
        out->recording_auth = auth->valuestring[0] - '0';
    for (int w = 0; w < CONNECT_AUDIO_KINDS; w++)
        out->already_recorded |= cJSON_HasObjectItem(attrs, object_attribute_name((enum connect_audio)w));
    const cJSON *spans = cJSON_GetObjectItemCaseSensitive(attrs, PAUSED_SPANS_ATTRIBUTE);
    out->paused_spans_state = !spans || cJSON_IsNull(spans) ? CTR_SPANS_NONE : CTR_SPANS_UNREADABLE;
    if (cJSON_IsString(spans) &&
        rec_str_copy(out->paused_spans, sizeof(out->paused_spans), spans->valuestring) == 0)
        out->paused_spans_state = CTR_SPANS_TEXT;
}

/* What only a contact to record needs: where its instance is, its date,
 * its KVS recordings. */
static int parse_recording_fields(const cJSON *doc, struct ctr *out, struct rec_error *err)
{
    char arn[CTR_ARN_MAX + 1];
    const char *slash;
    if (copy_field(doc, "InstanceARN", 0, arn, sizeof(arn), NULL) || !(slash = strchr(arn, '/')) ||
        !slash[1] || rec_str_copy(out->instance_id, sizeof(out->instance_id), slash + 1))
        return rec_error_set(err, REC_ERR_INVALID, 0, "InstanceARN is missing or has no instance id");
    char stamp[64];
    if (copy_field(doc, "InitiationTimestamp", 0, stamp, sizeof(stamp), NULL) ||
        parse_date(stamp, &out->year, &out->month, &out->day))
        return rec_error_set(err, REC_ERR_INVALID, 0, "InitiationTimestamp is missing or not ISO 8601");
    const cJSON *recs = cJSON_GetObjectItemCaseSensitive(doc, "Recordings");
    if (recs && !cJSON_IsNull(recs) && !cJSON_IsArray(recs))
        return rec_error_set(err, REC_ERR_INVALID, 0, "Recordings is not a list");
    return parse_recordings(recs, out, err);
}

int ctr_parse(const char *json, size_t len, struct ctr *out, struct rec_error *err)
{
    int rc = 0;
    memset(out, 0, sizeof(*out));
    cJSON *doc = cJSON_ParseWithLength(json, len);
    if (!cJSON_IsObject(doc)) {
        rc = rec_error_set(err, REC_ERR_INVALID, 0, "the contact trace record is not a JSON object");
        goto cleanup;
    }
    REC_TRY(copy_field(doc, "ContactId", 0, out->contact_id, sizeof(out->contact_id), err));
    REC_TRY(copy_field(doc, "InitialContactId", 1, out->initial_contact_id,
                       sizeof(out->initial_contact_id), err));
    if (!out->initial_contact_id[0])
        memcpy(out->initial_contact_id, out->contact_id, sizeof(out->contact_id));
    REC_TRY(copy_field(doc, "Channel", 0, out->channel, sizeof(out->channel), err));
    parse_attributes(doc, out);
    if (ctr_wants_recording(out))
        rc = parse_recording_fields(doc, out, err);
cleanup:
    cJSON_Delete(doc);
    return rc;
}

int ctr_wants_recording(const struct ctr *c)
{
    return ctr_not_recorded_reason(c) == NULL;
}

const char *ctr_not_recorded_reason(const struct ctr *c)
{
    if (strcmp(c->channel, "VOICE") != 0)
        return "not a VOICE contact";
    if (c->already_recorded)
        return "already recorded";
    if (c->recording_auth == 0)
        return "recordingAuth is not 1, 2 or 3";
    return NULL;
}

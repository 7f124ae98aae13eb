#include "handler/ctr.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <zlib.h>

#include "common/error.h"

static int fail(char *err, size_t err_len, int code, const char *msg)
{
    snprintf(err, err_len, "%s", msg);
    return code;
}

const char *kinesis_record_sequence(const cJSON *record)
{
    const cJSON *k = cJSON_GetObjectItemCaseSensitive(record, "kinesis");
    const cJSON *s = cJSON_GetObjectItemCaseSensitive(k, "sequenceNumber");
    return cJSON_IsString(s) ? s->valuestring : NULL;
}

/* Base64 per RFC 4648 through OpenSSL's streaming decoder, which also
 * accepts line breaks. */
static int base64_decode(const char *text, size_t len, unsigned char **out, size_t *out_len)
{
    if (len > (size_t)CTR_MAX_BYTES * 2)
        return REC_ERR_LIMIT;
    unsigned char *buf = malloc(len / 4 * 3 + 4);
    EVP_ENCODE_CTX *ctx = EVP_ENCODE_CTX_new();
    int rc = REC_ERR_NOMEM;
    int n = 0, tail = 0;
    if (!buf || !ctx)
        goto cleanup;
    rc = REC_ERR_INVALID;
    EVP_DecodeInit(ctx);
    if (len > (size_t)INT32_MAX ||
        EVP_DecodeUpdate(ctx, buf, &n, (const unsigned char *)text, (int)len) < 0 ||
        EVP_DecodeFinal(ctx, buf + n, &tail) != 1)
        goto cleanup;
    *out = buf;
    *out_len = (size_t)n + (size_t)tail;
    buf = NULL;
    rc = 0;
cleanup:
    EVP_ENCODE_CTX_free(ctx);
    free(buf);
    return rc;
}

/* Inflates gzip or zlib data (windowBits 15 + 32 detects either), capped. */
static int inflate_capped(const unsigned char *in, size_t in_len, char **out, size_t *out_len)
{
    z_stream zs;
    memset(&zs, 0, sizeof(zs));
    if (inflateInit2(&zs, 15 + 32) != Z_OK)
        return REC_ERR_NOMEM;
    int rc = REC_ERR_NOMEM;
    char *buf = malloc(CTR_MAX_BYTES + 1);
    if (!buf)
        goto cleanup;
    zs.next_in = (unsigned char *)in;
    zs.avail_in = (uInt)in_len;
    zs.next_out = (unsigned char *)buf;
    zs.avail_out = CTR_MAX_BYTES;
    int z = inflate(&zs, Z_FINISH);
    if (z == Z_BUF_ERROR && zs.avail_out == 0) {
        rc = REC_ERR_LIMIT;
        goto cleanup;
    }
    if (z != Z_STREAM_END) {
        rc = REC_ERR_INVALID;
        goto cleanup;
    }
    *out_len = CTR_MAX_BYTES - zs.avail_out;
    buf[*out_len] = '\0';
    *out = buf;
    buf = NULL;
    rc = 0;
cleanup:
    inflateEnd(&zs);
    free(buf);
    return rc;
}

int kinesis_record_payload(const cJSON *record, char **out, size_t *out_len, char *err,
                           size_t err_len)
{
    const cJSON *k = cJSON_GetObjectItemCaseSensitive(record, "kinesis");
    const cJSON *data = cJSON_GetObjectItemCaseSensitive(k, "data");
    if (cJSON_IsObject(data)) {
        char *text = cJSON_PrintUnformatted(data);
        if (!text)
            return fail(err, err_len, REC_ERR_NOMEM, "out of memory");
        *out = text;
        *out_len = strlen(text);
        return 0;
    }
    if (!cJSON_IsString(data))
        return fail(err, err_len, REC_ERR_INVALID, "kinesis.data is missing");
    unsigned char *raw = NULL;
    size_t raw_len = 0;
    int rc = base64_decode(data->valuestring, strlen(data->valuestring), &raw, &raw_len);
    if (rc)
        return fail(err, err_len, rc,
                    rc == REC_ERR_INVALID ? "kinesis.data is not valid base64" : "kinesis.data is too large");
    int compressed = raw_len >= 2 && ((raw[0] == 0x1f && raw[1] == 0x8b) ||
                                      (raw[0] == 0x78 && (raw[0] * 256 + raw[1]) % 31 == 0));
    if (compressed) {
        rc = inflate_capped(raw, raw_len, out, out_len);
        free(raw);
        if (rc)
            return fail(err, err_len, rc,
                        rc == REC_ERR_LIMIT ? "decompressed kinesis.data exceeds 1 MiB"
                                            : "kinesis.data is not valid gzip/zlib data");
        return 0;
    }
    if (raw_len > CTR_MAX_BYTES) {
        free(raw);
        return fail(err, err_len, REC_ERR_LIMIT, "kinesis.data exceeds 1 MiB");
    }
    char *text = realloc(raw, raw_len + 1);
    if (!text) {
        free(raw);
        return fail(err, err_len, REC_ERR_NOMEM, "out of memory");
    }
    text[raw_len] = '\0';
    *out = text;
    *out_len = raw_len;
    return 0;
}

static int copy_string(const cJSON *obj, const char *name, char *dst, size_t cap)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, name);
    if (!cJSON_IsString(v) || !v->valuestring[0] || strlen(v->valuestring) >= cap)
        return REC_ERR_INVALID;
    memcpy(dst, v->valuestring, strlen(v->valuestring) + 1);
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

static int parse_recordings(const cJSON *list, struct ctr *out, char *err, size_t err_len)
{
    const cJSON *r;
    cJSON_ArrayForEach(r, list)
    {
        const cJSON *type = cJSON_GetObjectItemCaseSensitive(r, "StorageType");
        if (!cJSON_IsString(type) || strcmp(type->valuestring, "KINESIS_VIDEO_STREAM") != 0)
            continue;
        if (out->n_recordings == CTR_MAX_RECORDINGS)
            return fail(err, err_len, REC_ERR_LIMIT, "more than 16 KVS recordings in one CTR");
        struct ctr_recording *rec = &out->recordings[out->n_recordings];
        memset(rec, 0, sizeof(*rec));
        if (copy_string(r, "Location", rec->stream_arn, sizeof(rec->stream_arn)) ||
            strncmp(rec->stream_arn, "arn:", 4) != 0)
            return fail(err, err_len, REC_ERR_INVALID, "a KVS recording has no valid Location (stream ARN)");
        const char *names[2] = { "FragmentStartNumber", "FragmentStopNumber" };
        char *dst[2] = { rec->start_fragment, rec->stop_fragment };
        for (int i = 0; i < 2; i++) {
            const cJSON *v = cJSON_GetObjectItemCaseSensitive(r, names[i]);
            if (cJSON_IsNull(v) || !v)
                continue;
            if (!cJSON_IsString(v) || !fragment_number_valid(v->valuestring) ||
                strlen(v->valuestring) > FRAGMENT_NUMBER_MAX_DIGITS) {
                snprintf(err, err_len, "a KVS recording's %s is not a decimal fragment number", names[i]);
                return REC_ERR_INVALID;
            }
            memcpy(dst[i], v->valuestring, strlen(v->valuestring) + 1);
        }
        out->n_recordings++;
    }
    return 0;
}

int ctr_parse(const char *json, size_t len, struct ctr *out, char *err, size_t err_len)
{
    memset(out, 0, sizeof(*out));
    int rc = REC_ERR_INVALID;
    cJSON *doc = cJSON_ParseWithLength(json, len);
    if (!cJSON_IsObject(doc)) {
        rc = fail(err, err_len, REC_ERR_INVALID, "the contact trace record is not a JSON object");
        goto cleanup;
    }
    if (copy_string(doc, "ContactId", out->contact_id, sizeof(out->contact_id))) {
        rc = fail(err, err_len, REC_ERR_INVALID, "ContactId is missing");
        goto cleanup;
    }
    if (copy_string(doc, "InitialContactId", out->initial_contact_id, sizeof(out->initial_contact_id)))
        memcpy(out->initial_contact_id, out->contact_id, sizeof(out->contact_id));
    if (copy_string(doc, "Channel", out->channel, sizeof(out->channel))) {
        rc = fail(err, err_len, REC_ERR_INVALID, "Channel is missing");
        goto cleanup;
    }
    const cJSON *attrs = cJSON_GetObjectItemCaseSensitive(doc, "Attributes");
    const cJSON *auth = cJSON_GetObjectItemCaseSensitive(attrs, "recordingAuth");
    if (cJSON_IsString(auth) && auth->valuestring[0] >= '1' && auth->valuestring[0] <= '3' &&
        auth->valuestring[1] == '\0')
        out->recording_auth = auth->valuestring[0] - '0';
    out->already_recorded = cJSON_HasObjectItem(attrs, "audioFromCustomer") ||
                            cJSON_HasObjectItem(attrs, "audioToCustomer") ||
                            cJSON_HasObjectItem(attrs, "audioMixed");
    if (!ctr_wants_recording(out)) {
        rc = 0; /* the rest only matters for contacts we record */
        goto cleanup;
    }
    char arn[512];
    const char *slash;
    if (copy_string(doc, "InstanceARN", arn, sizeof(arn)) || !(slash = strchr(arn, '/')) ||
        !slash[1] || strlen(slash + 1) >= sizeof(out->instance_id)) {
        rc = fail(err, err_len, REC_ERR_INVALID, "InstanceARN is missing or has no instance id");
        goto cleanup;
    }
    memcpy(out->instance_id, slash + 1, strlen(slash + 1) + 1);
    char stamp[64];
    if (copy_string(doc, "InitiationTimestamp", stamp, sizeof(stamp)) ||
        parse_date(stamp, &out->year, &out->month, &out->day)) {
        rc = fail(err, err_len, REC_ERR_INVALID, "InitiationTimestamp is missing or not ISO 8601");
        goto cleanup;
    }
    const cJSON *recs = cJSON_GetObjectItemCaseSensitive(doc, "Recordings");
    if (recs && !cJSON_IsNull(recs) && !cJSON_IsArray(recs)) {
        rc = fail(err, err_len, REC_ERR_INVALID, "Recordings is not a list");
        goto cleanup;
    }
    rc = parse_recordings(recs, out, err, err_len);
cleanup:
    cJSON_Delete(doc);
    return rc;
}

int ctr_wants_recording(const struct ctr *c)
{
    return strcmp(c->channel, "VOICE") == 0 && c->recording_auth != 0 && !c->already_recorded;
}

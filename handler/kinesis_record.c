#include "handler/kinesis_record.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#include "common/base64.h"

const char *kinesis_record_sequence(const cJSON *record)
{
    const cJSON *k = cJSON_GetObjectItemCaseSensitive(record, "kinesis");
    const cJSON *s = cJSON_GetObjectItemCaseSensitive(k, "sequenceNumber");
    return cJSON_IsString(s) ? s->valuestring : NULL;
}

/* Inflates gzip or zlib data (windowBits 15 + 32 detects either), capped. */
static int inflate_capped(const unsigned char *in, size_t in_len, char **out, size_t *out_len)
{
    z_stream zs;
    memset(&zs, 0, sizeof(zs));
    if (inflateInit2(&zs, 15 + 32) != Z_OK)
        return REC_ERR_NOMEM;
    int rc = REC_ERR_NOMEM;
    char *buf = malloc(KINESIS_RECORD_MAX_BYTES + 1);
    if (!buf)
        goto cleanup;
    zs.next_in = (unsigned char *)in;
    zs.avail_in = (uInt)in_len;
    zs.next_out = (unsigned char *)buf;
    zs.avail_out = KINESIS_RECORD_MAX_BYTES;
    int z = inflate(&zs, Z_FINISH);
    if (z == Z_BUF_ERROR && zs.avail_out == 0) {
        rc = REC_ERR_LIMIT;
        goto cleanup;
    }
    if (z != Z_STREAM_END) {
        rc = REC_ERR_INVALID;
        goto cleanup;
    }
    *out_len = KINESIS_RECORD_MAX_BYTES - zs.avail_out;
    buf[*out_len] = '\0';
    *out = buf;
    buf = NULL;
    rc = 0;
cleanup:
    inflateEnd(&zs);
    free(buf);
    return rc;
}

int kinesis_record_payload(const cJSON *record, char **out, size_t *out_len, struct rec_error *err)
{
    const cJSON *k = cJSON_GetObjectItemCaseSensitive(record, "kinesis");
    const cJSON *data = cJSON_GetObjectItemCaseSensitive(k, "data");
    if (cJSON_IsObject(data)) {
        char *text = cJSON_PrintUnformatted(data);
        if (!text)
            return rec_error_set(err, REC_ERR_NOMEM, 1, "out of memory");
        *out = text;
        *out_len = strlen(text);
        return 0;
    }
    if (!cJSON_IsString(data))
        return rec_error_set(err, REC_ERR_INVALID, 0, "kinesis.data is missing");
    unsigned char *raw = NULL;
    size_t raw_len = 0;
    int rc = rec_base64_decode(data->valuestring, strlen(data->valuestring),
                               (size_t)KINESIS_RECORD_MAX_BYTES * 2, &raw, &raw_len);
    if (rc)
        return rec_error_set(err, rc, rc == REC_ERR_NOMEM, "%s",
                             rc == REC_ERR_INVALID ? "kinesis.data is not valid base64"
                             : rc == REC_ERR_LIMIT ? "kinesis.data is too large"
                                                   : "out of memory");
    int compressed = raw_len >= 2 && ((raw[0] == 0x1f && raw[1] == 0x8b) ||
                                      (raw[0] == 0x78 && (raw[0] * 256 + raw[1]) % 31 == 0));
    if (compressed) {
        rc = inflate_capped(raw, raw_len, out, out_len);
        free(raw);
        if (rc)
            return rec_error_set(err, rc, rc == REC_ERR_NOMEM, "%s",
                                 rc == REC_ERR_LIMIT     ? "decompressed kinesis.data exceeds 1 MiB"
                                 : rc == REC_ERR_INVALID ? "kinesis.data is not valid gzip/zlib data"
                                                         : "out of memory");
        return 0;
    }
    if (raw_len > KINESIS_RECORD_MAX_BYTES) {
        free(raw);
        return rec_error_set(err, REC_ERR_LIMIT, 0, "kinesis.data exceeds 1 MiB");
    }
    char *text = realloc(raw, raw_len + 1);
    if (!text) {
        free(raw);
        return rec_error_set(err, REC_ERR_NOMEM, 1, "out of memory");
    }
    text[raw_len] = '\0';
    *out = text;
    *out_len = raw_len;
    return 0;
}

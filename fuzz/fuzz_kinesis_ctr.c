/*
 * libFuzzer target for the recording handler's outside input: the Kinesis
 * event and the contact trace records in it (handler/kinesis_record.h,
 * connect/ctr.h).
 *
 * Input: byte 0 chooses the mode, the rest is the input:
 *   even  a whole Kinesis event (JSON): every record's payload decoded
 *         (base64, inline object, gzip/zlib) and parsed as a CTR;
 *   odd   the rest as one payload: base64-encoded into a record (so the
 *         decoders see every byte sequence, gzip and zlib included), and
 *         also parsed directly as CTR text.
 * Properties for every input: a payload is NUL-terminated at its length and
 * within KINESIS_RECORD_MAX_BYTES; a failure names itself (a message) and
 * is never retriable unless it is REC_ERR_NOMEM; a parsed CTR's strings are
 * NUL-terminated within their fields, its counts within their caps, its
 * fragment numbers valid or empty, its date a real month and day.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <openssl/evp.h>

#include "connect/ctr.h"
#include "handler/kinesis_record.h"
#include "kvs/fragment_number.h"

static void require(int cond)
{
    if (!cond)
        abort();
}

static void require_str(const char *s, size_t cap)
{
    require(strnlen(s, cap) < cap);
}

static void require_failure(int rc, const struct rec_error *err)
{
    require(rc < 0 && err->code == rc && err->message[0]);
    require(!err->retriable || rc == REC_ERR_NOMEM);
}

static void check_ctr(const char *text, size_t len)
{
    struct ctr *c = malloc(sizeof(*c));
    struct rec_error err;
    rec_error_clear(&err);
    int rc = ctr_parse(text, len, c, &err);
    if (rc) {
        require_failure(rc, &err);
        free(c);
        return;
    }
    require_str(c->contact_id, sizeof(c->contact_id));
    require(c->contact_id[0] && c->initial_contact_id[0]);
    require_str(c->instance_id, sizeof(c->instance_id));
    require_str(c->channel, sizeof(c->channel));
    require(c->recording_auth >= 0 && c->recording_auth <= 3);
    require(c->n_recordings <= CTR_MAX_RECORDINGS);
    if (ctr_wants_recording(c)) {
        require(c->instance_id[0] && c->month >= 1 && c->month <= 12 && c->day >= 1 && c->day <= 31);
        for (size_t i = 0; i < c->n_recordings; i++) {
            const struct ctr_recording *r = &c->recordings[i];
            require(strncmp(r->stream_arn, "arn:", 4) == 0);
            require(!r->start_fragment[0] || fragment_number_valid(r->start_fragment));
            require(!r->stop_fragment[0] || fragment_number_valid(r->stop_fragment));
            require(r->start_ms >= 0 && r->stop_ms >= 0);
        }
    } else {
        require(ctr_not_recorded_reason(c) != NULL);
    }
    free(c);
}

static void check_record(const cJSON *record)
{
    char *text = NULL;
    size_t len = 0;
    struct rec_error err;
    rec_error_clear(&err);
    (void)kinesis_record_sequence(record);
    int rc = kinesis_record_payload(record, &text, &len, &err);
    if (rc) {
        require_failure(rc, &err);
        require(text == NULL);
        return;
    }
    require(len <= KINESIS_RECORD_MAX_BYTES && text[len] == '\0');
    check_ctr(text, len);
    free(text);
}

/* The payload as a record's base64 data. */
static void check_payload(const uint8_t *data, size_t size)
{
    char *b64 = malloc(4 * ((size + 2) / 3) + 1);
    EVP_EncodeBlock((unsigned char *)b64, data, (int)size);
    cJSON *record = cJSON_CreateObject();
    cJSON *k = cJSON_AddObjectToObject(record, "kinesis");
    cJSON_AddStringToObject(k, "sequenceNumber", "1");
    cJSON_AddStringToObject(k, "data", b64);
    check_record(record);
    cJSON_Delete(record);
    free(b64);
    check_ctr((const char *)data, size);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || size > 4 * 1024 * 1024)
        return 0;
    if (data[0] & 1) {
        check_payload(data + 1, size - 1);
        return 0;
    }
    cJSON *doc = cJSON_ParseWithLength((const char *)data + 1, size - 1);
    const cJSON *record;
    cJSON_ArrayForEach(record, cJSON_GetObjectItemCaseSensitive(doc, "Records"))
        check_record(record);
    cJSON_Delete(doc);
    return 0;
}

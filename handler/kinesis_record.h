/*
 * The records of a Kinesis Data Streams event, as Lambda delivers them.
 *
 * Rule source: AWS Lambda Developer Guide, "Using Lambda with Kinesis Data
 * Streams": Records[].kinesis.data is the record's payload in base64
 * (RFC 4648), and Records[].kinesis.sequenceNumber identifies a record in a
 * batch item failure. The original sample's event inlines the payload as a
 * JSON object instead (../shared/REFERENCE.md §1); producers may gzip or
 * zlib-compress it.
 */
#ifndef REC_HANDLER_KINESIS_RECORD_H
#define REC_HANDLER_KINESIS_RECORD_H

#include <stddef.h>

#include <cjson/cJSON.h>

#include "common/error.h"

/* The largest decoded payload accepted, in bytes (a Kinesis record holds at
 * most 1 MB). */
#define KINESIS_RECORD_MAX_BYTES (1024u * 1024u)

/* Decodes one record's payload: kinesis.data as base64, or an inline JSON
 * object; gzip or zlib payloads are inflated (zlib). On success *out is a
 * NUL-terminated heap string of *out_len bytes the caller frees with free().
 * Errors, in err too (never retriable: the same record decodes the same way
 * next time): REC_ERR_INVALID (no data, bad base64, bad compression),
 * REC_ERR_LIMIT (over KINESIS_RECORD_MAX_BYTES), REC_ERR_NOMEM (retriable). */
int kinesis_record_payload(const cJSON *record, char **out, size_t *out_len, struct rec_error *err);

/* The record's kinesis.sequenceNumber, or NULL. Owned by record. */
const char *kinesis_record_sequence(const cJSON *record);

#endif

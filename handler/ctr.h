/*
 * Contact trace records (CTRs) as Amazon Connect writes them to a Kinesis
 * Data Stream, and the Kinesis records that carry them.
 *
 * Rule sources: Amazon Connect Administrator Guide, "Contact records data
 * model" (ContactId, InitialContactId, Channel, InstanceARN,
 * InitiationTimestamp, Attributes, Recordings[] with StorageType,
 * Location, FragmentStartNumber, FragmentStopNumber); AWS Lambda Developer
 * Guide, "Using Lambda with Kinesis Data Streams" (Records[].kinesis.data is
 * base64, sequenceNumber identifies a batch item failure). The contract of
 * the original Java sample (../shared/REFERENCE.md §1): the sample event may
 * inline the CTR as a JSON object instead of base64.
 */
#ifndef REC_HANDLER_CTR_H
#define REC_HANDLER_CTR_H

#include <stddef.h>

#include <cjson/cJSON.h>

#include "kvs/fragment_number.h"

/* The most KVS recordings one CTR may list; more is refused (permanent). */
#define CTR_MAX_RECORDINGS 16
/* The largest decoded CTR we accept, in bytes (Kinesis records are at most 1 MB). */
#define CTR_MAX_BYTES (1024u * 1024u)

struct ctr_recording {
    char stream_arn[512];                               /* Location */
    char start_fragment[FRAGMENT_NUMBER_MAX_DIGITS + 1]; /* FragmentStartNumber, "" if absent */
    char stop_fragment[FRAGMENT_NUMBER_MAX_DIGITS + 1];  /* FragmentStopNumber, "" if absent */
};

struct ctr {
    char contact_id[256];
    char initial_contact_id[256]; /* InitialContactId, or ContactId when null */
    char instance_id[256];        /* InstanceARN after its first '/' */
    char channel[32];             /* "VOICE", "CHAT", ... */
    int recording_auth;           /* Attributes.recordingAuth 1, 2 or 3; 0 when absent or other */
    int already_recorded;         /* Attributes holds audioFromCustomer/audioToCustomer/audioMixed */
    int year, month, day;         /* InitiationTimestamp's UTC date */
    size_t n_recordings;          /* KINESIS_VIDEO_STREAM entries in Recordings[] */
    struct ctr_recording recordings[CTR_MAX_RECORDINGS];
};

/* Decodes one Kinesis record's payload: kinesis.data as base64 (RFC 4648),
 * or an inline JSON object (the original sample's event); gzip or zlib
 * compressed payloads are inflated (zlib). On success *out is a
 * NUL-terminated heap string of *out_len bytes the caller frees with free().
 * Returns 0, REC_ERR_INVALID (no data, bad base64, bad compression; err
 * says which), REC_ERR_LIMIT (over CTR_MAX_BYTES) or REC_ERR_NOMEM. */
int kinesis_record_payload(const cJSON *record, char **out, size_t *out_len, char *err,
                           size_t err_len);

/* The record's kinesis.sequenceNumber, or NULL. Owned by record. */
const char *kinesis_record_sequence(const cJSON *record);

/* Parses a CTR's JSON text into *out. Returns 0, or REC_ERR_INVALID with
 * err naming the missing or malformed field (ContactId, InstanceARN,
 * InitiationTimestamp, Channel, a recording's Location), or REC_ERR_LIMIT
 * when it lists more than CTR_MAX_RECORDINGS KVS recordings. Fields only
 * needed for recording (InstanceARN, InitiationTimestamp, recordings) are
 * checked only when the CTR is a VOICE contact to record. */
int ctr_parse(const char *json, size_t len, struct ctr *out, char *err, size_t err_len);

/* Non-zero when the original's filter says to record this contact:
 * Channel VOICE, recordingAuth 1/2/3, no recording attributes yet. */
int ctr_wants_recording(const struct ctr *c);

#endif

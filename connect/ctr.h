/*
 * Contact trace records (CTRs) as Amazon Connect writes them to a Kinesis
 * Data Stream.
 *
 * Rule sources: Amazon Connect Administrator Guide, "Contact records data
 * model" (ContactId, InitialContactId, Channel, InstanceARN,
 * InitiationTimestamp, Attributes, Recordings[] with StorageType,
 * Location, FragmentStartNumber, FragmentStopNumber). The contract of the
 * original Java sample (../shared/REFERENCE.md §1): record a VOICE contact
 * whose recordingAuth attribute is 1, 2 or 3 and that carries none of the
 * recording URL attributes yet.
 *
 * Fields are copied into fixed storage with named limits; a value that does
 * not fit is an error naming the field, never a shorter value.
 */
#ifndef REC_CONNECT_CTR_H
#define REC_CONNECT_CTR_H

#include <stddef.h>
#include <stdint.h>

#include "common/error.h"
#include "connect/paused_spans.h"
#include "kvs/fragment_number.h"

/* The most KVS recordings one CTR may list; more is refused (permanent). */
#define CTR_MAX_RECORDINGS 16
/* Longest ids accepted, bytes (Connect's are 36-character UUIDs). */
#define CTR_ID_MAX 255
/* Longest stream ARN accepted, bytes (KVS ARNs are at most 1024 characters
 * by the API's pattern; Connect's are about 130). */
#define CTR_ARN_MAX 1024
#define CTR_CHANNEL_MAX 31

struct ctr_recording {
    char stream_arn[CTR_ARN_MAX + 1];                    /* Location */
    char start_fragment[FRAGMENT_NUMBER_MAX_DIGITS + 1]; /* FragmentStartNumber, "" if absent */
    char stop_fragment[FRAGMENT_NUMBER_MAX_DIGITS + 1];  /* FragmentStopNumber, "" if absent */
    int64_t start_ms, stop_ms; /* StartTimestamp / StopTimestamp ("2024-02-25T10:11:12Z", a
                                  fraction allowed), Unix epoch ms; 0 when absent or in
                                  another form (they only narrow ListFragments) */
};

struct ctr {
    char contact_id[CTR_ID_MAX + 1];
    char initial_contact_id[CTR_ID_MAX + 1]; /* InitialContactId, or ContactId when null */
    char instance_id[CTR_ID_MAX + 1];        /* InstanceARN after its first '/' */
    char channel[CTR_CHANNEL_MAX + 1];       /* "VOICE", "CHAT", ... */
    int recording_auth;           /* Attributes.recordingAuth 1, 2 or 3; 0 when absent or other */
    int already_recorded;         /* Attributes holds audioFromCustomer/audioToCustomer/audioMixed */
    /* Attributes.recordingPausedSpans (connect/paused_spans.h): NONE when
     * absent or null; UNREADABLE when not a string or longer than
     * PAUSED_SPANS_TEXT_MAX (the recording then fails closed: silent). */
    enum { CTR_SPANS_NONE, CTR_SPANS_TEXT, CTR_SPANS_UNREADABLE } paused_spans_state;
    char paused_spans[PAUSED_SPANS_TEXT_MAX + 1]; /* the text when state is TEXT */
    int year, month, day;         /* InitiationTimestamp's UTC date */
    size_t n_recordings;          /* KINESIS_VIDEO_STREAM entries in Recordings[] */
    struct ctr_recording recordings[CTR_MAX_RECORDINGS];
};

/* Parses a CTR's JSON text (len bytes) into *out (caller's storage; nothing
 * to free). Returns 0, or with err filled (never retriable): REC_ERR_INVALID
 * naming the missing, malformed or over-long field (ContactId,
 * InitialContactId, Channel, InstanceARN, InitiationTimestamp, a
 * recording's Location or fragment numbers), REC_ERR_LIMIT when it lists
 * more than CTR_MAX_RECORDINGS KVS recordings. Fields only needed for
 * recording (InstanceARN, InitiationTimestamp, recordings) are checked only
 * when the CTR is a contact to record (ctr_wants_recording). */
int ctr_parse(const char *json, size_t len, struct ctr *out, struct rec_error *err);

/* Non-zero when the original's filter says to record this contact:
 * Channel VOICE, recordingAuth 1/2/3, no recording attributes yet. */
int ctr_wants_recording(const struct ctr *c);

/* Why ctr_wants_recording said no, for the log (a static string; NULL when
 * it said yes). */
const char *ctr_not_recorded_reason(const struct ctr *c);

#endif

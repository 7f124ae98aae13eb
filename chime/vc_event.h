/*
 * Amazon Chime SDK Voice Connector streaming events: what one says about
 * one call leg.
 *
 * A Voice Connector with streaming on sends one EventBridge event per call
 * leg and status change ("Chime VoiceConnector Streaming Status", source
 * "aws.chime"): STARTED when the leg's audio starts flowing into its
 * Kinesis Video stream, ENDED when it stops, UPDATED (SIP headers) and
 * FAILED (no stream, no side). Each STARTED/ENDED names its own leg's
 * stream, start fragment and start time, so an ENDED alone bounds its leg.
 * The same event may arrive wrapped: an SQS message body (a JSON string;
 * "Records" or the lower-case "records" of an older sample), or an SNS
 * message. Rule sources: Amazon Chime SDK Administrator Guide, "Automating
 * Amazon Chime SDK with EventBridge" (Voice Connector streaming events);
 * ../shared/SIBLINGS.md §3.1 (real captures and their quirks).
 *
 * Quirks accepted (seen in real events):
 *  - isCaller is a boolean, a string ("True", "false", "1", "0", any case)
 *    or missing: the side is then unknown, never guessed;
 *  - timestamps are RFC 3339 with or without fractions and may hold stray
 *    spaces; one that does not parse is kept as text, without a time;
 *  - mediaType, currentFragmentNumber, fromNumber, toNumber may be absent.
 *
 * Nothing is cut: a field longer than its storage makes the event invalid,
 * never a shorter value that could name another call or stream.
 */
#ifndef REC_CHIME_VC_EVENT_H
#define REC_CHIME_VC_EVENT_H

#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "common/error.h"
#include "kvs/fragment_number.h"
#include "recorder/track_codec.h"

/* A Voice Connector leg's Kinesis Video stream: one audio track (its name
 * is not documented: any name is taken), each fragment tagged with the
 * call's TransactionId, CallId and VoiceConnectorId; streams are recycled
 * across calls, so a leg ends where the TransactionId changes. Sources:
 * Amazon Chime SDK Administrator Guide, "Streaming Amazon Chime SDK Voice
 * Connector media to Kinesis" (persistent fragment metadata TransactionId,
 * VoiceConnectorId); SIBLINGS.md §3.2. For recorder/recorder.h. */
extern const struct track_roles chime_leg_tracks;
#define CHIME_LEG_CALL_TAG "TransactionId"

#define CHIME_EVENT_SOURCE "aws.chime"
#define CHIME_VC_STREAMING_DETAIL_TYPE "Chime VoiceConnector Streaming Status"

/* Longest values kept, in bytes without the NUL. */
#define CHIME_ID_MAX 128          /* callId, transactionId, voiceConnectorId, account */
#define CHIME_STREAM_ARN_MAX 1024 /* KVS stream ARNs are at most 1024 characters */
#define CHIME_TEXT_MAX 255        /* numbers, direction, times, reasons */

enum chime_vc_status {
    CHIME_VC_OTHER = 0, /* UPDATED or anything new: ignored */
    CHIME_VC_STARTED,
    CHIME_VC_ENDED,
    CHIME_VC_FAILED,
};

/* Which side of the call a leg is, from isCaller. */
enum chime_side {
    CHIME_SIDE_UNKNOWN = 0, /* isCaller missing or not a truth value */
    CHIME_SIDE_CALLER,      /* isCaller true */
    CHIME_SIDE_OTHER,       /* isCaller false */
};

/* An RFC 3339 time as the event gave it and, when it parses, in epoch ms. */
struct chime_time {
    char text[CHIME_TEXT_MAX + 1]; /* "" when absent; stray spaces removed */
    int has_ms;
    int64_t ms; /* Unix epoch milliseconds */
};

struct chime_vc_event {
    enum chime_vc_status status;
    char status_text[CHIME_TEXT_MAX + 1]; /* streamingStatus as sent */
    char account[CHIME_ID_MAX + 1];       /* the envelope's account */
    char call_id[CHIME_ID_MAX + 1];
    char transaction_id[CHIME_ID_MAX + 1];
    char voice_connector_id[CHIME_ID_MAX + 1];
    char stream_arn[CHIME_STREAM_ARN_MAX + 1];
    enum chime_side side;
    char direction[CHIME_TEXT_MAX + 1];
    char from_number[CHIME_TEXT_MAX + 1];
    char to_number[CHIME_TEXT_MAX + 1];
    char media_type[CHIME_TEXT_MAX + 1];
    char start_fragment[FRAGMENT_NUMBER_MAX_DIGITS + 1];   /* "" when absent */
    char current_fragment[FRAGMENT_NUMBER_MAX_DIGITS + 1]; /* ENDED's last fragment, "" */
    struct chime_time start_time, end_time, fail_time;
    char failure_reason[CHIME_TEXT_MAX + 1];
};

/* Calls fn once per EventBridge event held by an invocation's payload doc:
 * the event itself, each SQS record's body (Records[] or records[]; the
 * body parsed from its JSON string) or each SNS record's Message. id is
 * the SQS messageId or SNS MessageId ("" if none); event may be NULL for a
 * record whose body does not parse (fn then decides what that means).
 * Stops at fn's first non-zero return and returns it; 0 when every call
 * returned 0; REC_ERR_NOMEM. The parsed bodies live only during fn. */
typedef int (*chime_event_fn)(void *user, const cJSON *event, const char *id);
int chime_for_each_event(const cJSON *doc, chime_event_fn fn, void *user);

/* Non-zero when event is a Voice Connector streaming status event (source
 * and detail-type as above, a detail object). */
int chime_is_vc_streaming_event(const cJSON *event);

/* Reads a streaming status event into *out (caller's storage). Returns 0;
 * REC_ERR_INVALID (err says which field) for: no detail, a field that is
 * not a string or is too long, STARTED/ENDED without callId,
 * transactionId, streamArn or a valid startFragmentNumber, a
 * currentFragmentNumber that is not a fragment number, a FAILED without
 * callId. Other statuses need only callId. */
int chime_vc_event_parse(const cJSON *event, struct chime_vc_event *out, struct rec_error *err);

/* The side isCaller's value says (NULL: missing). Booleans, the numbers 0
 * and 1, and the strings true/false/1/0 in any case with spaces around. */
enum chime_side chime_side_of(const cJSON *is_caller);

/* Parses a Voice Connector event's time: spaces anywhere are dropped (the
 * real capture in SIBLINGS.md has them inside times), the rest is an RFC 3339
 * date-time read by rec_rfc3339_parse (common/rfc3339.h) into epoch ms.
 * Returns 0 or REC_ERR_INVALID. */
int chime_time_parse(const char *text, int64_t *ms);

/* "caller", "other" or "unknown" (static). */
const char *chime_side_name(enum chime_side side);

#endif

/*
 * The Voice Connector call table: pairing a call's two legs and claiming
 * the call so that it is recorded exactly once.
 *
 * Table (CALL_TABLE): partition key call_id (S) = the event's callId, sort
 * key is_caller (S): "1" for the isCaller leg, "0" for the other (the
 * seed's keys, ../shared/SIBLINGS.md §3.3), "?<streamArn>" for a leg whose
 * side is unknown; "#claim" holds the call's claim and "#call" a FAILED
 * status. Every item carries ttl (N, epoch seconds) for DynamoDB's TTL.
 *
 * Rules (project issue 10; SIBLINGS.md §3.4):
 *  - STARTED upserts its leg (stream, start fragment and time, numbers)
 *    and never undoes an ENDED that arrived first (delivery is best effort
 *    and unordered);
 *  - ENDED upserts the same fields plus its end, so a lost STARTED loses
 *    nothing; then the call's items are read (consistent Query);
 *  - a stream stored under two sort keys (isCaller sent on one event and
 *    not the other) is one leg;
 *  - when two legs have ended the call is claimed with a conditional
 *    PutItem of "#claim": it succeeds when there is no claim, the claim
 *    failed, or its lease ran out (an invocation that died); otherwise
 *    someone else holds it or it is done;
 *  - the claim ends as "done" (with the keys written) or "failed" (a
 *    failure that may pass: released for the retry).
 *
 * The DynamoDB calls use services/dynamodb_client.h; rule source: Amazon
 * DynamoDB API Reference, "UpdateItem", "PutItem", "Query", "GetItem".
 */
#ifndef REC_CHIME_CALL_TABLE_H
#define REC_CHIME_CALL_TABLE_H

#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "chime/vc_event.h"
#include "common/error.h"
#include "services/dynamodb_client.h"

#define CHIME_CLAIM_KEY "#claim"
#define CHIME_CALL_KEY "#call"
/* Legs (distinct streams) of one call kept; more are ignored with a warning. */
#define CHIME_MAX_LEGS 4
/* The longest sort key: "?" + a stream ARN. */
#define CHIME_LEG_KEY_MAX (CHIME_STREAM_ARN_MAX + 1)

/* One leg as the table holds it. */
struct chime_leg {
    enum chime_side side;
    int ended;
    char stream_arn[CHIME_STREAM_ARN_MAX + 1];
    char transaction_id[CHIME_ID_MAX + 1];
    char start_fragment[FRAGMENT_NUMBER_MAX_DIGITS + 1];
    char end_fragment[FRAGMENT_NUMBER_MAX_DIGITS + 1]; /* "" when ENDED had none */
    char start_time[CHIME_TEXT_MAX + 1];               /* as the events gave them */
    char end_time[CHIME_TEXT_MAX + 1];
    char account[CHIME_ID_MAX + 1];
    char direction[CHIME_TEXT_MAX + 1];
    char from_number[CHIME_TEXT_MAX + 1];
    char to_number[CHIME_TEXT_MAX + 1];
    char voice_connector_id[CHIME_ID_MAX + 1];
};

enum chime_claim_state {
    CHIME_CLAIM_NONE = 0,
    CHIME_CLAIM_HELD, /* "claimed": someone is recording it (until lease_until) */
    CHIME_CLAIM_DONE, /* "done": recorded */
    CHIME_CLAIM_FAILED, /* "failed": released, may be taken again */
};

/* What the table says about a call. */
struct chime_call {
    struct chime_leg legs[CHIME_MAX_LEGS];
    size_t n_legs;
    size_t ignored_legs; /* distinct streams beyond CHIME_MAX_LEGS */
    enum chime_claim_state claim;
    int64_t lease_until_ms;
};

/* The sort key of a leg: "1", "0" or "?<streamArn>" into out (cap bytes).
 * Returns 0 or REC_ERR_LIMIT. */
int chime_leg_key(enum chime_side side, const char *stream_arn, char *out, size_t cap);

/* Reads a Query's Items array into *call (caller's storage). Items that are
 * not legs or claims (the "#call" marker among them) are skipped. Returns 0 or
 * REC_ERR_INVALID (an item field too long). */
int chime_call_from_items(const cJSON *items, struct chime_call *call, struct rec_error *err);

/* The two legs to record when the call is ready: the first two ended legs
 * (callers, then others, then unknown sides). Returns 1 with *a and *b set
 * when two legs have ended, 0 when not yet. */
int chime_call_ready(const struct chime_call *call, const struct chime_leg **a,
                     const struct chime_leg **b);

/* The table and how to reach it. */
struct chime_table {
    struct dynamodb_client *ddb; /* borrowed */
    const char *name;            /* CALL_TABLE */
    int64_t ttl_seconds;         /* items expire this long after their last write */
};

/* Upserts the leg of a STARTED or ENDED event (rules above). now_ms:
 * epoch ms for the TTL; deadline_ms absolute (0: none). Returns 0 or the
 * DynamoDB call's error (err filled). */
int chime_table_store_leg(const struct chime_table *t, const struct chime_vc_event *e, int64_t now_ms,
                          int64_t deadline_ms, struct rec_error *err);

/* Stores a FAILED event on the call's "#call" item. */
int chime_table_store_failure(const struct chime_table *t, const struct chime_vc_event *e,
                              int64_t now_ms, int64_t deadline_ms, struct rec_error *err);

/* Reads every item of call_id (ConsistentRead) into *call. */
int chime_table_read(const struct chime_table *t, const char *call_id, int64_t deadline_ms,
                     struct chime_call *call, struct rec_error *err);

/* Claims call_id for owner (an invocation's request id) until
 * lease_until_ms. Returns 0 (claimed), REC_ERR_CONDITION (held by someone
 * else or done: not an error to report), or the call's error. */
int chime_table_claim(const struct chime_table *t, const char *call_id, const char *owner,
                      int64_t now_ms, int64_t lease_until_ms, int64_t deadline_ms,
                      struct rec_error *err);

/* Ends owner's claim: done (keys recorded: wav_key, json_key, either may be
 * NULL) or failed (released, reason stored). Only the owner's claim is
 * changed: REC_ERR_CONDITION when the claim is no longer owner's. */
int chime_table_end_claim(const struct chime_table *t, const char *call_id, const char *owner,
                          int done, const char *wav_key, const char *json_key, const char *reason,
                          int64_t now_ms, int64_t deadline_ms, struct rec_error *err);

#endif

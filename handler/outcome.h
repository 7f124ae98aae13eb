/*
 * The one place a failure becomes an outcome.
 *
 * Every module reports a failure through the error record
 * (common/error.h); the handlers decide here what it means for the work
 * item (a Kinesis record, an EventBridge event):
 *   stored     nothing failed;
 *   retriable  the same work may succeed later (throttling, 5xx, network,
 *              time running out): Lambda should deliver it again (a batch
 *              item failure, or an invocation error for asynchronous
 *              events);
 *   permanent  it never will (malformed input, a missing stream, media we
 *              cannot decode): logged at ERROR and not retried.
 * Rule source: AWS Lambda Developer Guide, "Using Lambda with Kinesis Data
 * Streams" (batch item failures) and "Asynchronous invocation" (retries).
 */
#ifndef REC_HANDLER_OUTCOME_H
#define REC_HANDLER_OUTCOME_H

#include "common/error.h"

enum rec_outcome {
    REC_OUTCOME_STORED = 0,
    REC_OUTCOME_PERMANENT = 1,
    REC_OUTCOME_RETRIABLE = 2, /* ordered: a retry re-does the permanent parts too */
};

/* The outcome of work that ended with err (NULL or an empty record: stored). */
enum rec_outcome rec_outcome_of(const struct rec_error *err);

/* The outcome of work made of two parts: retriable over permanent over
 * stored (retrying redoes the whole item, so one retriable part decides). */
enum rec_outcome rec_outcome_worst(enum rec_outcome a, enum rec_outcome b);

/* "stored", "retriable" or "permanent" (static), e.g. a metric dimension. */
const char *rec_outcome_name(enum rec_outcome o);

#endif

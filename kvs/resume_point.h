/*
 * Where a GetMedia that ended early may go on from.
 *
 * GetMedia sessions end by themselves (about 45 minutes) or drop; KVS lets
 * a reader continue with StartSelector CONTINUATION_TOKEN, the value of the
 * last AWS_KINESISVIDEO_CONTINUATION_TOKEN tag it read, which resumes after
 * that fragment; without one, FRAGMENT_NUMBER of the last complete fragment
 * (that selector includes the named fragment, so the reader must skip it as
 * a re-delivery). Rule source: Kinesis Video Streams API Reference,
 * "GetMedia" (StartSelector) and "Kinesis Video Streams Fragment Metadata
 * Tags" (the continuation token tag).
 *
 * The stream's reader fills it (the recorder); the media session
 * (kvs/media_session.h) chooses the next selector from it. Plain data in the
 * caller's storage.
 */
#ifndef REC_KVS_RESUME_POINT_H
#define REC_KVS_RESUME_POINT_H

#include <stdint.h>

#include "kvs/fragment_number.h"

/* The longest continuation token kept, in bytes (KVS's are fragment-number
 * sized; a longer tag is refused by the reader's user, never cut). */
#define KVS_CONTINUATION_TOKEN_MAX 255

struct kvs_resume_point {
    /* the last AWS_KINESISVIDEO_CONTINUATION_TOKEN tag read, "" if none */
    char continuation_token[KVS_CONTINUATION_TOKEN_MAX + 1];
    /* the number of the last fragment read to its end, "" if none */
    char last_fragment[FRAGMENT_NUMBER_MAX_DIGITS + 1];
    /* fragments read to their end so far, used or not: a session that did
     * not move this delivered nothing new */
    uint64_t fragments_seen;
};

#endif

/*
 * Which GetMedia fragments belong to the recording.
 *
 * Rules (project issue; REFERENCE §1 and §2):
 *  - Fragments are identified by their AWS_KINESISVIDEO_FRAGMENT_NUMBER tag,
 *    compared as decimal numbers (kvs/fragment_number.h).
 *  - The start fragment is included; earlier ones are skipped.
 *  - The stop fragment is included and nothing after it is used: a later
 *    fragment ends the recording before any of its frames is used (the Java
 *    original let one frame of the next fragment in).
 *  - With a call ID only fragments whose call tag (Connect: ContactId;
 *    Chime: TransactionId) equals it are used; once one has been used, the
 *    first fragment of another call ends the recording (streams are reused
 *    across calls; the wanted call reappearing later is not used).
 *  - Without a call ID every fragment in the range is used.
 *  - A fragment whose number is not after the last one used is skipped:
 *    fragment numbers grow along a stream, so it is a re-delivery (a
 *    GetMedia resumed with FRAGMENT_NUMBER, which includes that fragment)
 *    and using it again would duplicate audio.
 *
 * Judgement needs tags that come at different times: KVS writes the
 * fragment number before the Cluster, Connect writes ContactId after it. So
 * a fragment is judged at its start with the tags seen so far (maybe
 * "undecided"), again at its end with all of them, or, when the input ends
 * inside it, as a cut fragment:
 *  - a complete fragment without a fragment number is skipped when a range
 *    is set; without a call tag it is skipped when a call is set (and does
 *    not end the recording: it belongs to nobody we know);
 *  - a cut fragment whose call tag never arrived is kept when a call is set
 *    and a fragment of that call was already used (the tag comes after the
 *    Cluster, so a cut right after the audio loses only the tag; a call that
 *    had not started yet gets nothing from a fragment that cannot be
 *    attributed).
 *
 * The call tag's value is compared whole, when it is read
 * (fragment_select_call), so a value of any length is judged without being
 * stored: one longer than FRAGMENT_SELECT_MAX_CALL_ID is never the wanted
 * call.
 */
#ifndef REC_RECORDER_FRAGMENT_SELECT_H
#define REC_RECORDER_FRAGMENT_SELECT_H

#include <stdint.h>

#include "common/bytes.h"
#include "kvs/fragment_number.h"

/* The longest call ID accepted, in bytes (Connect's ContactId and Chime's
 * TransactionId are 36-character UUIDs). */
#define FRAGMENT_SELECT_MAX_CALL_ID 255

enum fragment_phase {
    FRAGMENT_AT_START, /* tags before the first Cluster */
    FRAGMENT_AT_END,   /* the fragment ended: all its tags */
    FRAGMENT_CUT,      /* the input ended (or failed) inside the fragment */
};

enum fragment_verdict {
    FRAGMENT_UNDECIDED, /* only AT_START: hold the frames until the end */
    FRAGMENT_USE,
    FRAGMENT_SKIP,
    FRAGMENT_END, /* not used, and the recording is complete */
};

/* What a fragment's call tag says, as far as judging goes. */
enum fragment_call {
    FRAGMENT_CALL_UNSEEN, /* no call tag read (yet) */
    FRAGMENT_CALL_WANTED, /* it names the wanted call, or no call is wanted */
    FRAGMENT_CALL_OTHER,  /* it names another call */
};

enum fragment_done_reason {
    FRAGMENT_NOT_DONE = 0,
    FRAGMENT_DONE_STOP, /* the stop fragment was used, or a later one seen */
    FRAGMENT_DONE_CALL, /* another call followed the wanted one */
};

struct fragment_select {
    char call_id[FRAGMENT_SELECT_MAX_CALL_ID + 1]; /* "" = any call */
    char start[FRAGMENT_NUMBER_MAX_DIGITS + 1];     /* "" = from the first */
    char stop[FRAGMENT_NUMBER_MAX_DIGITS + 1];      /* "" = to the end */
    int call_used; /* a fragment of call_id has been used */
    char last_used[FRAGMENT_NUMBER_MAX_DIGITS + 1];    /* "" until a numbered fragment is used */
    enum fragment_done_reason done;
};

/* Prepares the rules (s in the caller's storage; the strings are copied);
 * any argument may be NULL or "" (no restriction). Returns 0, or
 * REC_ERR_INVALID when a fragment number is not decimal digits, start is
 * after stop, or call_id is longer than FRAGMENT_SELECT_MAX_CALL_ID. */
int fragment_select_init(struct fragment_select *s, const char *call_id, const char *start,
                         const char *stop);

/* Classifies a call tag's value (borrowed bytes, compared whole): WANTED
 * when it equals the wanted call ID or no call is wanted, else OTHER. */
enum fragment_call fragment_select_call(const struct fragment_select *s, struct rec_bytes value);

/* Judges a fragment from its fragment number tag (NULL when not seen) and
 * what its call tag said, at the given phase. Never returns UNDECIDED
 * except AT_START. FRAGMENT_END also sets s->done. Pure otherwise: call
 * fragment_select_used() once the fragment's audio is committed. */
enum fragment_verdict fragment_select_judge(struct fragment_select *s, enum fragment_phase phase,
                                            const char *number, enum fragment_call call);

/* Records that a fragment judged USE was used: it may complete the
 * recording (the stop fragment). */
void fragment_select_used(struct fragment_select *s, const char *number);

#endif

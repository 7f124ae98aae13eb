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
 *  - With a contact ID only fragments whose ContactId tag equals it are
 *    used; once one has been used, the first fragment of another contact
 *    ends the recording (streams are reused across contacts; the wanted
 *    contact reappearing later is not used).
 *  - Without a contact ID every fragment in the range is used.
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
 *    is set; without a ContactId tag it is skipped when a contact is set
 *    (and does not end the recording: it belongs to nobody we know);
 *  - a cut fragment whose ContactId tag never arrived is kept when a contact
 *    is set and a fragment of that contact was already used (the tag comes
 *    after the Cluster, so a cut right after the audio loses only the tag;
 *    a contact that had not started yet gets nothing from a fragment that
 *    cannot be attributed).
 */
#ifndef REC_RECORDER_FRAGMENT_SELECT_H
#define REC_RECORDER_FRAGMENT_SELECT_H

#include <stdint.h>

#include "kvs/fragment_number.h"

/* Longest ContactId compared (Connect's are 36-character UUIDs). */
#define FRAGMENT_SELECT_MAX_CONTACT 255

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

enum fragment_done_reason {
    FRAGMENT_NOT_DONE = 0,
    FRAGMENT_DONE_STOP,    /* the stop fragment was used, or a later one seen */
    FRAGMENT_DONE_CONTACT, /* another contact followed the wanted one */
};

struct fragment_select {
    char contact_id[FRAGMENT_SELECT_MAX_CONTACT + 1]; /* "" = any contact */
    char start[FRAGMENT_NUMBER_MAX_DIGITS + 1];        /* "" = from the first */
    char stop[FRAGMENT_NUMBER_MAX_DIGITS + 1];         /* "" = to the end */
    int contact_used; /* a fragment of contact_id has been used */
    char last_used[FRAGMENT_NUMBER_MAX_DIGITS + 1];    /* "" until a numbered fragment is used */
    enum fragment_done_reason done;
};

/* Prepares the rules; any argument may be NULL or "" (no restriction).
 * Returns 0, or REC_ERR_INVALID when a fragment number is not decimal
 * digits, start is after stop, or contact_id is longer than
 * FRAGMENT_SELECT_MAX_CONTACT. */
int fragment_select_init(struct fragment_select *s, const char *contact_id, const char *start,
                         const char *stop);

/* Judges a fragment from its fragment number and ContactId tags (NULL when
 * not seen) at the given phase. Never returns UNDECIDED except AT_START.
 * FRAGMENT_END also sets s->done. Pure otherwise: call
 * fragment_select_used() once the fragment's audio is committed. */
enum fragment_verdict fragment_select_judge(struct fragment_select *s, enum fragment_phase phase,
                                            const char *number, const char *contact);

/* Records that a fragment judged USE was used: it may complete the
 * recording (the stop fragment). */
void fragment_select_used(struct fragment_select *s, const char *number);

#endif

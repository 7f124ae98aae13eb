#include "recorder/fragment_select.h"

#include <stdio.h>
#include <string.h>

#include "common/error.h"

int fragment_select_init(struct fragment_select *s, const char *contact_id, const char *start,
                         const char *stop)
{
    memset(s, 0, sizeof(*s));
    if (contact_id && strlen(contact_id) > FRAGMENT_SELECT_MAX_CONTACT)
        return REC_ERR_INVALID;
    if ((start && *start && !fragment_number_valid(start)) ||
        (stop && *stop && !fragment_number_valid(stop)))
        return REC_ERR_INVALID;
    if (start && *start && stop && *stop && fragment_number_cmp(start, stop) > 0)
        return REC_ERR_INVALID;
    /* Lengths were checked above: these copies are whole. */
    strcpy(s->contact_id, contact_id ? contact_id : "");
    strcpy(s->start, start ? start : "");
    strcpy(s->stop, stop ? stop : "");
    return 0;
}

enum fragment_verdict fragment_select_judge(struct fragment_select *s, enum fragment_phase phase,
                                            const char *number, const char *contact)
{
    if (s->done)
        return FRAGMENT_END;
    if (s->last_used[0] && number && fragment_number_valid(number) &&
        fragment_number_cmp(number, s->last_used) <= 0)
        return FRAGMENT_SKIP;
    if (s->start[0] || s->stop[0]) {
        if (!number || !fragment_number_valid(number)) {
            if (phase == FRAGMENT_AT_START)
                return FRAGMENT_UNDECIDED;
            return FRAGMENT_SKIP; /* cannot be placed in the range */
        }
        if (s->start[0] && fragment_number_cmp(number, s->start) < 0)
            return FRAGMENT_SKIP;
        if (s->stop[0] && fragment_number_cmp(number, s->stop) > 0) {
            s->done = FRAGMENT_DONE_STOP;
            return FRAGMENT_END;
        }
    }
    if (s->contact_id[0]) {
        if (!contact) {
            if (phase == FRAGMENT_AT_START)
                return FRAGMENT_UNDECIDED;
            if (phase == FRAGMENT_CUT && s->contact_used)
                return FRAGMENT_USE;
            return FRAGMENT_SKIP;
        }
        if (strcmp(contact, s->contact_id) != 0) {
            if (s->contact_used) {
                s->done = FRAGMENT_DONE_CONTACT;
                return FRAGMENT_END;
            }
            return FRAGMENT_SKIP;
        }
    }
    return FRAGMENT_USE;
}

void fragment_select_used(struct fragment_select *s, const char *number)
{
    if (s->contact_id[0])
        s->contact_used = 1;
    if (number && fragment_number_valid(number) && strlen(number) < sizeof(s->last_used))
        strcpy(s->last_used, number);
    if (s->stop[0] && number && fragment_number_valid(number) &&
        fragment_number_cmp(number, s->stop) >= 0)
        s->done = FRAGMENT_DONE_STOP;
}

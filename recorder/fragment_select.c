#include "recorder/fragment_select.h"

#include <string.h>

#include "common/error.h"

int fragment_select_init(struct fragment_select *s, const char *call_id, const char *start,
                         const char *stop)
{
    memset(s, 0, sizeof(*s));
    if ((start && *start && !fragment_number_valid(start)) ||
        (stop && *stop && !fragment_number_valid(stop)))
        return REC_ERR_INVALID;
    if (start && *start && stop && *stop && fragment_number_cmp(start, stop) > 0)
        return REC_ERR_INVALID;
    /* Valid fragment numbers fit; a call ID that does not is refused. */
    if (rec_str_copy(s->call_id, sizeof(s->call_id), call_id) ||
        rec_str_copy(s->start, sizeof(s->start), start) ||
        rec_str_copy(s->stop, sizeof(s->stop), stop))
        return REC_ERR_INVALID;
    return 0;
}

enum fragment_call fragment_select_call(const struct fragment_select *s, struct rec_bytes value)
{
    if (!s->call_id[0] || rec_bytes_eq_str(value, s->call_id))
        return FRAGMENT_CALL_WANTED;
    return FRAGMENT_CALL_OTHER;
}

enum fragment_verdict fragment_select_judge(struct fragment_select *s, enum fragment_phase phase,
                                            const char *number, enum fragment_call call)
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
    if (s->call_id[0]) {
        if (call == FRAGMENT_CALL_UNSEEN) {
            if (phase == FRAGMENT_AT_START)
                return FRAGMENT_UNDECIDED;
            if (phase == FRAGMENT_CUT && s->call_used)
                return FRAGMENT_USE;
            return FRAGMENT_SKIP;
        }
        if (call == FRAGMENT_CALL_OTHER) {
            if (s->call_used) {
                s->done = FRAGMENT_DONE_CALL;
                return FRAGMENT_END;
            }
            return FRAGMENT_SKIP;
        }
    }
    return FRAGMENT_USE;
}

void fragment_select_used(struct fragment_select *s, const char *number)
{
    if (s->call_id[0])
        s->call_used = 1;
    if (number && fragment_number_valid(number))
        rec_str_copy(s->last_used, sizeof(s->last_used), number); /* valid: it fits */
    if (s->stop[0] && number && fragment_number_valid(number) &&
        fragment_number_cmp(number, s->stop) >= 0)
        s->done = FRAGMENT_DONE_STOP;
}

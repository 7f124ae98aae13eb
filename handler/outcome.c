#include "handler/outcome.h"

enum rec_outcome rec_outcome_of(const struct rec_error *err)
{
    if (!rec_error_is_set(err))
        return REC_OUTCOME_STORED;
    return err->retriable ? REC_OUTCOME_RETRIABLE : REC_OUTCOME_PERMANENT;
}

enum rec_outcome rec_outcome_worst(enum rec_outcome a, enum rec_outcome b)
{
    return a > b ? a : b;
}

const char *rec_outcome_name(enum rec_outcome o)
{
    switch (o) {
    case REC_OUTCOME_STORED: return "stored";
    case REC_OUTCOME_RETRIABLE: return "retriable";
    default: return "permanent";
    }
}

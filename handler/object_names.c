#include "handler/object_names.h"

#include <stdio.h>

#include "common/error.h"

static const char *const kinds[RECORDER_OUTPUTS] = { "from_customer", "to_customer", "mixed" };
static const char *const attributes[RECORDER_OUTPUTS] = { "audioFromCustomer", "audioToCustomer",
                                                           "audioMixed" };

int object_key(const char *prefix, int year, int month, int day, const char *contact_id,
               enum recorder_output which, unsigned index, char *out, size_t cap)
{
    char suffix[16] = "";
    if (index >= 2)
        snprintf(suffix, sizeof(suffix), "_%u", index);
    int n = snprintf(out, cap, "%s%d/%d/%d/%s_audio_%s%s.wav", prefix ? prefix : "", year, month, day,
                     contact_id, kinds[which], suffix);
    return n < 0 || (size_t)n >= cap ? REC_ERR_LIMIT : 0;
}

const char *object_attribute_name(enum recorder_output which)
{
    return attributes[which];
}

#include "connect/object_names.h"

#include <stdio.h>

#include "common/error.h"

static const char *const kinds[CONNECT_AUDIO_KINDS] = { "from_customer", "to_customer", "mixed" };
static const char *const attributes[CONNECT_AUDIO_KINDS] = { "audioFromCustomer", "audioToCustomer",
                                                             "audioMixed" };

int object_key(const char *prefix, int year, int month, int day, const char *contact_id,
               enum connect_audio which, unsigned index, const char *extension, char *out, size_t cap)
{
    char suffix[16] = "";
    if (index >= 2)
        snprintf(suffix, sizeof(suffix), "_%u", index);
    int n = snprintf(out, cap, "%s%d/%d/%d/%s_audio_%s%s.%s", prefix ? prefix : "", year, month, day,
                     contact_id, kinds[which], suffix, extension);
    if (n < 0 || (size_t)n >= cap || n > CONNECT_OBJECT_KEY_MAX) {
        if (cap)
            out[0] = '\0';
        return REC_ERR_LIMIT;
    }
    return 0;
}

const char *object_attribute_name(enum connect_audio which)
{
    return attributes[which];
}

int object_url_append(struct rec_buf *list, const char *domain, const char *key)
{
    size_t before = list->len;
    int rc = before ? rec_buf_append_str(list, ", ") : 0;
    if (!rc)
        rc = rec_buf_printf(list, "%s/%s", domain, key);
    if (rc)
        rec_buf_truncate(list, before); /* nothing partial */
    return rc;
}

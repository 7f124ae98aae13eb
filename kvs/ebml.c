#include "kvs/ebml.h"

#include <string.h>

int ebml_parse_header(const uint8_t *p, size_t avail, struct ebml_header *h)
{
    if (avail < 1)
        return EBML_NEED_MORE;
    unsigned id_len = ebml_id_width(p[0]);
    if (!id_len)
        return EBML_BAD_ID_WIDTH;
    if (avail < id_len)
        return EBML_NEED_MORE;
    int ones;
    uint64_t id_data = ebml_vint_value(p, id_len, &ones);
    if (ones || id_data == 0)
        return EBML_BAD_ID_VALUE;
    if (avail < (size_t)id_len + 1)
        return EBML_NEED_MORE;
    unsigned size_len = ebml_vint_width(p[id_len]);
    if (!size_len)
        return EBML_BAD_SIZE_WIDTH;
    if (avail < (size_t)id_len + size_len)
        return EBML_NEED_MORE;
    h->id = (uint32_t)ebml_read_uint(p, id_len);
    h->id_len = id_len;
    h->size = ebml_vint_value(p + id_len, size_len, &h->unknown_size);
    h->len = id_len + size_len;
    return (int)h->len;
}

int ebml_read_float(const uint8_t *p, size_t n, double *out)
{
    if (n == 0) {
        *out = 0.0;
    } else if (n == 4) {
        uint32_t bits = (uint32_t)ebml_read_uint(p, 4);
        float f;
        memcpy(&f, &bits, sizeof f);
        *out = f;
    } else if (n == 8) {
        uint64_t bits = ebml_read_uint(p, 8);
        memcpy(out, &bits, sizeof *out);
    } else {
        return -1;
    }
    return 0;
}

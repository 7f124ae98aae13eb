#include "common/bytes.h"

#include <string.h>

#include "common/error.h"

struct rec_bytes rec_bytes_of_str(const char *s)
{
    return (struct rec_bytes){ (const uint8_t *)(s ? s : ""), s ? strlen(s) : 0 };
}

struct rec_bytes rec_bytes_of(const void *p, size_t len)
{
    return (struct rec_bytes){ len ? p : (const uint8_t *)"", len };
}

int rec_bytes_eq_str(struct rec_bytes b, const char *s)
{
    size_t n = s ? strlen(s) : 0;
    return b.len == n && (n == 0 || memcmp(b.ptr, s, n) == 0);
}

int rec_bytes_copy_str(struct rec_bytes b, char *dst, size_t cap)
{
    if (cap == 0)
        return REC_ERR_LIMIT;
    dst[0] = '\0';
    if (b.len >= cap)
        return REC_ERR_LIMIT;
    if (b.len && memchr(b.ptr, '\0', b.len))
        return REC_ERR_INVALID;
    if (b.len)
        memcpy(dst, b.ptr, b.len);
    dst[b.len] = '\0';
    return 0;
}

int rec_str_copy(char *dst, size_t cap, const char *src)
{
    return rec_bytes_copy_str(rec_bytes_of_str(src), dst, cap);
}


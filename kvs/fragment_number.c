#include "kvs/fragment_number.h"

#include <string.h>

int fragment_number_valid(const char *s)
{
    if (!s || !*s)
        return 0;
    size_t n = 0;
    for (; s[n]; n++) {
        if (s[n] < '0' || s[n] > '9' || n >= FRAGMENT_NUMBER_MAX_DIGITS)
            return 0;
    }
    return 1;
}

static const char *skip_leading_zeros(const char *s)
{
    /* "000" is zero: keep one digit so it compares equal to "0". */
    while (s[0] == '0' && s[1] != '\0')
        s++;
    return s;
}

int fragment_number_cmp(const char *a, const char *b)
{
    a = skip_leading_zeros(a);
    b = skip_leading_zeros(b);
    size_t la = strlen(a), lb = strlen(b);
    if (la != lb)
        return la < lb ? -1 : 1;
    int c = memcmp(a, b, la);
    return (c > 0) - (c < 0);
}

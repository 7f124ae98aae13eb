#include "common/rfc3339.h"

#include <stdio.h>
#include <string.h>

#include "common/error.h"

int64_t rec_days_from_civil(int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned)(y - era * 400);
    unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

/* Reads exactly n decimal digits at *p into *out, advancing *p. */
static int digits(const char **p, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++, (*p)++) {
        if (**p < '0' || **p > '9')
            return -1;
        v = v * 10 + (**p - '0');
    }
    *out = v;
    return 0;
}

/* Consumes one character of set at *p. */
static int expect(const char **p, char a, char b)
{
    if (**p != a && **p != b)
        return -1;
    (*p)++;
    return 0;
}

/* The zone after the time: Z, or +HH:MM / -HH:MM, in minutes east of UTC. */
static int zone(const char **p, int *minutes)
{
    if (**p == 'Z' || **p == 'z') {
        (*p)++;
        *minutes = 0;
        return 0;
    }
    int sign = **p == '+' ? 1 : **p == '-' ? -1 : 0;
    int hh, mm;
    if (!sign)
        return -1;
    (*p)++;
    if (digits(p, 2, &hh) || expect(p, ':', ':') || digits(p, 2, &mm) || hh > 23 || mm > 59)
        return -1;
    *minutes = sign * (hh * 60 + mm);
    return 0;
}

static int days_in_month(int y, int m)
{
    static const unsigned char days[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return days[m - 1] + (m == 2 && leap);
}

/* The fraction after the seconds, if any: milliseconds (digits past the
 * third dropped); "." without a digit is refused. */
static int fraction(const char **p, int *ms)
{
    *ms = 0;
    if (**p != '.')
        return 0;
    (*p)++;
    int k = 0;
    for (; **p >= '0' && **p <= '9'; (*p)++, k++)
        if (k < 3)
            *ms = *ms * 10 + (**p - '0');
    for (int i = k; i < 3; i++)
        *ms *= 10;
    return k ? 0 : -1;
}

int rec_rfc3339_parse(const char *text, int64_t *ms)
{
    if (!text)
        return REC_ERR_INVALID;
    const char *p = text;
    int y, mo, d, h, mi, sec, frac_ms, zone_min;
    if (digits(&p, 4, &y) || expect(&p, '-', '-') || digits(&p, 2, &mo) || expect(&p, '-', '-') ||
        digits(&p, 2, &d) || expect(&p, 'T', 't') || digits(&p, 2, &h) || expect(&p, ':', ':') ||
        digits(&p, 2, &mi) || expect(&p, ':', ':') || digits(&p, 2, &sec) || fraction(&p, &frac_ms) ||
        zone(&p, &zone_min) || *p)
        return REC_ERR_INVALID;
    if (mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo) || h > 23 || mi > 59 || sec > 60)
        return REC_ERR_INVALID;
    int64_t secs = rec_days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400 + h * 3600 + mi * 60 + sec -
                   (int64_t)zone_min * 60;
    *ms = secs * 1000 + frac_ms;
    return 0;
}

int rec_rfc3339_format(int64_t ms, char out[REC_RFC3339_MAX])
{
    out[0] = '\0';
    /* 253402300800000: 10000-01-01T00:00:00Z */
    if (ms < 0 || ms >= 253402300800000LL)
        return REC_ERR_INVALID;
    int64_t secs = ms / 1000, days = secs / 86400, rem = secs % 86400;
    /* civil_from_days, for days >= 0 */
    int64_t z = days + 719468;
    int64_t era = z / 146097;
    unsigned doe = (unsigned)(z - era * 146097);
    unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    unsigned mp = (5 * doy + 2) / 153;
    unsigned d = doy - (153 * mp + 2) / 5 + 1;
    unsigned m = mp < 10 ? mp + 3 : mp - 9;
    int64_t y = (int64_t)yoe + era * 400 + (m <= 2);
    /* the compiler cannot bound the fields, so print where any width fits */
    char text[64];
    int n = snprintf(text, sizeof(text), "%04d-%02u-%02uT%02d:%02d:%02d.%03dZ", (int)y, m, d,
                     (int)(rem / 3600), (int)(rem / 60 % 60), (int)(rem % 60), (int)(ms % 1000));
    if (n != REC_RFC3339_MAX - 1)
        return REC_ERR_INVALID;
    memcpy(out, text, REC_RFC3339_MAX);
    return 0;
}

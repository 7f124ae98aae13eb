#include "aws/retry.h"

#include <ctype.h>
#include <string.h>
#include <time.h>

#include "common/error.h"

void rec_aws_retry_policy_default(struct rec_aws_retry_policy *p)
{
    p->max_attempts = 5;
    p->base_delay_ms = 100;
    p->throttle_base_delay_ms = 500;
    p->max_delay_ms = 20000;
}

int rec_aws_is_throttling(long status, const char *code)
{
    static const char *const codes[] = {
        "ThrottlingException", "ClientLimitExceededException", "ConnectionLimitExceededException",
        "SlowDown", "RequestLimitExceeded", "Throttling", "ThrottledException",
        "TooManyRequestsException", "ProvisionedThroughputExceededException",
        "RequestThrottled", "RequestThrottledException",
    };
    if (status == 429)
        return 1;
    if (code)
        for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++)
            if (strcmp(code, codes[i]) == 0)
                return 1;
    return 0;
}

int rec_aws_is_retriable(long status, const char *code, int transport_failed)
{
    if (transport_failed)
        return 1;
    if (rec_aws_is_throttling(status, code))
        return 1;
    if (status >= 500 && status <= 599)
        return 1;
    if (code && (strcmp(code, "RequestTimeout") == 0 || strcmp(code, "RequestTimeoutException") == 0))
        return 1;
    return 0;
}

uint32_t rec_aws_backoff_ms(const struct rec_aws_retry_policy *p, unsigned retry, int throttled,
                            uint64_t random)
{
    uint64_t cap = throttled ? p->throttle_base_delay_ms : p->base_delay_ms;
    for (unsigned i = 1; i < retry && cap < p->max_delay_ms; i++)
        cap *= 2;
    if (cap > p->max_delay_ms)
        cap = p->max_delay_ms;
    /* random in [0, cap]: the top 32 bits scaled, no modulo bias worth noting */
    return (uint32_t)(((random >> 32) * (cap + 1)) >> 32);
}

static uint32_t saturate_ms(uint64_t ms)
{
    return ms > UINT32_MAX ? UINT32_MAX : (uint32_t)ms;
}

int rec_aws_retry_after_ms(const char *value, int64_t now_ms, uint32_t *out_ms)
{
    if (!value)
        return REC_ERR_INVALID;
    while (*value == ' ' || *value == '\t')
        value++;
    size_t len = strlen(value);
    while (len && (value[len - 1] == ' ' || value[len - 1] == '\t'))
        len--;
    if (len == 0)
        return REC_ERR_INVALID;
    if (isdigit((unsigned char)value[0])) {
        uint64_t secs = 0;
        for (size_t i = 0; i < len; i++) {
            if (!isdigit((unsigned char)value[i]))
                return REC_ERR_INVALID;
            if (secs < UINT32_MAX) /* saturates: any larger wait is refused anyway */
                secs = secs * 10 + (uint64_t)(value[i] - '0');
        }
        *out_ms = saturate_ms(secs * 1000);
        return 0;
    }
    /* IMF-fixdate, the one form RFC 9110 says senders generate */
    struct tm tm;
    memset(&tm, 0, sizeof(tm));
    const char *end = strptime(value, "%a, %d %b %Y %H:%M:%S GMT", &tm);
    if (!end || (size_t)(end - value) != len)
        return REC_ERR_INVALID;
    int64_t at_ms = (int64_t)timegm(&tm) * 1000;
    *out_ms = at_ms > now_ms ? saturate_ms((uint64_t)(at_ms - now_ms)) : 0;
    return 0;
}

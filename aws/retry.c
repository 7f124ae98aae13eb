#include "aws/retry.h"

#include <string.h>

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

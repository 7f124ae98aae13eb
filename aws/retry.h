/*
 * Which failures are worth another attempt, and how long to wait first.
 *
 * Rule sources: AWS SDKs and Tools Reference Guide, "Retry behavior"
 * (standard mode: transient errors = 5xx, connection failures, timeouts;
 * throttling errors retried with backoff); "Exponential Backoff And Jitter"
 * (AWS Architecture Blog, 2015) for full jitter:
 *   delay = random(0, min(max_delay, base * 2^(retry-1))).
 * Throttling gets a larger base (as the Java SDK v2 does) because the service
 * has said it is overloaded. Codes: the KVS API reference lists
 * ClientLimitExceededException and ConnectionLimitExceededException (400)
 * for throttling; S3 answers SlowDown (503); Connect ThrottlingException
 * (429); EC2-style services RequestLimitExceeded.
 *
 * A service that says how long to wait (Retry-After, RFC 9110 §10.2.3:
 * delay-seconds or an HTTP-date; S3 and the JSON services send it with 503
 * and 429) is waited at least that long: retrying sooner only earns another
 * refusal. The request layer still never waits past the caller's deadline,
 * and a wait longer than REC_AWS_RETRY_AFTER_MAX_MS is not started at all:
 * the failure goes back retriable, for Lambda to deliver the record again
 * later instead of holding the invocation.
 */
#ifndef REC_AWS_RETRY_H
#define REC_AWS_RETRY_H

#include <stdint.h>

/* The longest Retry-After the layer waits, ms (two minutes). */
#define REC_AWS_RETRY_AFTER_MAX_MS 120000u

struct rec_aws_retry_policy {
    unsigned max_attempts;           /* attempts in all, first one included (>= 1) */
    unsigned base_delay_ms;          /* first retry of a transient error waits up to this */
    unsigned throttle_base_delay_ms; /* first retry after throttling waits up to this */
    unsigned max_delay_ms;           /* cap on any single wait */
};

/* 5 attempts, 100 ms / 500 ms bases, 20 s cap. */
void rec_aws_retry_policy_default(struct rec_aws_retry_policy *p);

/* Non-zero for a throttling answer: HTTP 429, or one of the codes above. */
int rec_aws_is_throttling(long status, const char *code);

/* Non-zero when the same request may succeed later: throttling, any 5xx, S3's
 * RequestTimeout (400), or a transport failure (status 0 with
 * transport_failed set). 4xx answers (403 SignatureDoesNotMatch, 404, ...)
 * are permanent. */
int rec_aws_is_retriable(long status, const char *code, int transport_failed);

/* Milliseconds to wait before retry number `retry` (1 for the wait after the
 * first attempt), full jitter: random scaled into [0, cap]. random is any
 * 64-bit random value (the caller draws it, so tests can fix it). */
uint32_t rec_aws_backoff_ms(const struct rec_aws_retry_policy *p, unsigned retry, int throttled,
                            uint64_t random);

/* Parses a Retry-After value: delay-seconds ("3") or an IMF-fixdate HTTP-date
 * ("Sun, 06 Nov 1994 08:49:37 GMT", compared with now_ms, Unix epoch ms; a
 * date in the past is 0 ms). Leading and trailing spaces are ignored.
 * Returns 0 with *out_ms (milliseconds to wait, saturated at UINT32_MAX), or
 * REC_ERR_INVALID (NULL, empty, negative or any other text: the header is
 * then ignored and the usual backoff applies). */
int rec_aws_retry_after_ms(const char *value, int64_t now_ms, uint32_t *out_ms);

#endif

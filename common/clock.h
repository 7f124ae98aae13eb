/*
 * The process's clocks, in one place.
 *
 * Deadlines come from Lambda as Unix epoch milliseconds
 * (Lambda-Runtime-Deadline-Ms, "Using the Lambda runtime API for custom
 * runtimes"), so the wall clock (CLOCK_REALTIME) is the one deadlines are
 * compared with. Durations (idle detection, elapsed times) use the
 * monotonic clock, which no clock adjustment moves.
 */
#ifndef REC_COMMON_CLOCK_H
#define REC_COMMON_CLOCK_H

#include <stdint.h>

/* Milliseconds since the Unix epoch now (CLOCK_REALTIME). */
int64_t rec_clock_now_ms(void);

/* Milliseconds on the monotonic clock (CLOCK_MONOTONIC); only differences
 * mean anything. */
int64_t rec_clock_mono_ms(void);

/* Sleeps ms milliseconds, resuming after signals (EINTR). */
void rec_clock_sleep_ms(uint32_t ms);

#endif

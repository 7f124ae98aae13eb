/*
 * RFC 3339 date-times, the one parser and formatter every room uses.
 *
 * Contact trace records (StartTimestamp, StopTimestamp), EventBridge
 * events ("time", Chime's startTime/endTime) and the video table's
 * createdAt all carry "YYYY-MM-DDTHH:MM:SS[.fraction](Z|+HH:MM|-HH:MM)"
 * (RFC 3339 §5.6, "Internet Date/Time Format"). Dates are proleptic
 * Gregorian and converted without the C library's time zone machinery
 * (H. Hinnant, "chrono-Compatible Low-Level Date Algorithms":
 * days_from_civil / civil_from_days), so results do not depend on TZ and
 * hold for every year 0000-9999.
 */
#ifndef REC_COMMON_RFC3339_H
#define REC_COMMON_RFC3339_H

#include <stdint.h>

/* Bytes a formatted time takes with its NUL: "2024-01-02T03:04:05.678Z". */
#define REC_RFC3339_MAX 25

/* Days from 1970-01-01 to the date y-m-d (m 1-12, d 1-31; proleptic
 * Gregorian; negative before 1970). The caller checks the date is real. */
int64_t rec_days_from_civil(int64_t y, unsigned m, unsigned d);

/* Parses an RFC 3339 date-time (§5.6 "date-time": 'T' or 't', 'Z', 'z' or
 * a +HH:MM / -HH:MM offset, a fraction of any length, of which milliseconds
 * are kept and the rest dropped) into Unix epoch milliseconds (negative
 * before 1970). The whole string must be the date-time: no spaces, nothing
 * after it. The day must exist in its month (leap years counted); a second
 * of 60 (a leap second) is accepted and counts as the next second's start.
 * Returns 0, or REC_ERR_INVALID (text NULL or not such a date-time); *ms is
 * written only on success. */
int rec_rfc3339_parse(const char *text, int64_t *ms);

/* Writes epoch ms as "YYYY-MM-DDTHH:MM:SS.mmmZ" (UTC, always milliseconds:
 * JavaScript's toISOString form, what the seeds store) into out. Returns 0,
 * or REC_ERR_INVALID for a time before 1970 or after 9999 (out is then the
 * empty string). */
int rec_rfc3339_format(int64_t ms, char out[REC_RFC3339_MAX]);

#endif

/*
 * Kinesis Video Streams fragment numbers.
 *
 * A fragment number (the AWS_KINESISVIDEO_FRAGMENT_NUMBER tag, and Connect's
 * FragmentStartNumber / FragmentStopNumber in the contact trace record) is a
 * decimal string of about 47 digits: far beyond any integer type, so it is
 * compared as text. Rule source: KVS API reference (FragmentNumber, "a string
 * of digits") and the Connect samples, which compare by length and then
 * lexically; leading zeros are stripped first so "007" equals "7".
 */
#ifndef REC_KVS_FRAGMENT_NUMBER_H
#define REC_KVS_FRAGMENT_NUMBER_H

#include <stddef.h>

/* The longest fragment number accepted, in digits (KVS uses 47; the slack
 * keeps odd producers working without letting a tag grow without bound). */
#define FRAGMENT_NUMBER_MAX_DIGITS 96

/* Non-zero when s is 1..FRAGMENT_NUMBER_MAX_DIGITS ASCII digits and nothing
 * else (no sign, no spaces). s may be NULL (gives 0). */
int fragment_number_valid(const char *s);

/* Compares two valid fragment numbers as decimal integers: <0, 0 or >0 like
 * strcmp. Leading zeros do not count. Both must satisfy
 * fragment_number_valid (checked by the caller; invalid input compares as
 * text, without crashing). */
int fragment_number_cmp(const char *a, const char *b);

#endif

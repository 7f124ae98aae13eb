/*
 * Names of the recordings in S3 and their URLs on the contact, exactly as
 * the original sample wrote them (../shared/REFERENCE.md §1), plus the fix
 * for several KVS recordings in one CTR (later ones get _2, _3, ...).
 */
#ifndef REC_HANDLER_OBJECT_NAMES_H
#define REC_HANDLER_OBJECT_NAMES_H

#include <stddef.h>

#include "recorder/output.h"

/* Writes the S3 key
 *   PREFIX + Y/M/D/ + <contactId>_audio_{from_customer,to_customer,mixed}[_N].wav
 * (month and day not zero-padded; _N only for index >= 2; index counts the
 * CTR's KVS recordings from 1) into out (cap bytes, NUL-terminated).
 * Returns 0, or REC_ERR_LIMIT when it does not fit. */
int object_key(const char *prefix, int year, int month, int day, const char *contact_id,
               enum recorder_output which, unsigned index, char *out, size_t cap);

/* The attribute names the original stores on the contact, by output. */
const char *object_attribute_name(enum recorder_output which);

#endif

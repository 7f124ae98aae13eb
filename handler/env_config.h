/*
 * Reading a handler's configuration from the environment the SAM template
 * sets: one place for the rules every handler follows.
 *
 * A variable that is unset or empty takes its default (or, when required,
 * is an init error naming it); a value that does not fit its storage or its
 * range is an init error naming it, never a shorter or clamped value.
 * Errors go to err with code REC_ERR_CONFIG (never retriable: Lambda
 * reports an init error and the function must be reconfigured).
 */
#ifndef REC_HANDLER_ENV_CONFIG_H
#define REC_HANDLER_ENV_CONFIG_H

#include <stddef.h>

#include "common/error.h"

/* Where an AWS client's settings come from (aws/, sigv4/credentials.h),
 * for the init error of a client that could not be created. */
#define ENV_CLIENT_HINT \
    "credentials and region come from AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY and AWS_REGION or REGION"

/* Copies variable name (or fallback when unset or empty; required: then an
 * error) into dst (cap bytes). Returns 0 or REC_ERR_CONFIG. */
int env_text(const char *name, const char *fallback, int required, char *dst, size_t cap,
             struct rec_error *err);

/* Reads variable name as a whole decimal number in [min, max] (fallback when
 * unset or empty). Returns 0 or REC_ERR_CONFIG. */
int env_number(const char *name, long long fallback, long long min, long long max, long long *out,
               struct rec_error *err);

/* Reads variable name as one of the n choices (exact, case-sensitive), the
 * index into *out; fallback when unset or empty. Returns 0 or
 * REC_ERR_CONFIG naming the choices. */
int env_choice(const char *name, const char *const *choices, size_t n, size_t fallback, size_t *out,
               struct rec_error *err);

#endif

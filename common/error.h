/*
 * Error codes shared by every module.
 *
 * Convention (as in awslabs/aws-c-common): a function returns 0 on success or
 * one of the negative REC_ERR_* codes below; results travel through
 * out-parameters. Modules that need a longer explanation keep a message in
 * their own context (e.g. the Matroska reader's sticky error).
 */
#ifndef REC_COMMON_ERROR_H
#define REC_COMMON_ERROR_H

enum rec_error {
    REC_OK = 0,
    REC_ERR_NOMEM = -1,       /* an allocation failed */
    REC_ERR_INVALID = -2,     /* malformed input or bad argument */
    REC_ERR_UNSUPPORTED = -3, /* well-formed but not something we handle */
    REC_ERR_LIMIT = -4,       /* a configured hard cap was reached */
    REC_ERR_IO = -5,          /* file or socket I/O failed */
    REC_ERR_HTTP = -6,        /* transport failure (connect, TLS, reset) */
    REC_ERR_AWS = -7,         /* the service answered with an error */
    REC_ERR_TIMEOUT = -8,     /* a deadline passed */
    REC_ERR_TRUNCATED = -9,   /* input ended inside a unit (fragment, request) */
    REC_ERR_NOT_FOUND = -10,  /* a named thing does not exist */
    REC_ERR_CONFIG = -11,     /* missing or bad configuration (environment) */
    REC_ERR_STATE = -12,      /* called in the wrong state (e.g. after a sticky error) */
};

/* Inside a function with `int rc` and a `cleanup:` label: runs expr, and on
 * a non-zero result jumps to cleanup with rc holding it. */
#define REC_TRY(expr)         \
    do {                      \
        rc = (expr);          \
        if (rc)               \
            goto cleanup;     \
    } while (0)

/* A short static English name for an error code ("out of memory", ...).
 * Never returns NULL; unknown codes give "unknown error". */
const char *rec_strerror(int err);

#endif

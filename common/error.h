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

enum rec_error_code {
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
    REC_ERR_CONDITION = -13,  /* a conditional write's condition did not hold */
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

/*
 * The error record: the one channel every module reports a failure through.
 *
 * A failure is three things a caller needs: the code (REC_ERR_*), whether
 * the same work may succeed if tried again later (throttling, 5xx, network,
 * a deadline), and a sentence for the log. The first failure recorded is
 * the one kept (later ones are its consequences), as the Matroska reader's
 * sticky error. The record lives in the caller's storage and owns nothing,
 * so it needs no clean-up; a module that fails writes into the record its
 * caller passed down instead of keeping its own message.
 *
 * The handlers turn a record into an outcome in one place
 * (handler/outcome.h): stored, retriable or permanent.
 */
#define REC_ERROR_MESSAGE_MAX 512 /* bytes, NUL included; longer messages are cut */

struct rec_error {
    int code;       /* 0 (no failure) or a REC_ERR_* code */
    int retriable;  /* 1: trying the same work again later may succeed */
    char message[REC_ERROR_MESSAGE_MAX]; /* "" when code is 0 */
};

/* Empties the record (code 0, not retriable, ""). */
void rec_error_clear(struct rec_error *e);

/* Records a failure unless one is already recorded (the first one wins).
 * code must be a negative REC_ERR_*; fmt is printf-style text for people
 * (never secrets), cut to REC_ERROR_MESSAGE_MAX - 1 bytes. Returns the code
 * kept in the record (the earlier one when there was one), so a failing
 * function can `return rec_error_set(err, REC_ERR_INVALID, 0, "...")`. A NULL
 * record is allowed (the caller does not want details): returns code. */
int rec_error_set(struct rec_error *e, int code, int retriable, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Records src's failure in dst, its message after "context: " (context
 * may be NULL). Nothing happens when src holds no failure or dst already
 * does. Returns dst's code. */
int rec_error_wrap(struct rec_error *dst, const struct rec_error *src, const char *context);

/* Non-zero when the record holds a failure. NULL holds none. */
int rec_error_is_set(const struct rec_error *e);

#endif

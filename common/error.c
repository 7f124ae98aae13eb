#include "common/error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

const char *rec_strerror(int err)
{
    switch (err) {
    case REC_OK: return "success";
    case REC_ERR_NOMEM: return "out of memory";
    case REC_ERR_INVALID: return "invalid input";
    case REC_ERR_UNSUPPORTED: return "unsupported";
    case REC_ERR_LIMIT: return "limit exceeded";
    case REC_ERR_IO: return "I/O error";
    case REC_ERR_HTTP: return "HTTP transport error";
    case REC_ERR_AWS: return "AWS service error";
    case REC_ERR_TIMEOUT: return "deadline exceeded";
    case REC_ERR_TRUNCATED: return "truncated input";
    case REC_ERR_NOT_FOUND: return "not found";
    case REC_ERR_CONFIG: return "configuration error";
    case REC_ERR_STATE: return "invalid state";
    case REC_ERR_CONDITION: return "condition not met";
    default: return "unknown error";
    }
}

void rec_error_clear(struct rec_error *e)
{
    e->code = 0;
    e->retriable = 0;
    e->message[0] = '\0';
}

int rec_error_set(struct rec_error *e, int code, int retriable, const char *fmt, ...)
{
    if (!e)
        return code;
    if (e->code)
        return e->code;
    e->code = code < 0 ? code : REC_ERR_STATE; /* a success code is a caller bug */
    e->retriable = !!retriable;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e->message, sizeof(e->message), fmt, ap);
    va_end(ap);
    return e->code;
}

int rec_error_wrap(struct rec_error *dst, const struct rec_error *src, const char *context)
{
    if (!dst)
        return src ? src->code : 0;
    if (dst->code || !src || !src->code)
        return dst->code;
    if (context && *context)
        return rec_error_set(dst, src->code, src->retriable, "%s: %s", context, src->message);
    return rec_error_set(dst, src->code, src->retriable, "%s", src->message);
}

int rec_error_is_set(const struct rec_error *e)
{
    return e && e->code != 0;
}

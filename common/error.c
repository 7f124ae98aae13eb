#include "common/error.h"

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
    default: return "unknown error";
    }
}

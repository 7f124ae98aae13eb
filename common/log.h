/*
 * Structured logging for Lambda.
 *
 * AWS_LAMBDA_LOG_FORMAT=JSON writes one JSON object per line with timestamp,
 * level, message, requestId and the given fields; TEXT (the default) writes
 * "timestamp\tLEVEL\trequestId\tmessage key=value ...". AWS_LAMBDA_LOG_LEVEL
 * (TRACE, DEBUG, INFO, WARN, ERROR, FATAL; default INFO) filters.
 * Rule source: "Configuring advanced logging controls for Lambda functions"
 * (AWS Lambda Developer Guide).
 *
 * Every line goes to stdout with one write and a flush, so CloudWatch never
 * sees half lines. Field values whose key names a secret (secret, token,
 * password, authorization, signature, credential) are replaced with
 * "[REDACTED]" as a second line of defence; callers must not log secrets.
 */
#ifndef REC_COMMON_LOG_H
#define REC_COMMON_LOG_H

#include <stdio.h>

enum rec_log_level {
    REC_LOG_TRACE = 0,
    REC_LOG_DEBUG,
    REC_LOG_INFO,
    REC_LOG_WARN,
    REC_LOG_ERROR,
    REC_LOG_FATAL,
};

enum rec_log_field_type { REC_LOG_F_NONE = 0, REC_LOG_F_STR, REC_LOG_F_INT, REC_LOG_F_DBL, REC_LOG_F_BOOL };

struct rec_log_field {
    const char *key;
    enum rec_log_field_type type;
    const char *s;  /* REC_LOG_F_STR; NULL prints as null */
    long long i;    /* REC_LOG_F_INT and REC_LOG_F_BOOL */
    double d;       /* REC_LOG_F_DBL */
};

#define LOG_STR(k, v) ((struct rec_log_field){ .key = (k), .type = REC_LOG_F_STR, .s = (v) })
#define LOG_INT(k, v) ((struct rec_log_field){ .key = (k), .type = REC_LOG_F_INT, .i = (long long)(v) })
#define LOG_DBL(k, v) ((struct rec_log_field){ .key = (k), .type = REC_LOG_F_DBL, .d = (double)(v) })
#define LOG_BOOL(k, v) ((struct rec_log_field){ .key = (k), .type = REC_LOG_F_BOOL, .i = !!(v) })

#define REC_LOG_FIELDS_(...) ((const struct rec_log_field[]){ { 0 }, __VA_ARGS__ })
/* rec_log(REC_LOG_INFO, "message", LOG_STR("contactId", id), LOG_INT("bytes", n)) */
#define rec_log(level, msg, ...)                                                    \
    rec_log_write((level), (msg), REC_LOG_FIELDS_(__VA_ARGS__) + 1,                 \
                  sizeof(REC_LOG_FIELDS_(__VA_ARGS__)) / sizeof(struct rec_log_field) - 1)

/* Reads AWS_LAMBDA_LOG_FORMAT and AWS_LAMBDA_LOG_LEVEL. Unknown values fall
 * back to TEXT and INFO. May be called again (tests). */
void rec_log_init_from_env(void);

/* Sets the request id stamped on every following line; NULL clears it. The
 * string is copied (at most 127 bytes). */
void rec_log_set_request_id(const char *request_id);

/* Redirects output (tests); NULL restores stdout. The stream is not owned. */
void rec_log_set_stream(FILE *stream);

/* Non-zero when a line at this level would be written. */
int rec_log_enabled(enum rec_log_level level);

/* Writes one line; use the rec_log() macro. fields points at n fields. */
void rec_log_write(enum rec_log_level level, const char *message,
                   const struct rec_log_field *fields, size_t n);

/* Writes one complete line (text of len bytes, ending with '\n') to the
 * log's stream with one write and a flush, whatever the level: the writer
 * metric lines share with log lines (common/metrics.h), so neither ever
 * sees half of the other. */
void rec_log_write_line(const char *text, size_t len);

#endif

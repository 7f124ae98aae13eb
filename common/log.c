#include "common/log.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/buf.h"
#include "common/clock.h"
#include "common/rfc3339.h"

enum { LOG_LINE_LIMIT = 256 * 1024 };

static struct {
    int json;
    enum rec_log_level min_level;
    char request_id[128];
    FILE *stream;
} g_log = { 0, REC_LOG_INFO, "", NULL };

static const char *const level_names[] = { "TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL" };

void rec_log_init_from_env(void)
{
    const char *fmt = getenv("AWS_LAMBDA_LOG_FORMAT");
    g_log.json = fmt && strcasecmp(fmt, "JSON") == 0;
    g_log.min_level = REC_LOG_INFO;
    const char *lvl = getenv("AWS_LAMBDA_LOG_LEVEL");
    if (lvl) {
        for (int i = 0; i <= REC_LOG_FATAL; i++)
            if (strcasecmp(lvl, level_names[i]) == 0)
                g_log.min_level = (enum rec_log_level)i;
    }
}

void rec_log_set_request_id(const char *request_id)
{
    if (!request_id) {
        g_log.request_id[0] = '\0';
        return;
    }
    size_t n = strnlen(request_id, sizeof(g_log.request_id) - 1);
    memcpy(g_log.request_id, request_id, n);
    g_log.request_id[n] = '\0';
}

void rec_log_set_stream(FILE *stream)
{
    g_log.stream = stream;
}

int rec_log_enabled(enum rec_log_level level)
{
    return level >= g_log.min_level;
}

static int is_secret_key(const char *key)
{
    static const char *const words[] = { "secret", "token", "password", "authorization",
                                         "signature", "credential" };
    for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
        if (strcasestr(key, words[i]))
            return 1;
    return 0;
}

static void json_string(struct rec_buf *b, const char *s)
{
    rec_buf_append(b, "\"", 1);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        switch (*p) {
        case '"': rec_buf_append(b, "\\\"", 2); break;
        case '\\': rec_buf_append(b, "\\\\", 2); break;
        case '\n': rec_buf_append(b, "\\n", 2); break;
        case '\r': rec_buf_append(b, "\\r", 2); break;
        case '\t': rec_buf_append(b, "\\t", 2); break;
        default:
            if (*p < 0x20)
                rec_buf_printf(b, "\\u%04x", *p);
            else
                rec_buf_append(b, p, 1);
        }
    }
    rec_buf_append(b, "\"", 1);
}

/* TEXT mode: one physical line per record, so control characters become spaces. */
static void text_string(struct rec_buf *b, const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        char c = *p < 0x20 ? ' ' : (char)*p;
        rec_buf_append(b, &c, 1);
    }
}

static void field_value(struct rec_buf *b, const struct rec_log_field *f, int json)
{
    if (f->type == REC_LOG_F_STR && f->s && is_secret_key(f->key)) {
        if (json)
            json_string(b, "[REDACTED]");
        else
            rec_buf_append_str(b, "[REDACTED]");
        return;
    }
    switch (f->type) {
    case REC_LOG_F_STR:
        if (!f->s)
            rec_buf_append_str(b, "null");
        else if (json)
            json_string(b, f->s);
        else
            text_string(b, f->s);
        break;
    case REC_LOG_F_INT: rec_buf_printf(b, "%lld", f->i); break;
    case REC_LOG_F_DBL: rec_buf_printf(b, "%.3f", f->d); break;
    case REC_LOG_F_BOOL: rec_buf_append_str(b, f->i ? "true" : "false"); break;
    default: rec_buf_append_str(b, "null"); break;
    }
}

void rec_log_write(enum rec_log_level level, const char *message,
                   const struct rec_log_field *fields, size_t n)
{
    if (!rec_log_enabled(level))
        return;
    char stamp[REC_RFC3339_MAX];
    rec_rfc3339_format(rec_clock_now_ms(), stamp);

    struct rec_buf b;
    rec_buf_init(&b, LOG_LINE_LIMIT);
    if (g_log.json) {
        rec_buf_printf(&b, "{\"timestamp\":\"%s\",\"level\":\"%s\",\"message\":", stamp,
                       level_names[level]);
        json_string(&b, message ? message : "");
        rec_buf_append_str(&b, ",\"requestId\":");
        if (g_log.request_id[0])
            json_string(&b, g_log.request_id);
        else
            rec_buf_append_str(&b, "null");
        for (size_t i = 0; i < n; i++) {
            if (!fields[i].key)
                continue;
            rec_buf_append(&b, ",", 1);
            json_string(&b, fields[i].key);
            rec_buf_append(&b, ":", 1);
            field_value(&b, &fields[i], 1);
        }
        rec_buf_append(&b, "}\n", 2);
    } else {
        rec_buf_printf(&b, "%s\t%s\t%s\t", stamp, level_names[level],
                       g_log.request_id[0] ? g_log.request_id : "-");
        text_string(&b, message ? message : "");
        for (size_t i = 0; i < n; i++) {
            if (!fields[i].key)
                continue;
            rec_buf_printf(&b, " %s=", fields[i].key);
            field_value(&b, &fields[i], 0);
        }
        rec_buf_append(&b, "\n", 1);
    }
    if (b.data && b.data[b.len - 1] != '\n') {
        /* The cap cut the line: end it so the next line starts cleanly. */
        b.data[b.len - 1] = '\n';
    }
    if (b.data)
        rec_log_write_line(b.data, b.len);
    rec_buf_clean_up(&b, 0);
}

void rec_log_write_line(const char *text, size_t len)
{
    FILE *out = g_log.stream ? g_log.stream : stdout;
    fwrite(text, 1, len, out);
    fflush(out);
}

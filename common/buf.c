#include "common/buf.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/error.h"

void rec_buf_init(struct rec_buf *buf, size_t limit)
{
    buf->data = NULL;
    buf->len = 0;
    buf->cap = 0;
    buf->limit = limit;
}

void rec_buf_clean_up(struct rec_buf *buf, int wipe)
{
    if (buf->data && wipe) {
        volatile char *p = buf->data;
        for (size_t i = 0; i < buf->cap; i++)
            p[i] = 0;
    }
    free(buf->data);
    buf->data = NULL;
    buf->len = 0;
    buf->cap = 0;
}

static int reserve(struct rec_buf *buf, size_t extra)
{
    if (extra > buf->limit || buf->len > buf->limit - extra)
        return REC_ERR_LIMIT;
    size_t need = buf->len + extra + 1;
    if (need <= buf->cap)
        return 0;
    size_t cap = buf->cap ? buf->cap : 256;
    while (cap < need)
        cap = cap > SIZE_MAX / 2 ? need : cap * 2;
    if (cap > buf->limit + 1)
        cap = buf->limit + 1;
    char *p = realloc(buf->data, cap);
    if (!p)
        return REC_ERR_NOMEM;
    buf->data = p;
    buf->cap = cap;
    return 0;
}

int rec_buf_append(struct rec_buf *buf, const void *bytes, size_t len)
{
    int rc = reserve(buf, len);
    if (rc)
        return rc;
    if (len)
        memcpy(buf->data + buf->len, bytes, len);
    buf->len += len;
    buf->data[buf->len] = '\0';
    return 0;
}

int rec_buf_append_str(struct rec_buf *buf, const char *s)
{
    return rec_buf_append(buf, s, strlen(s));
}

int rec_buf_printf(struct rec_buf *buf, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        return REC_ERR_INVALID;
    int rc = reserve(buf, (size_t)n);
    if (rc)
        return rc;
    va_start(ap, fmt);
    vsnprintf(buf->data + buf->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    buf->len += (size_t)n;
    return 0;
}

void rec_buf_reset(struct rec_buf *buf)
{
    buf->len = 0;
    if (buf->data)
        buf->data[0] = '\0';
}

int rec_buf_set_limit(struct rec_buf *buf, size_t limit)
{
    if (buf->len > limit)
        return REC_ERR_LIMIT;
    buf->limit = limit;
    return 0;
}

size_t rec_buf_limit(const struct rec_buf *buf)
{
    return buf->limit;
}

void rec_buf_truncate(struct rec_buf *buf, size_t len)
{
    if (len >= buf->len)
        return;
    buf->len = len;
    buf->data[len] = '\0';
}

#include "connect/paused_spans.h"

#include <stdio.h>
#include <string.h>

static size_t digits(int64_t v)
{
    size_t n = 1;
    for (; v >= 10; v /= 10)
        n++;
    return n;
}

static size_t span_len(const struct redaction_span *p)
{
    return digits(p->start_ms) + 1 + (p->end_ms == PAUSED_SPAN_OPEN ? 0 : digits(p->end_ms));
}

/* The text length of s, bytes without the NUL. */
static size_t text_len(const struct paused_spans *s)
{
    size_t len = s->n ? s->n - 1 : 0;
    for (size_t i = 0; i < s->n; i++)
        len += span_len(&s->span[i]);
    return len;
}

/* Reads a decimal number at text[*at]; moves *at past it. */
static int read_number(const char *text, size_t len, size_t *at, int64_t *out)
{
    size_t start = *at;
    int64_t v = 0;
    while (*at < len && text[*at] >= '0' && text[*at] <= '9') {
        int d = text[*at] - '0';
        if (v > (INT64_MAX - 1 - d) / 10) /* INT64_MAX itself means "open" */
            return REC_ERR_INVALID;
        v = v * 10 + d;
        (*at)++;
    }
    if (*at == start)
        return REC_ERR_INVALID;
    *out = v;
    return 0;
}

/* Parses one span at text[*at]. */
static int parse_span(const char *text, size_t len, size_t *at, struct redaction_span *p)
{
    if (read_number(text, len, at, &p->start_ms) || *at >= len || text[*at] != '-')
        return REC_ERR_INVALID;
    (*at)++;
    p->end_ms = PAUSED_SPAN_OPEN;
    if (*at < len && text[*at] != ',' && read_number(text, len, at, &p->end_ms))
        return REC_ERR_INVALID;
    if (p->end_ms < p->start_ms)
        return REC_ERR_INVALID;
    return 0;
}

int paused_spans_parse(const char *text, size_t len, struct paused_spans *out,
                       struct rec_error *err)
{
    out->n = 0;
    if (len > PAUSED_SPANS_TEXT_MAX)
        return rec_error_set(err, REC_ERR_INVALID, 0, "%s: %zu bytes, more than %d",
                             PAUSED_SPANS_ATTRIBUTE, len, PAUSED_SPANS_TEXT_MAX);
    size_t at = 0;
    while (at < len) {
        size_t span_start = at;
        if (out->n == PAUSED_SPANS_MAX || (out->n && out->span[out->n - 1].end_ms == PAUSED_SPAN_OPEN) ||
            parse_span(text, len, &at, &out->span[out->n]) ||
            (at < len && (text[at] != ',' || at + 1 == len))) {
            out->n = 0;
            return rec_error_set(err, REC_ERR_INVALID, 0,
                                 "%s: the span at byte %zu is not START-END in epoch ms, START <= END "
                                 "(only the last may be open, START-), spans joined by ','",
                                 PAUSED_SPANS_ATTRIBUTE, span_start);
        }
        out->n++;
        if (at < len)
            at++; /* the ',' */
    }
    return 0;
}

int paused_spans_format(const struct paused_spans *s, char *out, size_t cap)
{
    size_t at = 0;
    out[0] = '\0';
    if (text_len(s) + 1 > cap)
        return REC_ERR_LIMIT;
    for (size_t i = 0; i < s->n; i++) {
        const struct redaction_span *p = &s->span[i];
        at += (size_t)snprintf(out + at, cap - at, "%s%lld-", i ? "," : "", (long long)p->start_ms);
        if (p->end_ms != PAUSED_SPAN_OPEN)
            at += (size_t)snprintf(out + at, cap - at, "%lld", (long long)p->end_ms);
    }
    return 0;
}

static int last_open(const struct paused_spans *s)
{
    return s->n > 0 && s->span[s->n - 1].end_ms == PAUSED_SPAN_OPEN;
}

/* Non-zero when s could still take one more closed span stamped now_ms. */
static int room_for_one_more(const struct paused_spans *s, int64_t now_ms)
{
    struct redaction_span next = { now_ms, now_ms };
    return s->n < PAUSED_SPANS_MAX &&
           text_len(s) + (s->n ? 1 : 0) + span_len(&next) <= PAUSED_SPANS_TEXT_MAX;
}

enum paused_spans_change paused_spans_pause(struct paused_spans *s, int64_t now_ms)
{
    if (now_ms < 0)
        now_ms = 0;
    if (last_open(s))
        return PAUSED_SPANS_UNCHANGED;
    if (!room_for_one_more(s, now_ms)) {
        s->span[s->n - 1].end_ms = PAUSED_SPAN_OPEN; /* n > 0: an empty list has room */
        return PAUSED_SPANS_REOPENED;
    }
    s->span[s->n++] = (struct redaction_span){ now_ms, PAUSED_SPAN_OPEN };
    return PAUSED_SPANS_OPENED;
}

enum paused_spans_change paused_spans_resume(struct paused_spans *s, int64_t now_ms)
{
    if (!last_open(s))
        return PAUSED_SPANS_UNCHANGED;
    struct redaction_span *p = &s->span[s->n - 1];
    p->end_ms = now_ms > p->start_ms ? now_ms : p->start_ms;
    if (!room_for_one_more(s, now_ms)) {
        p->end_ms = PAUSED_SPAN_OPEN;
        return PAUSED_SPANS_KEPT_OPEN;
    }
    return PAUSED_SPANS_CLOSED;
}

int paused_spans_redaction(const char *text, size_t len, int64_t margin_ms,
                           struct paused_spans *storage, struct redaction_config *out,
                           struct rec_error *err)
{
    memset(out, 0, sizeof(*out));
    out->margin_ms = margin_ms;
    int rc = text ? paused_spans_parse(text, len, storage, err) : 0;
    if (rc)
        out->silence_all = 1;
    else if (text) {
        out->spans = storage->span;
        out->n_spans = storage->n;
    }
    return rc;
}

const char *paused_spans_change_name(enum paused_spans_change c)
{
    switch (c) {
    case PAUSED_SPANS_UNCHANGED: return "unchanged";
    case PAUSED_SPANS_OPENED: return "opened";
    case PAUSED_SPANS_REOPENED: return "reopened (attribute full)";
    case PAUSED_SPANS_CLOSED: return "closed";
    case PAUSED_SPANS_KEPT_OPEN: return "kept open (attribute full)";
    default: return "unknown";
    }
}

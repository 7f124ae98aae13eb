/*
 * The recordingPausedSpans contact attribute: when a contact's recording
 * was paused, as the recording control handler writes it and the recording
 * handler reads it back from the contact trace record.
 *
 * Text form: "" (never paused) or spans "START-END" joined by ",", START
 * and END in Unix epoch milliseconds (the control handler's clock when it
 * received the PAUSE and the RESUME); the last span may be open, "START-"
 * (paused and not resumed: it runs to the end of the call). START <= END.
 * No spaces, no signs, at most PAUSED_SPANS_TEXT_MAX bytes.
 *
 * The cap rule (issue 14, "under 4 KB, drop nothing silently"): once the
 * text could not take one more closed span, the pause that does not fit
 * reopens the last span instead of adding one, and a resume that would
 * leave no room for another span leaves its span open; either way the rest
 * of the call is covered, never less than was asked for.
 *
 * Rule source: Amazon Connect API Reference, "UpdateContactAttributes"
 * (attribute values are strings) and issue 14 of this project.
 */
#ifndef REC_CONNECT_PAUSED_SPANS_H
#define REC_CONNECT_PAUSED_SPANS_H

#include <stddef.h>
#include <stdint.h>

#include "common/error.h"
#include "recorder/redaction.h"

/* The attribute's name on the contact. */
#define PAUSED_SPANS_ATTRIBUTE "recordingPausedSpans"
/* The longest text written or accepted, bytes without the NUL ("under 4 KB"). */
#define PAUSED_SPANS_TEXT_MAX 4095
/* The most spans that text can hold ("0-0," is the shortest span). */
#define PAUSED_SPANS_MAX ((PAUSED_SPANS_TEXT_MAX + 1) / 4)
/* end_ms of an open span (not resumed). */
#define PAUSED_SPAN_OPEN REDACTION_OPEN

/* Caller's storage (about 16 KB: keep it on the heap). The spans are the
 * recorder's (epoch ms, end_ms >= start_ms), so a recording takes them as
 * they are (paused_spans_redaction). */
struct paused_spans {
    size_t n;
    struct redaction_span span[PAUSED_SPANS_MAX];
};

/* Parses len bytes of text into *out (n = 0 for ""). Returns 0, or
 * REC_ERR_INVALID (not retriable) with err naming the byte offset and what
 * was wrong: a character other than digits, '-' and ',', an empty span, a
 * number of 2^63-1 or more, END before START, an open span before the last,
 * more than PAUSED_SPANS_TEXT_MAX bytes. *out is empty on failure. */
int paused_spans_parse(const char *text, size_t len, struct paused_spans *out,
                       struct rec_error *err);

/* Writes s as text into out (cap bytes, NUL included). Returns 0, or
 * REC_ERR_LIMIT when it does not fit (out is then ""). */
int paused_spans_format(const struct paused_spans *s, char *out, size_t cap);

/* What a pause or a resume did. */
enum paused_spans_change {
    PAUSED_SPANS_UNCHANGED, /* pause while paused, resume while not paused */
    PAUSED_SPANS_OPENED,    /* a new open span "now-" */
    PAUSED_SPANS_REOPENED,  /* full: the last span was reopened (cap rule) */
    PAUSED_SPANS_CLOSED,    /* the open span ended at now */
    PAUSED_SPANS_KEPT_OPEN, /* full: the open span stays open (cap rule) */
};

/* A PAUSE received at now_ms (epoch ms). Returns what changed. */
enum paused_spans_change paused_spans_pause(struct paused_spans *s, int64_t now_ms);

/* A RESUME received at now_ms: closes the open last span at now_ms (its
 * start if the clock went back). Returns what changed. */
enum paused_spans_change paused_spans_resume(struct paused_spans *s, int64_t now_ms);

/* The redaction a recording of the contact needs (recorder/redaction.h)
 * from its attribute: text (len bytes; NULL when the contact has none)
 * parsed into storage, margin_ms around each span. *out borrows storage.
 * Returns 0, or paused_spans_parse's REC_ERR_INVALID with err filled and
 * *out set to silence everything (fail closed: a malformed attribute may
 * hide a pause). */
int paused_spans_redaction(const char *text, size_t len, int64_t margin_ms,
                           struct paused_spans *storage, struct redaction_config *out,
                           struct rec_error *err);

/* The change's name for the log ("opened", ...), static. */
const char *paused_spans_change_name(enum paused_spans_change c);

#endif

/*
 * libFuzzer target for the recording control's inputs: the Connect flow
 * event (connect/flow_event.h) and the recordingPausedSpans attribute
 * (connect/paused_spans.h).
 *
 * Byte 0 picks the parser (even: flow event, odd: paused spans); the rest
 * is its input. Beyond "no crash, no leak, no UB" it checks what must hold
 * for every input:
 *  - a flow event parses, or fails with REC_ERR_INVALID only; a parsed one
 *    has NUL-terminated ids within their caps, a known voice track, and an
 *    operation whose API name exists exactly for the four operations;
 *  - paused spans that parse format back to text that parses to the very
 *    same spans (no longer: only leading zeros are dropped), and a
 *    pause then a resume on them keep the text under the 4 KB cap (the cap
 *    rule never drops a span); a failed parse leaves no span.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/error.h"
#include "connect/flow_event.h"
#include "connect/paused_spans.h"

static void require(int cond)
{
    if (!cond)
        abort();
}

static void fuzz_event(const char *text, size_t len)
{
    struct flow_request req;
    struct rec_error err;
    rec_error_clear(&err);
    int rc = flow_event_parse(text, len, len % 3 ? NULL : "inst-env", &req, &err);
    if (rc) {
        require(rc == REC_ERR_INVALID && err.code == rc && !err.retriable);
        return;
    }
    require(strlen(req.contact_id) <= FLOW_CONTACT_ID_MAX);
    require(strlen(req.initial_contact_id) <= FLOW_CONTACT_ID_MAX);
    require(strlen(req.instance_id) <= FLOW_INSTANCE_ID_MAX);
    require(strlen(req.operation) <= FLOW_OPERATION_MAX);
    require(!strcmp(req.voice_track, "ALL") || !strcmp(req.voice_track, "FROM_AGENT") ||
            !strcmp(req.voice_track, "TO_AGENT"));
    /* A known operation is answered by its canonical name. */
    if (req.op >= FLOW_OP_START)
        require(!strcmp(req.operation, "START") || !strcmp(req.operation, "STOP") ||
                !strcmp(req.operation, "PAUSE") || !strcmp(req.operation, "RESUME"));
    /* A request that can be sent names its contact and instance. */
    if (!req.problem[0])
        require(req.contact_id[0] && req.initial_contact_id[0] && req.instance_id[0]);
}

static void fuzz_spans(const char *text, size_t len)
{
    static struct paused_spans spans;
    static char out[PAUSED_SPANS_TEXT_MAX + 1];
    struct rec_error err;
    rec_error_clear(&err);
    if (paused_spans_parse(text, len, &spans, &err)) {
        require(spans.n == 0 && err.code == REC_ERR_INVALID);
        return;
    }
    static struct paused_spans again;
    require(paused_spans_format(&spans, out, sizeof(out)) == 0);
    require(strlen(out) <= len); /* leading zeros are the only slack */
    require(paused_spans_parse(out, strlen(out), &again, &err) == 0 && again.n == spans.n &&
            memcmp(again.span, spans.span, spans.n * sizeof(spans.span[0])) == 0);
    size_t n = spans.n;
    int64_t now = spans.n ? spans.span[spans.n - 1].start_ms : 0;
    paused_spans_pause(&spans, now + 1);
    paused_spans_resume(&spans, now + 2);
    require(spans.n >= n);
    require(paused_spans_format(&spans, out, sizeof(out)) == 0);
    require(strlen(out) <= PAUSED_SPANS_TEXT_MAX);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    const char *text = (const char *)data + 1;
    if (data[0] & 1)
        fuzz_spans(text, size - 1);
    else
        fuzz_event(text, size - 1);
    return 0;
}

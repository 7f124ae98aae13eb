/*
 * libFuzzer target for the Voice Connector event parser (chime/vc_event.h)
 * and the call table's item reader (chime/call_table.h): any bytes as an
 * invocation payload, unwrapped (SQS, SNS, bare) and parsed event by event;
 * the same JSON read as a Query's Items. Checks what the parser promises:
 * a parsed event has NUL-terminated fields within their caps, a valid
 * start fragment for a leg, and a side among the three; a time that parses
 * formats and parses back to the same millisecond.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "chime/call_table.h"
#include "chime/vc_event.h"
#include "common/rfc3339.h"

static int check_event(void *user, const cJSON *event, const char *id)
{
    (void)user, (void)id;
    if (!event)
        return 0;
    (void)chime_is_vc_streaming_event(event);
    struct chime_vc_event e;
    struct rec_error err;
    rec_error_clear(&err);
    if (chime_vc_event_parse(event, &e, &err)) {
        if (!err.code || !err.message[0])
            abort();
        return 0;
    }
    if (strlen(e.call_id) > CHIME_ID_MAX || strlen(e.stream_arn) > CHIME_STREAM_ARN_MAX || !e.call_id[0])
        abort();
    if ((e.status == CHIME_VC_STARTED || e.status == CHIME_VC_ENDED) &&
        (!fragment_number_valid(e.start_fragment) || !e.stream_arn[0] || !e.transaction_id[0]))
        abort();
    if (e.side != CHIME_SIDE_UNKNOWN && e.side != CHIME_SIDE_CALLER && e.side != CHIME_SIDE_OTHER)
        abort();
    if (e.start_time.has_ms && e.start_time.ms >= 0 && e.start_time.ms < 253402300800000LL) {
        char text[REC_RFC3339_MAX];
        int64_t back;
        if (rec_rfc3339_format(e.start_time.ms, text) || chime_time_parse(text, &back) ||
            back != e.start_time.ms)
            abort();
    }
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    cJSON *doc = cJSON_ParseWithLength((const char *)data, size);
    if (!doc)
        return 0;
    chime_for_each_event(doc, check_event, NULL);
    struct chime_call call;
    struct rec_error err;
    rec_error_clear(&err);
    const cJSON *items = cJSON_IsArray(doc) ? doc : cJSON_GetObjectItemCaseSensitive(doc, "Items");
    if (chime_call_from_items(items, &call, &err) == 0) {
        const struct chime_leg *a, *b;
        if (call.n_legs > CHIME_MAX_LEGS)
            abort();
        if (chime_call_ready(&call, &a, &b) && (a == b || !a->ended || !b->ended))
            abort();
    }
    cJSON_Delete(doc);
    return 0;
}

/* Unit tests for connect/paused_spans (the recordingPausedSpans attribute)
 * and connect/flow_event (the recording control flow event). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "common/error.h"
#include "connect/flow_event.h"
#include "connect/paused_spans.h"

static struct paused_spans *parse_ok(const char *text)
{
    struct paused_spans *s = malloc(sizeof(*s));
    struct rec_error err;
    rec_error_clear(&err);
    assert_int_equal(paused_spans_parse(text, strlen(text), s, &err), 0);
    return s;
}

static void spans_parse_and_format_round_trip(void **state)
{
    (void)state;
    const char *texts[] = { "", "1-2", "1764590400000-1764590401000,1764590402000-", "5-5,1-3" };
    char out[PAUSED_SPANS_TEXT_MAX + 1];
    for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
        struct paused_spans *s = parse_ok(texts[i]);
        assert_int_equal(paused_spans_format(s, out, sizeof(out)), 0);
        assert_string_equal(out, texts[i]);
        free(s);
    }
    struct paused_spans *s = parse_ok("10-20,30-");
    assert_int_equal(s->n, 2);
    assert_true(s->span[1].end_ms == PAUSED_SPAN_OPEN);
    char tiny[5];
    assert_int_equal(paused_spans_format(s, tiny, sizeof(tiny)), REC_ERR_LIMIT);
    assert_string_equal(tiny, "");
    free(s);
}

static void malformed_spans_are_refused_and_leave_nothing(void **state)
{
    (void)state;
    const char *bad[] = { "-", "1", "1-2,", ",1-2", "1-2,,3-4", "2-1", "1-,2-3", "1 -2", "a-b",
                          "+1-2", "1-2-3", "9223372036854775807-", "99999999999999999999-1" };
    struct paused_spans *s = malloc(sizeof(*s));
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct rec_error err;
        rec_error_clear(&err);
        s->n = 7;
        assert_int_equal(paused_spans_parse(bad[i], strlen(bad[i]), s, &err), REC_ERR_INVALID);
        assert_int_equal(s->n, 0);
        assert_non_null(strstr(err.message, "recordingPausedSpans"));
        assert_false(err.retriable);
    }
    char *huge = malloc(PAUSED_SPANS_TEXT_MAX + 2);
    memset(huge, '1', PAUSED_SPANS_TEXT_MAX + 1);
    huge[PAUSED_SPANS_TEXT_MAX + 1] = '\0';
    struct rec_error err;
    rec_error_clear(&err);
    assert_int_equal(paused_spans_parse(huge, strlen(huge), s, &err), REC_ERR_INVALID);
    free(huge);
    free(s);
}

static void pause_and_resume_open_and_close_one_span(void **state)
{
    (void)state;
    struct paused_spans *s = parse_ok("");
    assert_int_equal(paused_spans_resume(s, 5), PAUSED_SPANS_UNCHANGED);
    assert_int_equal(paused_spans_pause(s, 100), PAUSED_SPANS_OPENED);
    assert_int_equal(paused_spans_pause(s, 150), PAUSED_SPANS_UNCHANGED);
    assert_int_equal(paused_spans_resume(s, 90), PAUSED_SPANS_CLOSED); /* clock went back */
    char out[64];
    assert_int_equal(paused_spans_format(s, out, sizeof(out)), 0);
    assert_string_equal(out, "100-100");
    assert_int_equal(paused_spans_resume(s, 300), PAUSED_SPANS_UNCHANGED);
    assert_int_equal(paused_spans_pause(s, 400), PAUSED_SPANS_OPENED);
    assert_int_equal(paused_spans_format(s, out, sizeof(out)), 0);
    assert_string_equal(out, "100-100,400-");
    free(s);
}

static void a_full_attribute_covers_the_rest_of_the_call(void **state)
{
    (void)state;
    struct paused_spans *s = parse_ok("");
    int64_t t = 1764590400000;
    enum paused_spans_change c;
    size_t closed = 0;
    /* Pause and resume until the attribute is full. */
    for (int i = 0; i < 1000; i++) {
        c = paused_spans_pause(s, t += 10);
        if (c != PAUSED_SPANS_OPENED)
            break;
        c = paused_spans_resume(s, t += 10);
        if (c != PAUSED_SPANS_CLOSED)
            break;
        closed++;
    }
    assert_true(closed > 100);
    char *out = malloc(PAUSED_SPANS_TEXT_MAX + 1);
    assert_int_equal(paused_spans_format(s, out, PAUSED_SPANS_TEXT_MAX + 1), 0);
    assert_true(strlen(out) <= PAUSED_SPANS_TEXT_MAX);
    assert_true(s->span[s->n - 1].end_ms == PAUSED_SPAN_OPEN); /* full: left open */
    size_t n = s->n;
    assert_int_equal(paused_spans_resume(s, t += 10), PAUSED_SPANS_KEPT_OPEN);
    assert_int_equal(paused_spans_pause(s, t += 10), PAUSED_SPANS_UNCHANGED);
    assert_int_equal(s->n, n);
    /* A list that is full with its last span closed: a pause reopens it. */
    s->span[s->n - 1].end_ms = s->span[s->n - 1].start_ms + 5;
    if (paused_spans_pause(s, t += 10) == PAUSED_SPANS_REOPENED)
        assert_true(s->span[s->n - 1].end_ms == PAUSED_SPAN_OPEN);
    assert_int_equal(s->n, n);
    free(out);
    free(s);
}

static void redaction_of_spans_fails_closed(void **state)
{
    (void)state;
    struct paused_spans *s = malloc(sizeof(*s));
    struct redaction_config cfg;
    struct rec_error err;
    rec_error_clear(&err);
    assert_int_equal(paused_spans_redaction(NULL, 0, 250, s, &cfg, &err), 0);
    assert_int_equal(cfg.n_spans, 0);
    assert_false(cfg.silence_all);
    assert_int_equal(paused_spans_redaction("1-2,3-", 6, 250, s, &cfg, &err), 0);
    assert_int_equal(cfg.n_spans, 2);
    assert_int_equal(cfg.margin_ms, 250);
    assert_int_equal(paused_spans_redaction("1-x", 3, 250, s, &cfg, &err), REC_ERR_INVALID);
    assert_true(cfg.silence_all);
    assert_int_equal(cfg.n_spans, 0);
    free(s);
}

/* ---- the flow event ---------------------------------------------------- */

static const char *EVENT =
    "{\"Details\":{\"ContactData\":{\"ContactId\":\"guide\",\"RelatedContactId\":\"customer\","
    "\"InitialContactId\":\"guide-initial\",\"InstanceARN\":\"arn:aws:connect:us-east-1:1:instance/inst-9\"},"
    "\"Parameters\":{\"operation\":\" Suspend \",\"initialContactId\":\"initial\","
    "\"voiceRecordingTrack\":\"from_agent\"}},\"Name\":\"ContactFlowEvent\"}";

static void flow_event_follows_the_resolution_rules(void **state)
{
    (void)state;
    struct flow_request req;
    struct rec_error err;
    rec_error_clear(&err);
    assert_int_equal(flow_event_parse(EVENT, strlen(EVENT), NULL, &req, &err), 0);
    assert_int_equal(req.op, FLOW_OP_PAUSE);
    assert_string_equal(req.operation, "PAUSE");
    assert_string_equal(req.contact_id, "customer");
    assert_string_equal(req.initial_contact_id, "initial");
    assert_string_equal(req.instance_id, "inst-9");
    assert_string_equal(req.voice_track, "FROM_AGENT");
    assert_string_equal(req.problem, "");
    assert_int_equal(flow_event_parse(EVENT, strlen(EVENT), "inst-env", &req, &err), 0);
    assert_string_equal(req.instance_id, "inst-env");

    const char *own = "{\"Details\":{\"ContactData\":{\"ContactId\":\"c\",\"RelatedContactId\":\"\","
                      "\"InstanceARN\":\"arn:aws:connect:r:1:instance/i/x\"},\"Parameters\":"
                      "{\"operation\":\"start\",\"voiceRecordingTrack\":\"both\"}}}";
    assert_int_equal(flow_event_parse(own, strlen(own), "", &req, &err), 0);
    assert_string_equal(req.contact_id, "c");
    assert_string_equal(req.initial_contact_id, "c");
    assert_string_equal(req.instance_id, "i");
    assert_string_equal(req.voice_track, "ALL");
    assert_true(req.track_replaced);
}

static void flow_event_problems_are_answers_not_errors(void **state)
{
    (void)state;
    struct flow_request req;
    struct rec_error err;
    rec_error_clear(&err);
    const char *unknown = "{\"Details\":{\"Parameters\":{\"operation\":\"Explode\"}}}";
    assert_int_equal(flow_event_parse(unknown, strlen(unknown), "i", &req, &err), 0);
    assert_int_equal(req.op, FLOW_OP_UNKNOWN);
    assert_string_equal(req.operation, "Explode");
    assert_non_null(strstr(req.problem, "no contact id"));
    char *longid = malloc(600);
    snprintf(longid, 600, "{\"Details\":{\"Parameters\":{\"operation\":\"STOP\",\"contactId\":\"%0300d\"}}}", 1);
    assert_int_equal(flow_event_parse(longid, strlen(longid), "i", &req, &err), 0);
    assert_non_null(strstr(req.problem, "longer than 256"));
    free(longid);
    assert_int_equal(rec_error_is_set(&err), 0);
    assert_int_equal(flow_event_parse("{\"Name\":\"x\"}", 12, NULL, &req, &err), REC_ERR_INVALID);
    rec_error_clear(&err);
    assert_int_equal(flow_event_parse("not json", 8, NULL, &req, &err), REC_ERR_INVALID);
    assert_non_null(strstr(err.message, "not JSON"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(spans_parse_and_format_round_trip),
        cmocka_unit_test(malformed_spans_are_refused_and_leave_nothing),
        cmocka_unit_test(pause_and_resume_open_and_close_one_span),
        cmocka_unit_test(a_full_attribute_covers_the_rest_of_the_call),
        cmocka_unit_test(redaction_of_spans_fails_closed),
        cmocka_unit_test(flow_event_follows_the_resolution_rules),
        cmocka_unit_test(flow_event_problems_are_answers_not_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

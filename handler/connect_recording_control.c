/*
 * The recording control handler (_HANDLER=ConnectRecordingControl): a
 * Connect flow asks to start, stop, pause or resume a contact's recording
 * (seed 001, ../shared/SIBLINGS.md §2; issue 14).
 *
 * Per invocation: the flow event (connect/flow_event.h) names the
 * operation and the contact; one Start/Stop/Suspend/ResumeContactRecording
 * call (services/connect_client.h); on PAUSE and RESUME the paused span is
 * also kept on the contact in recordingPausedSpans (connect/paused_spans.h)
 * with GetContactAttributes + UpdateContactAttributes, so that the KVS
 * recordings silence what Connect's own recording leaves out.
 *
 * The answer is a flat map of strings (the flow block's STRING_MAP
 * validation): {"statusCode","message","operation"}. Everything but an
 * event without Details is an answer, not a Lambda error, so the flow can
 * branch on statusCode. Connect waits at most 8 s: the client retries at
 * most once, and every call ends before the deadline minus
 * FLOW_ANSWER_RESERVE_MS.
 *
 * Choices: a PAUSE records its span even when Connect refused to suspend
 * (the agent asked for silence: fail closed); a RESUME closes the span only
 * when Connect resumed, so both recordings stay paused together.
 *
 * Metric line per answer (common/metrics.h; README "Metrics and
 * alarms"): ControlRequests (1) and ControlFailures (1 unless the answer
 * is 200) with the dimensions Operation (START, STOP, PAUSE, RESUME, or
 * INVALID for a missing or unknown one) and StatusClass (2xx, 4xx, 5xx).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "common/bytes.h"
#include "common/clock.h"
#include "common/error.h"
#include "common/log.h"
#include "common/metrics.h"
#include "connect/flow_event.h"
#include "connect/paused_spans.h"
#include "handler/handler.h"
#include "handler/recording_control_config.h"
#include "services/connect_client.h"

struct control_handler {
    struct recording_control_config cfg;
    struct connect_client *connect;
};

/* What the flow gets back, and what the log line says. */
struct answer {
    long status;                 /* HTTP-like: 200, 400, the service's status */
    char message[640];
    char request_id[128];        /* the recording call's x-amzn-RequestId */
    char error_code[128];
    const char *span_change;     /* PAUSE/RESUME: what happened to the spans */
};

/* One invocation's inputs. */
struct control_call {
    const struct flow_request *req;
    int64_t received_ms; /* the span's moment: when the request came in */
    int64_t deadline_ms; /* every call ends by then; 0: none */
};

/* Fills a from a failed call: the service's status and message, or for a
 * failure without an answer 504 (the deadline) / 502 (the network) / 500. */
static void fail_answer(struct answer *a, int rc, const struct rec_aws_response *resp,
                        const struct rec_error *err, const char *prefix)
{
    a->status = resp && resp->status > 0 ? resp->status
                : rc == REC_ERR_TIMEOUT  ? 504
                : rc == REC_ERR_HTTP     ? 502
                                         : 500;
    const char *why = resp && resp->error_message[0] ? resp->error_message : err->message;
    snprintf(a->message, sizeof(a->message), "%s%s", prefix, why);
    if (resp && resp->error_code[0])
        rec_str_copy(a->error_code, sizeof(a->error_code), resp->error_code);
    else
        rec_str_copy(a->error_code, sizeof(a->error_code), rec_strerror(rc));
}

/* Reads recordingPausedSpans of the contact into *spans. */
static int read_spans(struct control_handler *h, const struct control_call *c,
                      struct paused_spans *spans, struct rec_aws_response *resp, struct rec_error *err)
{
    cJSON *answer = NULL;
    int rc = connect_get_contact_attributes(h->connect, c->req->instance_id,
                                            c->req->initial_contact_id, c->deadline_ms, resp,
                                            &answer, err);
    if (!rc) {
        const char *text = service_json_string(cJSON_GetObjectItemCaseSensitive(answer, "Attributes"),
                                               PAUSED_SPANS_ATTRIBUTE);
        rc = paused_spans_parse(text ? text : "", text ? strlen(text) : 0, spans, err);
    }
    cJSON_Delete(answer);
    return rc;
}

/* The span bookkeeping of a PAUSE or RESUME. On failure fills a. */
static void keep_span(struct control_handler *h, const struct control_call *c, struct answer *a)
{
    struct rec_error err;
    rec_error_clear(&err);
    struct rec_aws_response resp;
    rec_aws_response_init(&resp);
    char *text = malloc(PAUSED_SPANS_TEXT_MAX + 1);
    struct paused_spans *spans = malloc(sizeof(*spans));
    int rc = !text || !spans ? rec_error_set(&err, REC_ERR_NOMEM, 1, "out of memory") : 0;
    if (!rc)
        rc = read_spans(h, c, spans, &resp, &err);
    if (!rc) {
        enum paused_spans_change ch = c->req->op == FLOW_OP_PAUSE
                                          ? paused_spans_pause(spans, c->received_ms)
                                          : paused_spans_resume(spans, c->received_ms);
        a->span_change = paused_spans_change_name(ch);
        if (ch != PAUSED_SPANS_UNCHANGED && !(rc = paused_spans_format(spans, text, PAUSED_SPANS_TEXT_MAX + 1))) {
            struct connect_attribute attr = { PAUSED_SPANS_ATTRIBUTE, text };
            rc = connect_update_contact_attributes(h->connect, c->req->instance_id,
                                                   c->req->initial_contact_id, &attr, 1,
                                                   c->deadline_ms, &resp, &err);
        } else if (rc) {
            rec_error_set(&err, rc, 0, "the spans do not fit %d bytes", PAUSED_SPANS_TEXT_MAX);
        }
    }
    if (rc && a->status == 200) {
        char prefix[200];
        snprintf(prefix, sizeof(prefix), "%.64s done in Connect's recording, but the paused span "
                 "could not be kept on the contact: ", c->req->operation);
        fail_answer(a, rc, resp.status >= 300 ? &resp : NULL, &err, prefix);
    } else if (rc) { /* the recording call's failure comes first */
        size_t len = strlen(a->message);
        snprintf(a->message + len, sizeof(a->message) - len,
                 " (and the paused span could not be kept on the contact: %s)", err.message);
    }
    rec_aws_response_clean_up(&resp);
    free(spans);
    free(text);
}

/* The recording call of a known operation, then the span bookkeeping. */
static void control(struct control_handler *h, const struct control_call *c, struct answer *a)
{
    static const enum connect_recording_op ops[] = {
        [FLOW_OP_START] = CONNECT_RECORDING_START, [FLOW_OP_STOP] = CONNECT_RECORDING_STOP,
        [FLOW_OP_PAUSE] = CONNECT_RECORDING_SUSPEND, [FLOW_OP_RESUME] = CONNECT_RECORDING_RESUME,
    };
    const struct flow_request *req = c->req;
    struct connect_recording_call call = {
        .instance_id = req->instance_id, .contact_id = req->contact_id,
        .initial_contact_id = req->initial_contact_id, .voice_track = req->voice_track,
        .deadline_ms = c->deadline_ms,
    };
    struct rec_error err;
    rec_error_clear(&err);
    struct rec_aws_response resp;
    rec_aws_response_init(&resp);
    int rc = connect_contact_recording(h->connect, ops[req->op], &call, &resp, &err);
    rec_str_copy(a->request_id, sizeof(a->request_id), resp.request_id);
    if (rc) {
        fail_answer(a, rc, &resp, &err, "");
    } else {
        a->status = 200;
        snprintf(a->message, sizeof(a->message), "%s",
                 req->op == FLOW_OP_START && req->track_replaced
                     ? "Success (voiceRecordingTrack is not FROM_AGENT, TO_AGENT or ALL: ALL is recorded)"
                     : "Success");
    }
    rec_aws_response_clean_up(&resp);
    if (req->op == FLOW_OP_PAUSE || (req->op == FLOW_OP_RESUME && a->status == 200))
        keep_span(h, c, a);
}

static int write_answer(const struct flow_request *req, const struct answer *a,
                        struct handler_result *result)
{
    char status[24];
    snprintf(status, sizeof(status), "%ld", a->status);
    cJSON *doc = cJSON_CreateObject();
    char *text = NULL;
    int rc = REC_ERR_NOMEM;
    if (doc && cJSON_AddStringToObject(doc, "statusCode", status) &&
        cJSON_AddStringToObject(doc, "message", a->message) &&
        cJSON_AddStringToObject(doc, "operation", req->operation) &&
        (text = cJSON_PrintUnformatted(doc)))
        rc = rec_buf_append_str(&result->response, text);
    cJSON_free(text);
    cJSON_Delete(doc);
    return rc ? handler_fail(result, rc, "OutOfMemory", "the answer: %s", rec_strerror(rc)) : 0;
}

static void log_answer(const struct flow_request *req, const struct answer *a)
{
    rec_log(a->status == 200 ? REC_LOG_INFO : REC_LOG_WARN, "recording control",
            LOG_STR("operation", req->operation), LOG_STR("contactId", req->contact_id),
            LOG_STR("initialContactId", req->initial_contact_id),
            LOG_STR("instanceId", req->instance_id), LOG_INT("status", a->status),
            LOG_STR("awsRequestId", a->request_id[0] ? a->request_id : NULL),
            LOG_STR("errorCode", a->error_code[0] ? a->error_code : NULL),
            LOG_STR("pausedSpans", a->span_change), LOG_STR("answer", a->message));
}

static void emit_metrics(const struct flow_request *req, const struct answer *a)
{
    struct rec_metrics m;
    rec_metrics_begin(&m, connect_recording_control_handler.name);
    /* a dimension takes few values: an unknown operation's text is not one */
    rec_metrics_dimension(&m, "Operation", req->op >= FLOW_OP_START ? req->operation : "INVALID");
    rec_metrics_dimension(&m, "StatusClass", rec_metrics_status_class(a->status));
    rec_metrics_property(&m, "contactId", req->contact_id);
    rec_metrics_count(&m, "ControlRequests", 1);
    rec_metrics_count(&m, "ControlFailures", a->status == 200 ? 0 : 1);
    rec_metrics_emit(&m);
}

static int control_invoke(void *state, const struct handler_context *ctx, const char *event,
                          size_t event_len, struct handler_result *result)
{
    struct control_handler *h = state;
    int64_t received = rec_clock_now_ms();
    struct rec_error err;
    rec_error_clear(&err);
    struct flow_request req;
    if (flow_event_parse(event, event_len, h->cfg.instance_id, &req, &err)) {
        rec_log(REC_LOG_ERROR, "not a Connect flow event", LOG_STR("reason", err.message));
        return handler_fail(result, err.code, "InvalidEvent", "%s", err.message);
    }
    struct answer a = { .status = 400 };
    if (req.op == FLOW_OP_MISSING || req.op == FLOW_OP_UNKNOWN)
        snprintf(a.message, sizeof(a.message), "%s operation: expected START, STOP, PAUSE or RESUME",
                 req.op == FLOW_OP_MISSING ? "no" : "unknown");
    else if (req.problem[0])
        snprintf(a.message, sizeof(a.message), "%s", req.problem);
    else {
        struct control_call c = { &req, received,
                                  ctx->deadline_ms ? ctx->deadline_ms - h->cfg.answer_reserve_ms : 0 };
        control(h, &c, &a);
    }
    log_answer(&req, &a);
    emit_metrics(&req, &a);
    return write_answer(&req, &a, result);
}

static void control_destroy(void *state)
{
    struct control_handler *h = state;
    if (!h)
        return;
    connect_client_destroy(h->connect);
    free(h);
}

static int control_init(void **state, char *reason, size_t reason_len)
{
    struct rec_error err;
    rec_error_clear(&err);
    struct control_handler *h = calloc(1, sizeof(*h));
    if (!h)
        return REC_ERR_NOMEM;
    int rc = recording_control_config_from_env(&h->cfg, &err);
    if (!rc) {
        /* Connect waits at most 8 s for the flow's Lambda: one retry at most. */
        struct service_options opt = {
            .region = h->cfg.region[0] ? h->cfg.region : NULL,
            .retry = { .max_attempts = 2, .base_delay_ms = 100, .throttle_base_delay_ms = 300,
                       .max_delay_ms = 1000 },
        };
        rc = connect_client_new(&h->connect, &opt);
        if (rc)
            rec_error_set(&err, rc, 0, "Connect client: %s (credentials and region come from "
                          "AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY and REGION_ID or AWS_REGION)",
                          rec_strerror(rc));
    }
    if (rc) {
        snprintf(reason, reason_len, "%s", err.message);
        control_destroy(h);
        return rc;
    }
    *state = h;
    return 0;
}

const struct handler_def connect_recording_control_handler = {
    .name = "ConnectRecordingControl",
    .init = control_init,
    .invoke = control_invoke,
    .destroy = control_destroy,
};

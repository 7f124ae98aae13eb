/*
 * The video call recording handler (_HANDLER=VideoCallRecording): seed
 * 004's Recording API and its EventBridge targets in one function
 * (video/video.h; ../shared/VIDEO.md §3).
 *
 * Lambda glue only. An API Gateway HTTP API request (payload 2.0) always
 * gets an answer object, failures included: a function error would reach
 * the agent app as API Gateway's bare 500. An EventBridge event (an
 * asynchronous invocation) succeeds when it is applied or can never be
 * (logged at ERROR), and fails when trying again may help, so Lambda
 * delivers it again (handler/outcome.h; "Asynchronous invocation", AWS
 * Lambda Developer Guide). Anything else is an InvalidEvent error.
 *
 * A metric line per invocation (common/metrics.h; README "Metrics and
 * alarms"): per API request ApiRequests with Route (start, stop, summary,
 * unknown) and StatusClass; per EventBridge event that failed
 * EventFailures with Class (retriable / permanent); on either, what
 * happened to recordings (video_tally): ConcatenationsStarted (a
 * concatenation pipeline created), RecordingsAvailable (the final MP4
 * found), PipelineFailures (a capture or concatenation failed for good).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "common/clock.h"
#include "common/error.h"
#include "common/log.h"
#include "common/metrics.h"
#include "handler/env_config.h"
#include "handler/handler.h"
#include "handler/outcome.h"
#include "handler/video_config.h"
#include "video/api.h"
#include "video/event_actions.h"
#include "video/events.h"
#include "video/identity.h"
#include "video/keys.h"
#include "video/routes.h"

struct video_handler {
    struct video_config cfg;
    struct video_regions regions;
    struct video_clients clients;
    struct video_identity_cache *identities;
};

static void video_destroy(void *state)
{
    struct video_handler *h = state;
    if (!h)
        return;
    dynamodb_client_destroy(h->clients.ddb);
    media_pipelines_client_destroy(h->clients.pipelines);
    connect_client_destroy(h->clients.connect);
    cognito_idp_client_destroy(h->clients.cognito);
    rec_s3_client_destroy(h->clients.s3);
    video_identity_cache_destroy(h->identities);
    free(h);
}

/* Creates the five clients, each in its own region. */
static int create_clients(struct video_handler *h, struct rec_error *err)
{
    const char *which = "DynamoDB";
    struct service_options o = { .region = h->regions.ddb[0] ? h->regions.ddb : NULL };
    int rc = dynamodb_client_new(&h->clients.ddb, &o);
    if (!rc) {
        which = "Chime SDK Media Pipelines";
        o.region = h->regions.pipelines;
        rc = media_pipelines_client_new(&h->clients.pipelines, &o);
    }
    if (!rc) {
        which = "Connect";
        o.region = h->regions.connect[0] ? h->regions.connect : NULL;
        rc = connect_client_new(&h->clients.connect, &o);
    }
    if (!rc) {
        which = "Cognito Identity Provider";
        o.region = h->regions.cognito;
        rc = cognito_idp_client_new(&h->clients.cognito, &o);
    }
    if (!rc && (which = "S3", rc = rec_s3_client_new(&h->clients.s3, NULL)) == 0 &&
        !(h->identities = video_identity_cache_new()))
        rc = REC_ERR_NOMEM;
    if (rc)
        rec_error_set(err, rc, 0, "%s client: %s (" ENV_CLIENT_HINT ")", which, rec_strerror(rc));
    return rc;
}

static int video_init(void **state, char *reason, size_t reason_len)
{
    struct rec_error err;
    rec_error_clear(&err);
    struct video_handler *h = calloc(1, sizeof(*h));
    if (!h)
        return REC_ERR_NOMEM;
    int rc = video_config_from_env(&h->cfg, &h->regions, &err);
    if (!rc)
        rc = create_clients(h, &err);
    if (rc) {
        snprintf(reason, reason_len, "%s", err.message);
        video_destroy(h);
        return rc;
    }
    *state = h;
    return 0;
}

/* Starts the invocation's metric line with what happened to recordings. */
static void begin_metrics(struct rec_metrics *m, const struct video_tally *t)
{
    rec_metrics_begin(m, video_call_recording_handler.name);
    if (t->entered[VIDEO_STATE_CONCATENATING])
        rec_metrics_count(m, "ConcatenationsStarted", t->entered[VIDEO_STATE_CONCATENATING]);
    if (t->entered[VIDEO_STATE_AVAILABLE])
        rec_metrics_count(m, "RecordingsAvailable", t->entered[VIDEO_STATE_AVAILABLE]);
    if (t->entered[VIDEO_STATE_FAILED])
        rec_metrics_count(m, "PipelineFailures", t->entered[VIDEO_STATE_FAILED]);
}

static void emit_api_metrics(const struct video_ctx *ctx, enum video_route route, int status)
{
    static const char *const routes[] = { [VIDEO_ROUTE_UNKNOWN] = "unknown", [VIDEO_ROUTE_START] = "start",
                                          [VIDEO_ROUTE_STOP] = "stop", [VIDEO_ROUTE_SUMMARY] = "summary" };
    struct rec_metrics m;
    begin_metrics(&m, ctx->tally);
    rec_metrics_dimension(&m, "Route", routes[route]);
    rec_metrics_dimension(&m, "StatusClass", rec_metrics_status_class(status));
    rec_metrics_count(&m, "ApiRequests", 1);
    rec_metrics_emit(&m);
}

static void emit_event_metrics(const struct video_ctx *ctx, const struct video_event *ev, enum rec_outcome o)
{
    struct rec_metrics m;
    begin_metrics(&m, ctx->tally);
    rec_metrics_property(&m, "eventType", ev->event_type);
    if (o != REC_OUTCOME_STORED) {
        rec_metrics_dimension(&m, "Class", rec_outcome_name(o));
        rec_metrics_count(&m, "EventFailures", 1);
    }
    rec_metrics_emit(&m); /* nothing counted: no line */
}

static int api_request(const struct video_ctx *ctx, const cJSON *event, const char *req_id,
                       struct handler_result *result)
{
    struct rec_error err;
    rec_error_clear(&err);
    struct video_api_request req;
    struct video_answer answer = { 0 };
    int rc = video_api_read(event, &req, &err);
    if (!rc)
        rc = video_route(ctx, &req, &answer);
    if (!rc)
        emit_api_metrics(ctx, req.route, answer.status);
    if (!rc)
        rc = video_api_answer(&result->response, answer.status, answer.success, answer.data, answer.message, req_id);
    cJSON_Delete(answer.data);
    if (rc)
        return handler_fail(result, rc, "OutOfMemory", "the answer could not be made: %s", rec_strerror(rc));
    rec_log(REC_LOG_INFO, "video recording API", LOG_STR("routeKey", cJSON_GetStringValue(
                                                            cJSON_GetObjectItemCaseSensitive(event, "routeKey"))),
            LOG_INT("statusCode", answer.status));
    return 0;
}

static int eventbridge_event(const struct video_ctx *ctx, const cJSON *event, struct handler_result *result)
{
    struct rec_error err;
    rec_error_clear(&err);
    struct video_event ev;
    if (!video_event_read(event, &ev, &err))
        video_event_apply(ctx, &ev, &err);
    enum rec_outcome o = rec_outcome_of(&err);
    emit_event_metrics(ctx, &ev, o);
    if (o == REC_OUTCOME_RETRIABLE)
        return handler_fail(result, err.code, "RetriableError", "%s: %s", ev.event_type, err.message);
    if (o == REC_OUTCOME_PERMANENT)
        rec_log(REC_LOG_ERROR, "video event dropped", LOG_STR("eventType", ev.event_type),
                LOG_STR("reason", err.message));
    int rc = rec_buf_append_str(&result->response, o == REC_OUTCOME_STORED ? "{\"status\":\"done\"}"
                                                                           : "{\"status\":\"dropped\"}");
    return rc ? handler_fail(result, rc, "OutOfMemory", "out of memory") : 0;
}

static int video_invoke(void *state, const struct handler_context *hctx, const char *event, size_t event_len,
                        struct handler_result *result)
{
    struct video_handler *h = state;
    struct video_tally tally = { { 0 } };
    struct video_ctx ctx = { .cfg = &h->cfg, .clients = &h->clients, .identities = h->identities,
                             .tally = &tally, .now_ms = rec_clock_now_ms(), .deadline_ms = hctx->deadline_ms };
    if (video_account_of_arn(hctx->function_arn ? hctx->function_arn : "", ctx.account))
        return handler_fail(result, REC_ERR_INVALID, "InvalidContext", "no account id in the function ARN %s",
                            hctx->function_arn ? hctx->function_arn : "");
    cJSON *doc = cJSON_ParseWithLength(event, event_len);
    int rc;
    if (video_api_is_request(doc))
        rc = api_request(&ctx, doc, hctx->request_id, result);
    else if (video_is_eventbridge(doc))
        rc = eventbridge_event(&ctx, doc, result);
    else
        rc = handler_fail(result, REC_ERR_INVALID, "InvalidEvent",
                          "neither an HTTP API (payload 2.0) request nor an EventBridge event");
    cJSON_Delete(doc);
    return rc;
}

const struct handler_def video_call_recording_handler = {
    .name = "VideoCallRecording",
    .init = video_init,
    .invoke = video_invoke,
    .destroy = video_destroy,
};

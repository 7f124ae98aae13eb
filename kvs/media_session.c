#include "kvs/media_session.h"

#include <stdio.h>
#include <string.h>

#include "common/bytes.h"
#include "common/clock.h"
#include "common/log.h"
#include "kvs/fragment_list.h"

/* One reading's state. */
struct session {
    const struct media_session_config *cfg;
    const struct media_sink *sink;
    struct media_session_result *out;
    struct rec_aws_response resp;  /* the last call's answer */
    struct rec_error call_err;     /* the last call's failure */
    struct rec_error sink_err;     /* what the sink said about its failure */
    int sink_failed;
    int done;                      /* the sink said MEDIA_SINK_DONE */
    int timed_out;                 /* the deadline passed while bytes came in */
    const char *selector;
    const char *value;             /* NULL, start_fragment, or value_buf */
    char value_buf[KVS_CONTINUATION_TOKEN_MAX + 1];
    int refreshed;                 /* the endpoint was asked again once */
    unsigned idle_calls;           /* calls in a row that moved nothing */
    int fragment_list;             /* media_session_read_fragments: its sink's
                                      FRAGMENT_NOT_FOUND may pass */
};

/* The body of a GetMedia goes to the sink; the sink's "done" becomes the
 * request layer's stop, and goes no further. */
static int on_media(void *user, const uint8_t *data, size_t len)
{
    struct session *s = user;
    if (s->cfg->deadline_ms && rec_clock_now_ms() >= s->cfg->deadline_ms) {
        s->timed_out = 1;
        return REC_ERR_TIMEOUT;
    }
    s->out->media_bytes += len;
    int rc = s->sink->push(s->sink->user, data, len, &s->sink_err);
    if (rc == MEDIA_SINK_DONE) {
        s->done = 1;
        return REC_AWS_STOP;
    }
    if (rc < 0) {
        s->sink_failed = 1;
        rec_error_set(&s->sink_err, rc, 0, "%s", rec_strerror(rc)); /* if the sink did not */
        return rc;
    }
    return 0;
}

/* One GetMedia from the current selector, to the cached endpoint. */
static int call_get_media(struct session *s)
{
    const struct media_session_config *cfg = s->cfg;
    char endpoint[KVS_ENDPOINT_MAX];
    rec_error_clear(&s->call_err);
    int rc = kvs_endpoint_cache_get(cfg->endpoints, cfg->kvs, cfg->stream_arn, KVS_API_GET_MEDIA,
                                    cfg->deadline_ms, endpoint, sizeof(endpoint), &s->resp,
                                    &s->call_err);
    if (rc)
        return rc;
    struct kvs_get_media_request req = {
        .endpoint = endpoint,
        .stream_arn = cfg->stream_arn,
        .selector_type = s->selector,
        .selector_value = s->value,
        .on_body = on_media,
        .user = s,
        .idle_ms = cfg->idle_ms,
        .deadline_ms = cfg->deadline_ms,
    };
    s->out->calls++;
    return kvs_client_get_media(cfg->kvs, &req, &s->resp, &s->call_err);
}

/* Tells the sink a new byte stream follows. Returns 0, or its restart
 * failure (retriable: a fresh reading may succeed). api names the call. */
static int restart_sink(struct session *s, const char *api, struct rec_error *err)
{
    struct rec_error e;
    rec_error_clear(&e);
    int rc = s->sink->restart(s->sink->user, &e);
    if (rc) {
        rec_error_set(err, rc < 0 ? rc : REC_ERR_STATE, 1, "cannot resume %s without duplicating audio%s%s",
                      api, e.message[0] ? ": " : "", e.message);
        return rc < 0 ? rc : REC_ERR_STATE;
    }
    return 0;
}

/* Forgets the endpoint of api after an InvalidEndpointException, once per
 * reading: 1 when the call should be made again. */
static int refresh_endpoint(struct session *s, const char *api)
{
    if (strcmp(s->resp.error_code, "InvalidEndpointException") != 0 || s->refreshed)
        return 0;
    kvs_endpoint_cache_forget(s->cfg->endpoints, s->cfg->stream_arn, api);
    s->refreshed = 1;
    s->out->endpoint_refreshes++;
    return 1;
}

/* The next call goes on after the resume point. Returns 0, or the sink's
 * restart failure (retriable: a fresh reading may succeed). */
static int resume_after(struct session *s, const struct kvs_resume_point *at, struct rec_error *err)
{
    int rc = restart_sink(s, "GetMedia", err);
    if (rc)
        return rc;
    const char *value = at->continuation_token[0] ? at->continuation_token : at->last_fragment;
    if (!*value)
        return 0; /* nothing complete yet: the same selector again */
    s->selector = at->continuation_token[0] ? "CONTINUATION_TOKEN" : "FRAGMENT_NUMBER";
    rec_str_copy(s->value_buf, sizeof(s->value_buf), value); /* both fit by their types */
    s->value = s->value_buf;
    rec_log(REC_LOG_WARN, "GetMedia ended early; resuming", LOG_STR(s->cfg->log_name, s->cfg->log_value),
            LOG_STR("stream", s->cfg->stream_arn), LOG_STR("selector", s->selector),
            LOG_STR("after", s->value), LOG_INT("status", s->resp.status),
            LOG_BOOL("stalled", s->resp.stalled));
    return 0;
}

/* Judges a call that ended without a verdict of the sink: 1 when the
 * reading is over (*rc its result), 0 to call again. */
static int judge_call(struct session *s, int call_rc, uint64_t bytes_before,
                      const struct kvs_resume_point *before, int *rc, struct rec_error *err)
{
    /* a failure before any media is an answer about the request itself
     * (resp.body_bytes would count an error body too), unless KVS answered
     * and then had nothing to send: the live edge, judged below */
    int quiet = s->resp.stalled && s->resp.status >= 200 && s->resp.status <= 299;
    if (call_rc && s->out->media_bytes == bytes_before && !quiet) {
        if (refresh_endpoint(s, KVS_API_GET_MEDIA))
            return 0;
        rec_error_wrap(err, &s->call_err, NULL);
        *rc = call_rc;
        return 1;
    }
    struct kvs_resume_point after;
    s->sink->resume_point(s->sink->user, &after);
    int progressed = after.fragments_seen > before->fragments_seen ||
                     strcmp(after.last_fragment, before->last_fragment) != 0;
    s->idle_calls = progressed ? 0 : s->idle_calls + 1;
    /* the live edge: the stream delivered what it had and then idled */
    if ((s->resp.stalled && !progressed) || s->idle_calls >= 2) {
        s->out->live_edge = 1;
        *rc = 0;
        return 1;
    }
    /* the session ended (about 45 minutes), the connection dropped, or it
     * stalled mid-stream: go on after the last complete fragment */
    *rc = resume_after(s, &after, err);
    return *rc != 0;
}

/* What ends a reading whatever the call: the deadline, the sink's failure,
 * the sink's "done". 1 when one of them did (*rc its result). */
static int sink_verdict(struct session *s, int call_rc, int *rc, struct rec_error *err)
{
    if (s->timed_out || call_rc == REC_ERR_TIMEOUT) {
        s->out->deadline = 1;
        *rc = REC_ERR_TIMEOUT;
        rec_error_set(err, *rc, 1, "reading %s stopped at the deadline", s->cfg->stream_arn);
        return 1;
    }
    if (s->sink_failed) {
        *rc = s->sink_err.code;
        int may_pass = s->fragment_list && *rc == REC_ERR_NOT_FOUND;
        rec_error_set(err, *rc, may_pass, "%s: %s",
                      may_pass ? "a listed fragment is not served yet" : "the media is not usable",
                      s->sink_err.message);
        return 1;
    }
    if (s->done) {
        s->out->complete = 1;
        *rc = 0;
        return 1;
    }
    return 0;
}

/* After one call: 1 when the reading is over (*rc its result), 0 to go on. */
static int after_call(struct session *s, int call_rc, uint64_t bytes_before,
                      const struct kvs_resume_point *before, int *rc, struct rec_error *err)
{
    if (sink_verdict(s, call_rc, rc, err))
        return 1;
    return judge_call(s, call_rc, bytes_before, before, rc, err);
}

static int config_ok(const struct media_session_config *cfg, const struct media_sink *sink)
{
    int by_fragment = cfg->start_selector && strcmp(cfg->start_selector, "FRAGMENT_NUMBER") == 0;
    return cfg->kvs && cfg->endpoints && cfg->stream_arn && *cfg->stream_arn &&
           cfg->start_selector && (!by_fragment || (cfg->start_fragment && *cfg->start_fragment)) &&
           cfg->idle_ms > 0 && cfg->max_calls >= 1 && sink && sink->push && sink->restart &&
           sink->resume_point;
}

int media_session_read(const struct media_session_config *cfg, const struct media_sink *sink,
                       struct media_session_result *out, struct rec_error *err)
{
    memset(out, 0, sizeof(*out));
    if (!config_ok(cfg, sink)) {
        rec_error_set(err, REC_ERR_INVALID, 0, "GetMedia: a reading without a stream, selector or sink");
        return REC_ERR_INVALID;
    }
    struct session s = { .cfg = cfg, .sink = sink, .out = out, .selector = cfg->start_selector };
    if (strcmp(cfg->start_selector, "FRAGMENT_NUMBER") == 0)
        s.value = cfg->start_fragment;
    rec_aws_response_init(&s.resp);
    rec_error_clear(&s.sink_err);
    int rc = 0;
    for (unsigned round = 1;; round++) {
        if (round > cfg->max_calls) {
            rc = REC_ERR_LIMIT;
            rec_error_set(err, rc, 1, "GetMedia ended early %u times in a row", round - 1);
            break;
        }
        struct kvs_resume_point before;
        sink->resume_point(sink->user, &before);
        uint64_t bytes_before = out->media_bytes;
        int call_rc = call_get_media(&s);
        if (after_call(&s, call_rc, bytes_before, &before, &rc, err))
            break;
    }
    rec_aws_response_clean_up(&s.resp);
    return rc;
}

/* ---- the bounded reading: ListFragments + GetMediaForFragmentList ---------- */

/* Lists the span into l; the start and stop fragments must be in it. */
static int list_span(struct session *s, struct kvs_fragment_list *l, struct rec_error *err)
{
    const struct media_session_config *cfg = s->cfg;
    struct kvs_fragment_span span = {
        .stream_arn = cfg->stream_arn, .start_fragment = cfg->start_fragment,
        .stop_fragment = cfg->stop_fragment, .start_ms = cfg->start_ms, .stop_ms = cfg->stop_ms,
        .margin_ms = cfg->list_margin_ms,
    };
    char endpoint[KVS_ENDPOINT_MAX];
    int rc;
    do {
        rec_error_clear(&s->call_err);
        rc = kvs_endpoint_cache_get(cfg->endpoints, cfg->kvs, cfg->stream_arn, KVS_API_LIST_FRAGMENTS,
                                    cfg->deadline_ms, endpoint, sizeof(endpoint), &s->resp, &s->call_err);
        if (!rc)
            rc = kvs_fragment_list_fetch(l, cfg->kvs, endpoint, &span, cfg->deadline_ms, &s->resp,
                                         &s->call_err);
        s->out->list_calls += l->pages;
    } while (rc && refresh_endpoint(s, KVS_API_LIST_FRAGMENTS));
    if (rc)
        return rec_error_wrap(err, &s->call_err, NULL);
    s->out->fragments = l->n;
    int no_start = !l->n || fragment_number_cmp(l->numbers[0], cfg->start_fragment) != 0;
    if (no_start || fragment_number_cmp(l->numbers[l->n - 1], cfg->stop_fragment) != 0) {
        s->out->not_listed = 1;
        return rec_error_set(err, REC_ERR_NOT_FOUND, 1,
                             "ListFragments does not list the %s fragment %s of %s (%zu of the "
                             "recording's fragments listed): not archived yet, or no longer",
                             no_start ? "start" : "stop", no_start ? cfg->start_fragment : cfg->stop_fragment,
                             cfg->stream_arn, l->n);
    }
    return 0;
}

/* One GetMediaForFragmentList of l's entries [from, from + n). */
static int call_batch(struct session *s, const struct kvs_fragment_list *l, size_t from, size_t n)
{
    const struct media_session_config *cfg = s->cfg;
    char endpoint[KVS_ENDPOINT_MAX];
    const char *numbers[KVS_FRAGMENT_LIST_MAX];
    rec_error_clear(&s->call_err);
    int rc = kvs_endpoint_cache_get(cfg->endpoints, cfg->kvs, cfg->stream_arn,
                                    KVS_API_GET_MEDIA_FOR_FRAGMENT_LIST, cfg->deadline_ms, endpoint,
                                    sizeof(endpoint), &s->resp, &s->call_err);
    if (rc)
        return rc;
    for (size_t i = 0; i < n; i++)
        numbers[i] = l->numbers[from + i];
    struct kvs_fragment_media_request req = {
        .endpoint = endpoint, .stream_arn = cfg->stream_arn, .fragments = numbers, .n = n,
        .on_body = on_media, .user = s, .idle_ms = cfg->idle_ms, .deadline_ms = cfg->deadline_ms,
    };
    s->out->calls++;
    return kvs_client_get_media_for_fragment_list(cfg->kvs, &req, &s->resp, &s->call_err);
}

/* After a batch: 1 when the reading is over (*rc its result), 0 to go on
 * from *next (moved past what was delivered). */
static int after_batch(struct session *s, const struct kvs_fragment_list *l, int call_rc,
                       uint64_t bytes_before, size_t n, size_t *next, int *rc, struct rec_error *err)
{
    if (sink_verdict(s, call_rc, rc, err))
        return 1;
    if (!call_rc) {
        *next += n; /* the whole batch was delivered */
        return 0;
    }
    if (s->out->media_bytes == bytes_before) { /* an answer about the request itself */
        if (refresh_endpoint(s, KVS_API_GET_MEDIA_FOR_FRAGMENT_LIST))
            return 0;
        *rc = rec_error_wrap(err, &s->call_err, NULL);
        return 1;
    }
    /* cut short (a dropped connection, a stall): on after the last complete fragment */
    if ((*rc = restart_sink(s, "GetMediaForFragmentList", err)) != 0)
        return 1;
    struct kvs_resume_point at;
    s->sink->resume_point(s->sink->user, &at);
    size_t after = kvs_fragment_list_after(l, at.last_fragment);
    if (after > *next)
        *next = after;
    rec_log(REC_LOG_WARN, "GetMediaForFragmentList ended early; resuming",
            LOG_STR(s->cfg->log_name, s->cfg->log_value), LOG_STR("stream", s->cfg->stream_arn),
            LOG_STR("after", at.last_fragment), LOG_INT("status", s->resp.status),
            LOG_BOOL("stalled", s->resp.stalled));
    return 0;
}

static int list_config_ok(const struct media_session_config *cfg, const struct media_sink *sink)
{
    return cfg->kvs && cfg->endpoints && cfg->stream_arn && *cfg->stream_arn && cfg->idle_ms > 0 &&
           cfg->max_calls >= 1 && cfg->batch_fragments >= 1 && cfg->batch_fragments <= KVS_FRAGMENT_LIST_MAX &&
           fragment_number_valid(cfg->start_fragment) && fragment_number_valid(cfg->stop_fragment) &&
           cfg->start_ms && cfg->stop_ms && sink && sink->push && sink->restart && sink->resume_point;
}

int media_session_read_fragments(const struct media_session_config *cfg, const struct media_sink *sink,
                                 struct media_session_result *out, struct rec_error *err)
{
    memset(out, 0, sizeof(*out));
    if (!list_config_ok(cfg, sink))
        return rec_error_set(err, REC_ERR_INVALID, 0,
                             "GetMediaForFragmentList: a reading without a stream, fragment span or sink");
    struct session s = { .cfg = cfg, .sink = sink, .out = out, .fragment_list = 1 };
    struct kvs_fragment_list l;
    kvs_fragment_list_init(&l, cfg->max_fragments);
    rec_aws_response_init(&s.resp);
    rec_error_clear(&s.sink_err);
    int rc = list_span(&s, &l, err);
    size_t next = 0;
    for (unsigned round = 1; !rc; round++) {
        if (next >= l.n) {
            out->complete = 1; /* every listed fragment delivered */
            break;
        }
        if (round > cfg->max_calls) {
            rc = rec_error_set(err, REC_ERR_LIMIT, 1, "GetMediaForFragmentList took more than %u calls",
                               cfg->max_calls);
            break;
        }
        size_t n = l.n - next < cfg->batch_fragments ? l.n - next : cfg->batch_fragments;
        uint64_t bytes_before = out->media_bytes;
        int call_rc = call_batch(&s, &l, next, n);
        if (after_batch(&s, &l, call_rc, bytes_before, n, &next, &rc, err))
            break;
    }
    kvs_fragment_list_clean_up(&l);
    rec_aws_response_clean_up(&s.resp);
    return rc;
}

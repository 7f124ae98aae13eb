/* Tests of the media session (kvs/media_session.c) against two scripted
 * local HTTP servers (test_aws_server.h): one answers GetDataEndpoint with
 * the other's address, the other answers GetMedia. The sink is a fake that
 * reads a tiny text protocol instead of Matroska, split anywhere:
 *   "F<n>;"  fragment n read to its end     "T<tok>;" a continuation token
 *   "D;"     the recording is complete      "X;"      the media is unusable
 * and any other byte is filler. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "common/clock.h"
#include "common/error.h"
#include "common/log.h"
#include "kvs/media_session.h"
#include "test_aws_server.h"
#include "test_log_capture.h"

#define ARN "arn:aws:kinesisvideo:us-east-1:123456789012:stream/connect-s/1"

/* ---- the fake sink ---- */

struct fake_sink {
    char token[64];  /* the protocol token being read */
    size_t token_len;
    struct kvs_resume_point at;
    unsigned restarts;
    int refuse_restart;
    uint64_t bytes;
};

static int fake_push(void *user, const uint8_t *bytes, size_t len, struct rec_error *err)
{
    struct fake_sink *f = user;
    f->bytes += len;
    for (size_t i = 0; i < len; i++) {
        char c = (char)bytes[i];
        if (c != ';') {
            if (f->token_len + 1 < sizeof(f->token))
                f->token[f->token_len++] = c;
            continue;
        }
        f->token[f->token_len] = '\0';
        f->token_len = 0;
        const char *t = f->token;
        while (*t == 'x') /* filler before a token */
            t++;
        if (t[0] == 'F') {
            snprintf(f->at.last_fragment, sizeof(f->at.last_fragment), "%s", t + 1);
            f->at.fragments_seen++;
        } else if (t[0] == 'T') {
            snprintf(f->at.continuation_token, sizeof(f->at.continuation_token), "%s", t + 1);
        } else if (t[0] == 'D') {
            return MEDIA_SINK_DONE;
        } else if (t[0] == 'X') {
            return rec_error_set(err, REC_ERR_INVALID, 0, "bad fragment after %s", f->at.last_fragment);
        }
    }
    return 0;
}

static int fake_restart(void *user, struct rec_error *err)
{
    struct fake_sink *f = user;
    f->restarts++;
    f->token_len = 0; /* a cut token is gone with its stream */
    if (f->refuse_restart)
        return rec_error_set(err, REC_ERR_STATE, 0, "audio of the cut fragment was written");
    return 0;
}

static void fake_resume_point(void *user, struct kvs_resume_point *out)
{
    *out = ((struct fake_sink *)user)->at;
}

static struct media_sink sink_of(struct fake_sink *f)
{
    return (struct media_sink){ .user = f, .push = fake_push, .restart = fake_restart,
                                .resume_point = fake_resume_point };
}

/* One reading into the fake sink f, err cleared first. */
static int read_into(const struct media_session_config *cfg, struct fake_sink *f,
                     struct media_session_result *out, struct rec_error *err)
{
    struct media_sink sink = sink_of(f);
    rec_error_clear(err);
    return media_session_read(cfg, &sink, out, err);
}

/* ---- the two servers ---- */

struct stack {
    struct test_server *control; /* GetDataEndpoint */
    struct test_server *data;    /* GetMedia */
    char endpoint_answer[128];   /* must outlive the control server */
    struct kvs_client *kvs;
    struct kvs_endpoint_cache *cache;
};

/* data: the GetMedia answers in order. The control plane answers every
 * GetDataEndpoint with the data server's address, unless control is given. */
static struct stack *stack_start(const struct ts_answer *data, size_t n_data,
                                 const struct ts_answer *control, size_t n_control,
                                 unsigned max_attempts)
{
    struct stack *st = calloc(1, sizeof(*st));
    st->data = ts_start(data, n_data);
    snprintf(st->endpoint_answer, sizeof(st->endpoint_answer),
             "{\"DataEndpoint\":\"http://127.0.0.1:%d\"}", st->data->port);
    struct ts_answer endpoint = { 200, NULL, st->endpoint_answer, 0, 0, 0, 0 };
    st->control = control ? ts_start(control, n_control) : ts_start(&endpoint, 1);
    char url[64];
    snprintf(url, sizeof(url), "http://127.0.0.1:%d", st->control->port);
    struct sigv4_credentials creds;
    assert_int_equal(sigv4_credentials_init(&creds, "AKIDEXAMPLE", "secret", NULL), 0);
    struct service_options opt = {
        .region = "us-east-1", .credentials = &creds, .endpoint_url = url,
        .retry = { .max_attempts = max_attempts, .base_delay_ms = 1, .throttle_base_delay_ms = 1,
                   .max_delay_ms = 4 },
    };
    assert_int_equal(kvs_client_new(&st->kvs, &opt), 0);
    sigv4_credentials_clean_up(&creds);
    assert_int_equal(kvs_endpoint_cache_new(&st->cache), 0);
    return st;
}

static void stack_stop(struct stack *st)
{
    kvs_endpoint_cache_destroy(st->cache);
    kvs_client_destroy(st->kvs);
    ts_stop(st->data);
    ts_stop(st->control);
    free(st);
}

static struct media_session_config config_for(struct stack *st)
{
    return (struct media_session_config){
        .kvs = st->kvs, .endpoints = st->cache, .stream_arn = ARN,
        .start_selector = "FRAGMENT_NUMBER", .start_fragment = "100", .idle_ms = 5000,
        .max_calls = 10, .log_name = "contactId", .log_value = "c-1",
    };
}

/* The body of request i; waits up to 5 s for the server to read it (a
 * server busy stalling an earlier answer reads the next request late). */
static const char *sent_body(struct test_server *s, size_t i)
{
    for (int waited = 0; ts_count(s) <= i && waited < 5000; waited += 10)
        rec_clock_sleep_ms(10);
    assert_true(i < ts_count(s));
    return s->reqs[i].body;
}

/* ---- tests ---- */

static void resumes_with_the_continuation_token(void **state)
{
    (void)state;
    /* the first GetMedia session ends after two fragments, as KVS's ~45
     * minute sessions do: the second goes on after the last token */
    struct ts_answer media[] = {
        { 200, NULL, "F100;T100t;F101;T101t;", 0, 0, 0, 0 },
        { 200, NULL, "F102;T102t;D;F103;", 0, 0, 0, 0 },
    };
    struct stack *st = stack_start(media, 2, NULL, 0, 1);
    struct fake_sink f = { 0 };
    struct media_session_config cfg = config_for(st);
    struct media_session_result out;
    struct rec_error err;
    assert_int_equal(read_into(&cfg, &f, &out, &err), 0);
    assert_false(rec_error_is_set(&err));
    assert_true(out.complete);
    assert_false(out.live_edge);
    assert_int_equal(out.calls, 2);
    assert_int_equal(f.restarts, 1);
    assert_string_equal(f.at.last_fragment, "102");
    assert_int_equal(out.media_bytes, strlen(media[0].body) + strlen(media[1].body));
    assert_int_equal(ts_count(st->control), 1); /* one lookup, then the cache */
    assert_non_null(strstr(sent_body(st->control, 0), "\"APIName\":\"GET_MEDIA\""));
    assert_non_null(strstr(sent_body(st->control, 0), ARN));
    assert_string_equal(st->data->reqs[0].target, "/getMedia");
    assert_non_null(strstr(sent_body(st->data, 0), "\"StartSelectorType\":\"FRAGMENT_NUMBER\","
                                                   "\"AfterFragmentNumber\":\"100\""));
    assert_non_null(strstr(sent_body(st->data, 1), "\"StartSelectorType\":\"CONTINUATION_TOKEN\","
                                                   "\"ContinuationToken\":\"101t\""));
    char *log = logged();
    assert_non_null(strstr(log, "GetMedia ended early; resuming contactId=c-1"));
    free(log);
    stack_stop(st);
}

static void resumes_by_fragment_number_without_tokens(void **state)
{
    (void)state;
    struct ts_answer media[] = {
        { 200, NULL, "F7;F8;xxF9", 0, 0, 0, 0 },  /* ends inside fragment 9 */
        { 200, NULL, "F8;F9;D;", 0, 0, 0, 0 },    /* FRAGMENT_NUMBER re-delivers 8 */
    };
    struct stack *st = stack_start(media, 2, NULL, 0, 1);
    struct fake_sink f = { 0 };
    struct media_session_config cfg = config_for(st);
    cfg.start_selector = "NOW";
    struct media_session_result out;
    struct rec_error err;
    assert_int_equal(read_into(&cfg, &f, &out, &err), 0);
    assert_true(out.complete);
    assert_int_equal(out.calls, 2);
    assert_non_null(strstr(sent_body(st->data, 0), "{\"StartSelectorType\":\"NOW\"}"));
    assert_non_null(strstr(sent_body(st->data, 1), "\"StartSelectorType\":\"FRAGMENT_NUMBER\","
                                                   "\"AfterFragmentNumber\":\"8\""));
    stack_stop(st);
}

static void nothing_complete_yet_starts_over_from_the_start_selector(void **state)
{
    (void)state;
    struct ts_answer media[] = {
        { 200, NULL, "xxxx", 0, 0, 0, 0 },
        { 200, NULL, "F100;D;", 0, 0, 0, 0 },
    };
    struct stack *st = stack_start(media, 2, NULL, 0, 1);
    struct fake_sink f = { 0 };
    struct media_session_config cfg = config_for(st);
    struct media_session_result out;
    struct rec_error err;
    assert_int_equal(read_into(&cfg, &f, &out, &err), 0);
    assert_true(out.complete);
    assert_int_equal(out.calls, 2);
    assert_string_equal(sent_body(st->data, 1), sent_body(st->data, 0));
    stack_stop(st);
}

static void a_stall_without_progress_is_the_live_edge(void **state)
{
    (void)state;
    /* a fragment and its token, then silence: the stall after progress is
     * resumed; the next call delivers no fragment before it stalls, which
     * ends the reading */
    struct ts_answer media[] = {
        { 200, NULL, "F1;T1t;xxxxxxxx", 0, 0, 7, 2500 },
        { 200, NULL, "xxF2;", 0, 0, 2, 2500 },
    };
    struct stack *st = stack_start(media, 2, NULL, 0, 1);
    struct fake_sink f = { 0 };
    struct media_session_config cfg = config_for(st);
    cfg.idle_ms = 300;
    struct media_session_result out;
    struct rec_error err;
    assert_int_equal(read_into(&cfg, &f, &out, &err), 0);
    assert_false(rec_error_is_set(&err));
    assert_true(out.live_edge);
    assert_false(out.complete);
    assert_int_equal(out.calls, 2);
    assert_int_equal(f.at.fragments_seen, 1);
    assert_non_null(strstr(sent_body(st->data, 1), "\"ContinuationToken\":\"1t\""));
    stack_stop(st);
}

static void two_calls_in_a_row_without_progress_end_the_reading(void **state)
{
    (void)state;
    struct ts_answer media[] = {
        { 200, NULL, "F1;", 0, 0, 0, 0 },
        { 200, NULL, "xx", 0, 0, 0, 0 },
        { 200, NULL, "xx", 0, 0, 0, 0 },
        { 200, NULL, "F2;D;", 0, 0, 0, 0 },
    };
    struct stack *st = stack_start(media, 4, NULL, 0, 1);
    struct fake_sink f = { 0 };
    struct media_session_config cfg = config_for(st);
    struct media_session_result out;
    struct rec_error err;
    assert_int_equal(read_into(&cfg, &f, &out, &err), 0);
    assert_true(out.live_edge);
    assert_int_equal(out.calls, 3);
    stack_stop(st);
}

static void invalid_endpoint_is_looked_up_again_once(void **state)
{
    (void)state;
    struct ts_answer media[] = {
        { 400, "x-amzn-ErrorType: InvalidEndpointException:http://internal/\r\n",
          "{\"message\":\"go elsewhere\"}", 0, 0, 0, 0 },
        { 200, NULL, "F1;D;", 0, 0, 0, 0 },
    };
    struct stack *st = stack_start(media, 2, NULL, 0, 3);
    struct fake_sink f = { 0 };
    struct media_session_config cfg = config_for(st);
    struct media_session_result out;
    struct rec_error err;
    assert_int_equal(read_into(&cfg, &f, &out, &err), 0);
    assert_true(out.complete);
    assert_int_equal(out.calls, 2);
    assert_int_equal(out.endpoint_refreshes, 1);
    assert_int_equal(ts_count(st->data), 2); /* the 400 was not retried inside */
    assert_int_equal(ts_count(st->control), 2);
    assert_int_equal(f.restarts, 0);         /* no byte came: nothing to restart */

    /* the cache outlives the session: a second reading asks nobody */
    struct fake_sink g = { 0 };
    assert_int_equal(read_into(&cfg, &g, &out, &err), 0);
    assert_int_equal(ts_count(st->control), 2);
    stack_stop(st);
}

static void a_second_invalid_endpoint_is_a_permanent_failure(void **state)
{
    (void)state;
    struct ts_answer media[] = {
        { 400, "x-amzn-ErrorType: InvalidEndpointException:http://internal/\r\n"
               "x-amzn-RequestId: R-2\r\n", "{\"message\":\"go elsewhere\"}", 0, 0, 0, 0 },
    };
    struct stack *st = stack_start(media, 1, NULL, 0, 3);
    struct fake_sink f = { 0 };
    struct media_session_config cfg = config_for(st);
    struct media_session_result out;
    struct rec_error err;
    assert_int_equal(read_into(&cfg, &f, &out, &err), REC_ERR_AWS);
    assert_int_equal(err.code, REC_ERR_AWS);
    assert_int_equal(err.retriable, 0);
    assert_string_equal(err.message,
                        "GetMedia: 400 InvalidEndpointException: go elsewhere (request id R-2)");
    assert_int_equal(out.calls, 2);
    stack_stop(st);
}

static void the_call_limit_is_a_retriable_failure(void **state)
{
    (void)state;
    struct ts_answer media[] = {
        { 200, NULL, "F1;", 0, 0, 0, 0 },
        { 200, NULL, "F2;", 0, 0, 0, 0 },
        { 200, NULL, "F3;", 0, 0, 0, 0 },
        { 200, NULL, "F4;D;", 0, 0, 0, 0 },
    };
    struct stack *st = stack_start(media, 4, NULL, 0, 1);
    struct fake_sink f = { 0 };
    struct media_session_config cfg = config_for(st);
    cfg.max_calls = 3;
    struct media_session_result out;
    struct rec_error err;
    assert_int_equal(read_into(&cfg, &f, &out, &err), REC_ERR_LIMIT);
    assert_int_equal(err.retriable, 1);
    assert_string_equal(err.message, "GetMedia ended early 3 times in a row");
    assert_int_equal(out.calls, 3);
    assert_int_equal(ts_count(st->data), 3);
    assert_false(out.complete);
    stack_stop(st);
}

static void the_deadline_stops_reading_as_a_retriable_failure(void **state)
{
    (void)state;
    /* a fragment, then the stream goes on slowly (no stall: idle is 5 s) */
    struct ts_answer media[] = { { 200, NULL, "F1;xxxxF2;D;", 0, 0, 3, 1500 } };
    struct stack *st = stack_start(media, 1, NULL, 0, 1);
    struct fake_sink f = { 0 };
    struct media_session_config cfg = config_for(st);
    int64_t t0 = rec_clock_now_ms();
    cfg.deadline_ms = t0 + 400;
    struct media_session_result out;
    struct rec_error err;
    assert_int_equal(read_into(&cfg, &f, &out, &err), REC_ERR_TIMEOUT);
    assert_true(rec_clock_now_ms() - t0 < 1400);
    assert_true(out.deadline);
    assert_int_equal(err.code, REC_ERR_TIMEOUT);
    assert_int_equal(err.retriable, 1);
    assert_int_equal(f.at.fragments_seen, 1);

    /* a deadline already passed: no GetMedia at all */
    size_t before = ts_count(st->data);
    cfg.deadline_ms = rec_clock_now_ms() - 1;
    assert_int_equal(read_into(&cfg, &f, &out, &err), REC_ERR_TIMEOUT);
    assert_true(out.deadline);
    assert_int_equal(err.retriable, 1);
    assert_int_equal(ts_count(st->data), before);
    stack_stop(st);
}

static void service_answers_are_classed_permanent_or_retriable(void **state)
{
    (void)state;
    struct ts_answer not_found[] = {
        { 404, "x-amzn-ErrorType: ResourceNotFoundException:http://internal/\r\n",
          "{\"message\":\"no such stream\"}", 0, 0, 0, 0 },
    };
    struct ts_answer broken[] = { { 500, NULL, "{\"__type\":\"InternalFailure\"}", 0, 0, 0, 0 } };
    struct ts_answer throttled[] = {
        { 400, "x-amzn-ErrorType: ClientLimitExceededException:http://internal/\r\n", "{}", 0, 0, 0, 0 },
    };
    struct {
        const struct ts_answer *control, *media;
        int code, retriable;
        const char *message;
    } cases[] = {
        { not_found, NULL, REC_ERR_AWS, 0, "GetDataEndpoint: 404 ResourceNotFoundException: no such stream" },
        { NULL, not_found, REC_ERR_AWS, 0, "GetMedia: 404 ResourceNotFoundException: no such stream" },
        { broken, NULL, REC_ERR_AWS, 1, "GetDataEndpoint: 500 InternalFailure: X" },
        { NULL, broken, REC_ERR_AWS, 1, "GetMedia: 500 InternalFailure: X" },
        { NULL, throttled, REC_ERR_AWS, 1, "GetMedia: 400 ClientLimitExceededException: X" },
    };
    struct ts_answer fine[] = { { 200, NULL, "F1;D;", 0, 0, 0, 0 } };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct stack *st = stack_start(cases[i].media ? cases[i].media : fine, 1, cases[i].control,
                                       cases[i].control ? 1 : 0, 2);
        struct fake_sink f = { 0 };
        struct media_session_config cfg = config_for(st);
        struct media_session_result out;
        struct rec_error err;
        assert_int_equal(read_into(&cfg, &f, &out, &err), cases[i].code);
        assert_int_equal(err.code, cases[i].code);
        assert_int_equal(err.retriable, cases[i].retriable);
        assert_string_equal(err.message, cases[i].message);
        assert_false(out.deadline);
        stack_stop(st);
    }
}

static void the_sinks_failures_end_the_reading(void **state)
{
    (void)state;
    /* push: the media is unusable, never retried, in the sink's words */
    struct ts_answer bad[] = { { 200, NULL, "F1;X;F2;", 0, 0, 0, 0 } };
    struct stack *st = stack_start(bad, 1, NULL, 0, 3);
    struct fake_sink f = { 0 };
    struct media_session_config cfg = config_for(st);
    struct media_session_result out;
    struct rec_error err;
    assert_int_equal(read_into(&cfg, &f, &out, &err), REC_ERR_INVALID);
    assert_int_equal(err.code, REC_ERR_INVALID);
    assert_int_equal(err.retriable, 0);
    assert_string_equal(err.message, "the media is not usable: bad fragment after 1");
    assert_int_equal(out.calls, 1);
    assert_int_equal(ts_count(st->data), 1);
    stack_stop(st);

    /* restart: a resume would duplicate audio; a fresh reading may not */
    struct ts_answer ends[] = { { 200, NULL, "F1;T1t;", 0, 0, 0, 0 } };
    st = stack_start(ends, 1, NULL, 0, 3);
    f = (struct fake_sink){ .refuse_restart = 1 };
    cfg = config_for(st);
    assert_int_equal(read_into(&cfg, &f, &out, &err), REC_ERR_STATE);
    assert_int_equal(err.retriable, 1);
    assert_string_equal(err.message, "cannot resume GetMedia without duplicating audio: audio of "
                                     "the cut fragment was written");
    assert_int_equal(out.calls, 1);
    stack_stop(st);
}

static void a_bad_configuration_sends_nothing(void **state)
{
    (void)state;
    struct ts_answer media[] = { { 200, NULL, "D;", 0, 0, 0, 0 } };
    struct stack *st = stack_start(media, 1, NULL, 0, 1);
    struct fake_sink f = { 0 };
    struct media_session_result out;
    struct rec_error err;
    struct media_session_config cfg = config_for(st);
    cfg.start_fragment = NULL; /* FRAGMENT_NUMBER needs one */
    assert_int_equal(read_into(&cfg, &f, &out, &err), REC_ERR_INVALID);
    assert_int_equal(err.retriable, 0);
    cfg = config_for(st);
    cfg.max_calls = 0;
    assert_int_equal(read_into(&cfg, &f, &out, &err), REC_ERR_INVALID);
    cfg = config_for(st);
    struct media_sink sink = sink_of(&f);
    sink.restart = NULL;
    assert_int_equal(media_session_read(&cfg, &sink, &out, &err), REC_ERR_INVALID);
    assert_int_equal(ts_count(st->control) + ts_count(st->data), 0);
    stack_stop(st);
}

/* ---- the bounded reading (media_session_read_fragments) ---- */

static struct media_session_config list_config_for(struct stack *st, const char *start, const char *stop,
                                                   unsigned batch)
{
    struct media_session_config cfg = config_for(st);
    cfg.start_fragment = start;
    cfg.stop_fragment = stop;
    cfg.start_ms = INT64_C(1700000000000);
    cfg.stop_ms = INT64_C(1700000005000);
    cfg.list_margin_ms = 60000;
    cfg.batch_fragments = batch;
    return cfg;
}

static int read_list_into(const struct media_session_config *cfg, struct fake_sink *f,
                          struct media_session_result *out, struct rec_error *err)
{
    struct media_sink sink = sink_of(f);
    rec_error_clear(err);
    return media_session_read_fragments(cfg, &sink, out, err);
}

static void the_list_is_paged_filtered_sorted_and_read_in_batches(void **state)
{
    (void)state;
    /* pages in no order, overlapping, with fragments of other contacts around */
    struct ts_answer data[] = {
        { 200, NULL, "{\"Fragments\":[{\"FragmentNumber\":\"15\",\"ServerTimestamp\":1700000004.5},"
                     "{\"FragmentNumber\":\"9\"},{\"FragmentNumber\":\"12\"}],\"NextToken\":\"tok/1=\"}",
          0, 0, 0, 0 },
        { 200, NULL, "{\"Fragments\":[{\"FragmentNumber\":\"14\"},{\"FragmentNumber\":\"100\"},"
                     "{\"FragmentNumber\":\"13\"},{\"FragmentNumber\":\"12\"}]}", 0, 0, 0, 0 },
        { 200, NULL, "F12;F13;", 0, 0, 0, 0 },
        { 200, NULL, "F14;F15;", 0, 0, 0, 0 },
    };
    struct stack *st = stack_start(data, 4, NULL, 0, 1);
    struct fake_sink f = { 0 };
    struct media_session_config cfg = list_config_for(st, "12", "15", 2);
    struct media_session_result out;
    struct rec_error err;
    assert_int_equal(read_list_into(&cfg, &f, &out, &err), 0);
    assert_true(out.complete);
    assert_int_equal(out.list_calls, 2);
    assert_int_equal(out.fragments, 4);
    assert_int_equal(out.calls, 2);
    assert_string_equal(st->data->reqs[0].target, "/listFragments");
    assert_non_null(strstr(sent_body(st->data, 0), "\"FragmentSelectorType\":\"SERVER_TIMESTAMP\""));
    assert_non_null(strstr(sent_body(st->data, 0), "\"StartTimestamp\":1699999940"));
    assert_non_null(strstr(sent_body(st->data, 0), "\"EndTimestamp\":1700000065"));
    assert_null(strstr(sent_body(st->data, 0), "NextToken"));
    assert_non_null(strstr(sent_body(st->data, 1), "\"NextToken\":\"tok/1=\""));
    assert_string_equal(st->data->reqs[2].target, "/getMediaForFragmentList");
    assert_non_null(strstr(sent_body(st->data, 2), "\"Fragments\":[\"12\",\"13\"]"));
    assert_non_null(strstr(sent_body(st->data, 3), "\"Fragments\":[\"14\",\"15\"]"));
    /* both data endpoints asked once each, by API name */
    assert_int_equal(ts_count(st->control), 2);
    assert_non_null(strstr(sent_body(st->control, 0), "\"APIName\":\"LIST_FRAGMENTS\""));
    assert_non_null(strstr(sent_body(st->control, 1), "\"APIName\":\"GET_MEDIA_FOR_FRAGMENT_LIST\""));
    stack_stop(st);
}

static void a_batch_cut_short_goes_on_after_the_last_complete_fragment(void **state)
{
    (void)state;
    struct ts_answer data[] = {
        { 200, NULL, "{\"Fragments\":[{\"FragmentNumber\":\"3\"},{\"FragmentNumber\":\"1\"},"
                     "{\"FragmentNumber\":\"2\"}]}", 0, 0, 0, 0 },
        /* stalls mid-fragment 2: the next call asks for 2 and 3 only */
        { 200, NULL, "F1;xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", 0, 0, 4, 1500 },
        { 200, NULL, "F2;F3;", 0, 0, 0, 0 },
    };
    struct stack *st = stack_start(data, 3, NULL, 0, 1);
    struct fake_sink f = { 0 };
    struct media_session_config cfg = list_config_for(st, "1", "3", 1000);
    cfg.idle_ms = 300;
    struct media_session_result out;
    struct rec_error err;
    assert_int_equal(read_list_into(&cfg, &f, &out, &err), 0);
    assert_true(out.complete);
    assert_int_equal(f.restarts, 1);
    assert_non_null(strstr(sent_body(st->data, 1), "\"Fragments\":[\"1\",\"2\",\"3\"]"));
    assert_non_null(strstr(sent_body(st->data, 2), "\"Fragments\":[\"2\",\"3\"]"));
    stack_stop(st);
}

static void a_span_not_listed_is_retriable_and_reads_nothing(void **state)
{
    (void)state;
    struct ts_answer data[] = {
        { 200, NULL, "{\"Fragments\":[{\"FragmentNumber\":\"1\"},{\"FragmentNumber\":\"2\"}]}", 0, 0, 0, 0 },
    };
    struct stack *st = stack_start(data, 1, NULL, 0, 1);
    struct fake_sink f = { 0 };
    struct media_session_config cfg = list_config_for(st, "1", "3", 1000);
    struct media_session_result out;
    struct rec_error err;
    assert_int_equal(read_list_into(&cfg, &f, &out, &err), REC_ERR_NOT_FOUND);
    assert_true(err.retriable);
    assert_true(out.not_listed);
    assert_non_null(strstr(err.message, "does not list the stop fragment 3"));
    assert_int_equal(ts_count(st->data), 1); /* no GetMediaForFragmentList */
    assert_int_equal(f.bytes, 0);
    /* a bad span sends nothing at all */
    cfg = list_config_for(st, "3", "1", 1000);
    assert_int_equal(read_list_into(&cfg, &f, &out, &err), REC_ERR_INVALID);
    cfg = list_config_for(st, "1", "3", 1001);
    assert_int_equal(read_list_into(&cfg, &f, &out, &err), REC_ERR_INVALID);
    assert_int_equal(ts_count(st->data), 1);
    stack_stop(st);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(resumes_with_the_continuation_token),
        cmocka_unit_test(resumes_by_fragment_number_without_tokens),
        cmocka_unit_test(nothing_complete_yet_starts_over_from_the_start_selector),
        cmocka_unit_test(a_stall_without_progress_is_the_live_edge),
        cmocka_unit_test(two_calls_in_a_row_without_progress_end_the_reading),
        cmocka_unit_test(invalid_endpoint_is_looked_up_again_once),
        cmocka_unit_test(a_second_invalid_endpoint_is_a_permanent_failure),
        cmocka_unit_test(the_call_limit_is_a_retriable_failure),
        cmocka_unit_test(the_deadline_stops_reading_as_a_retriable_failure),
        cmocka_unit_test(service_answers_are_classed_permanent_or_retriable),
        cmocka_unit_test(the_sinks_failures_end_the_reading),
        cmocka_unit_test(a_bad_configuration_sends_nothing),
        cmocka_unit_test(the_list_is_paged_filtered_sorted_and_read_in_batches),
        cmocka_unit_test(a_batch_cut_short_goes_on_after_the_last_complete_fragment),
        cmocka_unit_test(a_span_not_listed_is_retriable_and_reads_nothing),
    };
    return cmocka_run_group_tests(tests, capture_logs, release_logs);
}

/*
 * One reading of a Kinesis Video stream with GetMedia, from a start
 * selector until the reader has what it wants or the stream has nothing
 * more, resumed across the GetMedia calls it takes.
 *
 * GetMedia on a live stream never ends by itself: with no new fragments
 * the body stalls (REFERENCE.md §2). Its sessions also end silently after
 * about 45 minutes, and connections drop. So one reading may take several
 * GetMedia calls; the session owns everything about chaining them:
 *
 *   - the data endpoint, from the caller's cache (kvs/endpoint_cache.h),
 *     forgotten and asked again once on InvalidEndpointException;
 *   - the selectors: the caller's start selector for the first call; then
 *     CONTINUATION_TOKEN from the sink's resume point (it resumes after
 *     the fragment the token came with), else FRAGMENT_NUMBER of the last
 *     complete fragment (that selector includes the fragment: the sink
 *     skips it as a re-delivery), else the start selector again;
 *   - when to stop: the sink says the reading is complete; a call that
 *     stalls (idle_ms without a byte) without moving the resume point is
 *     the live edge; two calls in a row without progress too; more than
 *     max_calls calls is a retriable failure, and so is the deadline;
 *   - the sink's stop: a sink that is done ends the transfer through the
 *     request layer's REC_AWS_STOP, which never leaves this module.
 *
 * Rule sources: Kinesis Video Streams API Reference, "GetMedia"
 * (StartSelector, ContinuationToken, errors) and "GetDataEndpoint";
 * Kinesis Video Streams Developer Guide, "Kinesis Video Streams Fragment
 * Metadata Tags" (AWS_KINESISVIDEO_CONTINUATION_TOKEN). The sink reads the
 * Matroska and keeps the resume point (kvs/resume_point.h).
 */
#ifndef REC_KVS_MEDIA_SESSION_H
#define REC_KVS_MEDIA_SESSION_H

#include <stddef.h>
#include <stdint.h>

#include "common/error.h"
#include "kvs/endpoint_cache.h"
#include "kvs/resume_point.h"
#include "services/kvs_client.h"

#define MEDIA_SINK_DONE 1

/* How a recording is read (KVS_READ_MODE): GetMedia from the start
 * fragment; ListFragments + GetMediaForFragmentList (media_session_read_fragments);
 * or the list when the recording names its span and GetMedia otherwise. */
enum media_read_mode { MEDIA_READ_AUTO = 0, MEDIA_READ_GET_MEDIA, MEDIA_READ_FRAGMENT_LIST };

/* Where the stream's bytes go: the reader of the Matroska (the recorder,
 * through a small adapter). */
struct media_sink {
    void *user;
    /* len bytes of the stream, split anywhere. 0 = go on, MEDIA_SINK_DONE = the
     * recording is complete (stop reading), negative REC_ERR_* = the media is
     * unusable (err filled by the sink; the session stops; never retried) */
    int (*push)(void *user, const uint8_t *bytes, size_t len, struct rec_error *err);
    /* a new byte stream follows that continues after the resume point: 0, or
     * negative with err filled when it cannot continue without duplicating audio */
    int (*restart)(void *user, struct rec_error *err);
    /* where to resume from (continuation token, last complete fragment, fragments seen) */
    void (*resume_point)(void *user, struct kvs_resume_point *out);
};

struct media_session_config {
    struct kvs_client *kvs;               /* borrowed */
    struct kvs_endpoint_cache *endpoints; /* borrowed; outlives the session */
    const char *stream_arn;
    const char *start_selector;  /* "NOW", "EARLIEST" or "FRAGMENT_NUMBER" */
    const char *start_fragment;  /* with FRAGMENT_NUMBER: AfterFragmentNumber (included) */
    long idle_ms;                /* a call that delivers nothing for this long has
                                    stalled (ms, > 0) */
    unsigned max_calls;          /* GetMedia calls one reading may take (>= 1) */
    int64_t deadline_ms;         /* absolute Unix epoch ms at which reading stops,
                                    also inside a transfer; 0: none */
    const char *log_name;        /* a field put on the session's log lines, e.g.
                                    "contactId"; NULL: none */
    const char *log_value;
    /* media_session_read_fragments only (start_selector is not used there;
     * start_fragment is) */
    const char *stop_fragment;   /* the last fragment wanted (included) */
    int64_t start_ms, stop_ms;   /* the recording's span, Unix epoch ms (the CTR's
                                    StartTimestamp / StopTimestamp) */
    int64_t list_margin_ms;      /* listed this much before and after the span */
    unsigned batch_fragments;    /* fragments per GetMediaForFragmentList, 1..1000 */
    size_t max_fragments;        /* cap on the fragments listed (0: the default) */
};

/* How the reading ended. */
struct media_session_result {
    int complete;          /* the sink said MEDIA_SINK_DONE */
    int live_edge;         /* the stream had nothing more to give */
    int deadline;          /* cfg->deadline_ms ended it (a retriable failure) */
    unsigned calls;        /* GetMedia requests sent */
    unsigned endpoint_refreshes; /* endpoints forgotten after InvalidEndpointException */
    uint64_t media_bytes;  /* bytes given to the sink, all calls */
    /* media_session_read_fragments only */
    unsigned list_calls;   /* ListFragments pages */
    size_t fragments;      /* fragments from the start to the stop fragment listed */
    int not_listed;        /* ListFragments did not list the start or stop fragment */
};

/* Reads cfg->stream_arn into sink until the sink is done (out->complete)
 * or the live edge (out->live_edge); both return 0. *out is filled in
 * either case. Failures, with err filled (first failure wins):
 *   retriable: GetDataEndpoint / GetMedia throttling, 5xx, network
 *     (rec_aws_error_from_send's message); REC_ERR_TIMEOUT at the deadline
 *     (out->deadline); REC_ERR_LIMIT after max_calls calls that ended early;
 *     the sink's restart failure ("cannot resume GetMedia without
 *     duplicating audio"): a fresh reading may succeed;
 *   permanent: 4xx answers (ResourceNotFoundException, AccessDenied...);
 *     the sink's push failure, "the media is not usable: <the sink's
 *     message>" with the sink's code; REC_ERR_INVALID for a bad cfg or sink.
 * REC_AWS_STOP is never returned. */
int media_session_read(const struct media_session_config *cfg, const struct media_sink *sink,
                       struct media_session_result *out, struct rec_error *err);

/* The bounded reading: ListFragments over the span (kvs/fragment_list.h),
 * then GetMediaForFragmentList in batches of cfg->batch_fragments, in
 * fragment-number order, into the same sink, so the sink sees what a
 * GetMedia from the start fragment would give it up to the stop fragment,
 * and nothing waits at a live edge. Data endpoints from the cache
 * (LIST_FRAGMENTS, GET_MEDIA_FOR_FRAGMENT_LIST), asked again once on
 * InvalidEndpointException. A batch cut short (a dropped connection, a
 * stall of idle_ms) goes on after the last complete fragment, as GetMedia's
 * resume does; at most max_calls GetMediaForFragmentList calls. Returns 0
 * with out->complete when the sink said done or every listed fragment was
 * delivered. Failures, with err filled:
 *   REC_ERR_NOT_FOUND, retriable, out->not_listed: the start or stop
 *     fragment is not listed (not archived yet, or no longer: Lambda's
 *     retries are bounded), nothing was read;
 *   REC_ERR_NOT_FOUND, retriable: the answer's media said FRAGMENT_NOT_FOUND
 *     for a listed fragment (the sink's code: listing is eventually
 *     consistent, "GET_MEDIA_FOR_FRAGMENT_LIST returns status ok for
 *     fragment not found", aws-sdk-js issue 3217);
 *   otherwise as media_session_read (REC_ERR_LIMIT also for a span over
 *   the list's cap, not retriable; REC_ERR_INVALID for a bad cfg or span).
 * Rule sources: Kinesis Video Archived Media API Reference,
 * "ListFragments", "GetMediaForFragmentList". */
int media_session_read_fragments(const struct media_session_config *cfg, const struct media_sink *sink,
                                 struct media_session_result *out, struct rec_error *err);

#endif

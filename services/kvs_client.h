/*
 * Kinesis Video Streams: the control plane's GetDataEndpoint and the data
 * plane's GetMedia.
 *
 * Rule sources: Kinesis Video Streams API Reference, "GetDataEndpoint"
 * (POST /getDataEndpoint {StreamARN, APIName}; the answer's DataEndpoint is
 * the base URL of the data-plane calls that APIName names) and "GetMedia"
 * (POST {DataEndpoint}/getMedia {StreamARN, StartSelector}; the body is a
 * stream of Matroska fragments that never ends by itself at the live edge;
 * errors in x-amzn-ErrorType; InvalidEndpointException means "call
 * GetDataEndpoint again"). GetDataEndpoint and GetMedia allow 5 calls a
 * second per stream: callers cache endpoints (kvs/endpoint_cache.h).
 *
 * The archived-media calls (Kinesis Video Archived Media API Reference,
 * "ListFragments", "GetMediaForFragmentList") are JSON POSTs to the data
 * endpoint of LIST_FRAGMENTS / GET_MEDIA_FOR_FRAGMENT_LIST, signed as
 * "kinesisvideo": ListFragments pages through the fragments whose server
 * timestamps fall in a range (MaxResults 1..1000, NextToken up to 4096
 * characters; "results are in no specific order, even across pages");
 * GetMediaForFragmentList streams the listed fragments (1..1000 numbers) as
 * GetMedia does, and reports a fragment it cannot serve inside the stream
 * (AWS_KINESISVIDEO_ERROR_CODE FRAGMENT_NOT_FOUND), not as an HTTP error.
 *
 * One client per thread (aws/http.h): it reuses one connection.
 */
#ifndef REC_SERVICES_KVS_CLIENT_H
#define REC_SERVICES_KVS_CLIENT_H

#include <stddef.h>
#include <stdint.h>

#include "aws/http.h"
#include "common/error.h"
#include "services/service.h"

/* GetDataEndpoint's APIName values (the API reference's enumeration). */
#define KVS_API_GET_MEDIA "GET_MEDIA"
#define KVS_API_LIST_FRAGMENTS "LIST_FRAGMENTS"
#define KVS_API_GET_MEDIA_FOR_FRAGMENT_LIST "GET_MEDIA_FOR_FRAGMENT_LIST"

/* ListFragments' and GetMediaForFragmentList's limits (the API reference). */
#define KVS_LIST_MAX_RESULTS 1000
#define KVS_FRAGMENT_LIST_MAX 1000
#define KVS_NEXT_TOKEN_MAX 4096

/* The longest data endpoint kept, in bytes with the NUL (KVS answers
 * "https://b-1234abcd.kinesisvideo.REGION.amazonaws.com"). */
#define KVS_ENDPOINT_MAX 512

struct kvs_client;

/* Creates the client; opt may be NULL (everything from the environment;
 * endpoint override AWS_ENDPOINT_URL_KINESIS_VIDEO / AWS_ENDPOINT_URL).
 * Returns 0 or service_client_new's error (REC_ERR_CONFIG when credentials
 * or region are missing). *out is set only on success; destroy with
 * kvs_client_destroy (NULL is accepted). */
int kvs_client_new(struct kvs_client **out, const struct service_options *opt);
void kvs_client_destroy(struct kvs_client *kvs);

/* GetDataEndpoint for stream_arn and api_name (KVS_API_*): copies the
 * DataEndpoint URL into out (cap bytes, at most KVS_ENDPOINT_MAX). resp is
 * the caller's (rec_aws_response_init), reused. deadline_ms: absolute epoch
 * ms, 0 for none. Returns 0, or with err filled: rec_aws_send's errors
 * (retriable for throttling, 5xx, network, the deadline; not for 4xx such
 * as ResourceNotFoundException), REC_ERR_INVALID (not retriable) when the
 * answer has no DataEndpoint or it does not fit in cap. */
int kvs_client_get_data_endpoint(struct kvs_client *kvs, const char *stream_arn,
                                 const char *api_name, int64_t deadline_ms, char *out, size_t cap,
                                 struct rec_aws_response *resp, struct rec_error *err);

/* GetMedia's start selector: type is "NOW" or "EARLIEST" (value NULL),
 * "FRAGMENT_NUMBER" (value: AfterFragmentNumber, a decimal string) or
 * "CONTINUATION_TOKEN" (value: a token read from the stream's
 * AWS_KINESISVIDEO_CONTINUATION_TOKEN tag). */
struct kvs_get_media_request {
    const char *endpoint;        /* GetDataEndpoint's answer for KVS_API_GET_MEDIA */
    const char *stream_arn;
    const char *selector_type;
    const char *selector_value;
    rec_aws_body_fn on_body;     /* gets the body as it arrives; REC_AWS_STOP ends it */
    void *user;
    long idle_ms;                /* a connection that delivers nothing for this long
                                    ends with resp->stalled (the live edge) */
    int64_t deadline_ms;         /* absolute epoch ms; 0: none */
};

/* GetMedia: streams the answer's body to req->on_body. Returns as
 * rec_aws_send (0 also for an on_body stop, resp->stopped set), with err
 * filled on failure; resp keeps the data a resuming reader needs (status,
 * error_code such as "InvalidEndpointException", stalled, body_bytes). A
 * failure after bytes were delivered is not retried inside (they cannot be
 * taken back): it comes back retriable, for the caller to resume. */
int kvs_client_get_media(struct kvs_client *kvs, const struct kvs_get_media_request *req,
                         struct rec_aws_response *resp, struct rec_error *err);

/* One ListFragments page: fragments whose ServerTimestamp is in
 * [start_ms, end_ms] (Unix epoch ms, sent as SERVER_TIMESTAMP seconds). */
struct kvs_list_fragments_request {
    const char *endpoint;   /* GetDataEndpoint's answer for KVS_API_LIST_FRAGMENTS */
    const char *stream_arn;
    int64_t start_ms, end_ms;
    const char *next_token; /* NULL: the first page; else the last page's token */
    unsigned max_results;   /* 1..KVS_LIST_MAX_RESULTS */
    int64_t deadline_ms;    /* absolute epoch ms; 0: none */
};

/* Gets each listed fragment: its number (a valid fragment number,
 * kvs/fragment_number.h) and server timestamp (epoch ms). Return 0 to go
 * on, or a negative REC_ERR_* to stop the page (returned as is). */
typedef int (*kvs_fragment_fn)(void *user, const char *number, int64_t server_ms);

/* ListFragments: one page, each fragment to on_fragment in the answer's
 * order. next_token (cap bytes, KVS_NEXT_TOKEN_MAX + 1 always fits) gets the
 * answer's NextToken, "" on the last page; it may be req->next_token's own
 * storage (the request is sent before the answer is read). resp as for GetDataEndpoint.
 * Returns 0, or with err filled: rec_aws_send's errors (retriable for
 * throttling, 5xx, network, the deadline; not for 4xx), REC_ERR_INVALID
 * (not retriable) for a bad request or an answer whose Fragments are not a
 * list of valid fragment numbers, or whose NextToken does not fit;
 * on_fragment's code. */
int kvs_client_list_fragments(struct kvs_client *kvs, const struct kvs_list_fragments_request *req,
                              kvs_fragment_fn on_fragment, void *user, char *next_token, size_t cap,
                              struct rec_aws_response *resp, struct rec_error *err);

/* GetMediaForFragmentList: the media of n (1..KVS_FRAGMENT_LIST_MAX)
 * fragments, in the order given, streamed to on_body like GetMedia's
 * (REC_AWS_STOP ends it). idle_ms: a connection quiet this long is
 * abandoned (resp->stalled). Returns as kvs_client_get_media. */
struct kvs_fragment_media_request {
    const char *endpoint; /* GetDataEndpoint's answer for KVS_API_GET_MEDIA_FOR_FRAGMENT_LIST */
    const char *stream_arn;
    const char *const *fragments;
    size_t n;
    rec_aws_body_fn on_body;
    void *user;
    long idle_ms;
    int64_t deadline_ms;
};
int kvs_client_get_media_for_fragment_list(struct kvs_client *kvs,
                                           const struct kvs_fragment_media_request *req,
                                           struct rec_aws_response *resp, struct rec_error *err);

#endif

/*
 * The two Kinesis Video Streams calls the recorder makes.
 *
 * Rule sources: Kinesis Video Streams API Reference, "GetDataEndpoint"
 * (POST /getDataEndpoint, APIName GET_MEDIA; the answer is the data-plane
 * base URL) and "GetMedia" (POST {DataEndpoint}/getMedia with StreamARN and
 * StartSelector; the body is a stream of Matroska fragments; errors in
 * x-amzn-ErrorType; InvalidEndpointException means "call GetDataEndpoint
 * again"). Limits: GetDataEndpoint and GetMedia 5 TPS per stream, so data
 * endpoints are cached per stream for the process lifetime.
 */
#ifndef REC_KVS_KVS_API_H
#define REC_KVS_KVS_API_H

#include <stddef.h>
#include <stdint.h>

#include "aws/http.h"

#define KVS_API_ENDPOINT_MAX 512
#define KVS_API_CACHE_SLOTS 64

struct kvs_api;

/* Creates the client (credentials and region from the environment, endpoint
 * override AWS_ENDPOINT_URL_KINESIS_VIDEO / AWS_ENDPOINT_URL). Returns 0 or
 * the error of rec_aws_client_new (REC_ERR_CONFIG when credentials or region
 * are missing). Destroy with kvs_api_destroy. */
int kvs_api_new(struct kvs_api **out);
void kvs_api_destroy(struct kvs_api *api);

/* The GET_MEDIA data endpoint of stream_arn, from the cache unless refresh
 * is set or it is not cached. Copies it into out (cap bytes). Returns 0, or
 * rec_aws_send's error with resp filled (resp->retriable tells the caller
 * whether to report a batch item failure), or REC_ERR_INVALID when the
 * answer has no DataEndpoint. */
int kvs_api_data_endpoint(struct kvs_api *api, const char *stream_arn, int refresh,
                          int64_t deadline_ms, char *out, size_t cap, struct rec_aws_response *resp);

/* Forgets the cached endpoint of stream_arn (after InvalidEndpointException). */
void kvs_api_forget_endpoint(struct kvs_api *api, const char *stream_arn);

/* GetMedia from endpoint for stream_arn, starting per selector_type
 * ("FRAGMENT_NUMBER" with AfterFragmentNumber = value, "CONTINUATION_TOKEN"
 * with ContinuationToken = value, or "NOW"/"EARLIEST" with value NULL).
 * The body goes to on_body as it arrives (REC_AWS_STOP from it ends the
 * transfer cleanly). A connection that delivers nothing for idle_ms
 * (the live edge: GetMedia never ends by itself) ends with resp->stalled.
 * Returns as rec_aws_send (not retried inside once bytes were delivered). */
int kvs_api_get_media(struct kvs_api *api, const char *endpoint, const char *stream_arn,
                      const char *selector_type, const char *value, rec_aws_body_fn on_body,
                      void *user, long idle_ms, int64_t deadline_ms, struct rec_aws_response *resp);

#endif

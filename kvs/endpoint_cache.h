/*
 * Kinesis Video data endpoints, cached per stream and API for the process
 * lifetime.
 *
 * Why: GetDataEndpoint allows 5 calls a second per stream (Kinesis Video
 * Streams API Reference, "GetDataEndpoint", limits) and its answer does not
 * change while the stream lives, so a warm Lambda environment asks once per
 * stream; an InvalidEndpointException from a data-plane call means the
 * answer went stale ("GetMedia", errors): the caller forgets it and asks
 * again. The cache is an object of its own so that it outlives the media
 * sessions that use it (the handler keeps it across invocations).
 *
 * Bounded: KVS_ENDPOINT_CACHE_SLOTS entries, replaced round-robin once full.
 * Not thread-safe: one per thread, like the client it calls.
 */
#ifndef REC_KVS_ENDPOINT_CACHE_H
#define REC_KVS_ENDPOINT_CACHE_H

#include <stddef.h>
#include <stdint.h>

#include "aws/http.h"
#include "common/error.h"
#include "services/kvs_client.h"

#define KVS_ENDPOINT_CACHE_SLOTS 64

struct kvs_endpoint_cache;

/* An empty cache. Returns 0 or REC_ERR_NOMEM; *out set only on success.
 * Destroy with kvs_endpoint_cache_destroy (NULL accepted). */
int kvs_endpoint_cache_new(struct kvs_endpoint_cache **out);
void kvs_endpoint_cache_destroy(struct kvs_endpoint_cache *cache);

/* The data endpoint of stream_arn for api_name (KVS_API_*): the cached one,
 * else GetDataEndpoint through kvs (then cached). Copies it into out (cap
 * bytes; KVS_ENDPOINT_MAX always fits). resp is the caller's, reused;
 * deadline_ms absolute epoch ms, 0 for none. Returns 0, or
 * kvs_client_get_data_endpoint's error with err filled (retriable for
 * throttling, 5xx, network, the deadline; not for 4xx), REC_ERR_LIMIT when
 * the cached endpoint does not fit in cap, REC_ERR_NOMEM. */
int kvs_endpoint_cache_get(struct kvs_endpoint_cache *cache, struct kvs_client *kvs,
                           const char *stream_arn, const char *api_name, int64_t deadline_ms,
                           char *out, size_t cap, struct rec_aws_response *resp,
                           struct rec_error *err);

/* Forgets the endpoint of stream_arn for api_name (after an
 * InvalidEndpointException), so the next get asks GetDataEndpoint. */
void kvs_endpoint_cache_forget(struct kvs_endpoint_cache *cache, const char *stream_arn,
                               const char *api_name);

#endif

#include "kvs/endpoint_cache.h"

#include <stdlib.h>
#include <string.h>

#include "common/bytes.h"

#define API_NAME_MAX 48 /* bytes with the NUL: GET_MEDIA_FOR_FRAGMENT_LIST fits */

struct slot {
    char *stream_arn; /* NULL when free */
    char api_name[API_NAME_MAX];
    char endpoint[KVS_ENDPOINT_MAX];
};

struct kvs_endpoint_cache {
    struct slot slots[KVS_ENDPOINT_CACHE_SLOTS];
    unsigned next_victim; /* round-robin replacement once full */
};

int kvs_endpoint_cache_new(struct kvs_endpoint_cache **out)
{
    struct kvs_endpoint_cache *c = calloc(1, sizeof(*c));
    if (!c)
        return REC_ERR_NOMEM;
    *out = c;
    return 0;
}

void kvs_endpoint_cache_destroy(struct kvs_endpoint_cache *cache)
{
    if (!cache)
        return;
    for (unsigned i = 0; i < KVS_ENDPOINT_CACHE_SLOTS; i++)
        free(cache->slots[i].stream_arn);
    free(cache);
}

static struct slot *find(struct kvs_endpoint_cache *c, const char *arn, const char *api)
{
    for (unsigned i = 0; i < KVS_ENDPOINT_CACHE_SLOTS; i++)
        if (c->slots[i].stream_arn && strcmp(c->slots[i].stream_arn, arn) == 0 &&
            strcmp(c->slots[i].api_name, api) == 0)
            return &c->slots[i];
    return NULL;
}

static void clear(struct slot *s)
{
    free(s->stream_arn);
    s->stream_arn = NULL;
}

void kvs_endpoint_cache_forget(struct kvs_endpoint_cache *cache, const char *stream_arn,
                               const char *api_name)
{
    struct slot *s = find(cache, stream_arn, api_name);
    if (s)
        clear(s);
}

static int remember(struct kvs_endpoint_cache *c, const char *arn, const char *api,
                    const char *endpoint)
{
    struct slot *s = find(c, arn, api);
    for (unsigned i = 0; !s && i < KVS_ENDPOINT_CACHE_SLOTS; i++)
        if (!c->slots[i].stream_arn)
            s = &c->slots[i];
    if (!s) {
        s = &c->slots[c->next_victim];
        c->next_victim = (c->next_victim + 1) % KVS_ENDPOINT_CACHE_SLOTS;
        clear(s);
    }
    if (rec_str_copy(s->api_name, sizeof(s->api_name), api) ||
        rec_str_copy(s->endpoint, sizeof(s->endpoint), endpoint)) {
        clear(s); /* not worth caching: asked again next time */
        return 0;
    }
    if (!s->stream_arn && !(s->stream_arn = strdup(arn)))
        return REC_ERR_NOMEM;
    return 0;
}

int kvs_endpoint_cache_get(struct kvs_endpoint_cache *cache, struct kvs_client *kvs,
                           const char *stream_arn, const char *api_name, int64_t deadline_ms,
                           char *out, size_t cap, struct rec_aws_response *resp,
                           struct rec_error *err)
{
    char endpoint[KVS_ENDPOINT_MAX];
    const struct slot *s = find(cache, stream_arn, api_name);
    if (s) {
        memcpy(endpoint, s->endpoint, sizeof(endpoint));
    } else {
        int rc = kvs_client_get_data_endpoint(kvs, stream_arn, api_name, deadline_ms, endpoint,
                                              sizeof(endpoint), resp, err);
        if (!rc && (rc = remember(cache, stream_arn, api_name, endpoint)) != 0)
            rec_error_set(err, rc, 0, "GetDataEndpoint: %s", rec_strerror(rc));
        if (rc)
            return rc;
    }
    if (rec_str_copy(out, cap, endpoint) != 0) {
        rec_error_set(err, REC_ERR_LIMIT, 0, "GetDataEndpoint: the endpoint does not fit");
        return REC_ERR_LIMIT;
    }
    return 0;
}

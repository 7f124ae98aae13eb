#include "kvs/fragment_list.h"

#include <stdlib.h>
#include <string.h>

#include "common/bytes.h"

void kvs_fragment_list_init(struct kvs_fragment_list *l, size_t max)
{
    memset(l, 0, sizeof(*l));
    l->max = max ? max : KVS_FRAGMENT_LIST_DEFAULT_MAX;
}

void kvs_fragment_list_clean_up(struct kvs_fragment_list *l)
{
    free(l->numbers);
    l->numbers = NULL;
    l->n = l->cap = 0;
}

/* One listing's state: the span and the list being filled. */
struct collect {
    struct kvs_fragment_list *l;
    const struct kvs_fragment_span *span;
    struct rec_error *err;
};

static int keep(struct kvs_fragment_list *l, const char *number)
{
    if (l->n == l->cap) {
        if (l->n == l->max)
            return REC_ERR_LIMIT;
        size_t cap = l->cap ? l->cap * 2 : 256;
        if (cap > l->max)
            cap = l->max;
        kvs_fragment_number_t *grown = realloc(l->numbers, cap * sizeof(*grown));
        if (!grown)
            return REC_ERR_NOMEM;
        l->numbers = grown;
        l->cap = cap;
    }
    return rec_str_copy(l->numbers[l->n++], sizeof(kvs_fragment_number_t), number);
}

static int on_fragment(void *user, const char *number, int64_t server_ms)
{
    (void)server_ms; /* the number decides; the timestamp only chose the page range */
    struct collect *c = user;
    c->l->listed++;
    if (fragment_number_cmp(number, c->span->start_fragment) < 0 ||
        fragment_number_cmp(number, c->span->stop_fragment) > 0)
        return 0;
    int rc = keep(c->l, number);
    if (rc == REC_ERR_LIMIT)
        rec_error_set(c->err, rc, 0, "more than %zu fragments between %s and %s: over the fragment list's cap",
                      c->l->max, c->span->start_fragment, c->span->stop_fragment);
    else if (rc)
        rec_error_set(c->err, rc, 1, "ListFragments: out of memory");
    return rc;
}

static int by_number(const void *a, const void *b)
{
    return fragment_number_cmp((const char *)a, (const char *)b);
}

/* Sorts the list and drops repeated numbers (pages may overlap). */
static void sort_unique(struct kvs_fragment_list *l)
{
    if (l->n < 2)
        return;
    qsort(l->numbers, l->n, sizeof(l->numbers[0]), by_number);
    size_t out = 1;
    for (size_t i = 1; i < l->n; i++)
        if (fragment_number_cmp(l->numbers[i], l->numbers[out - 1]) != 0)
            memmove(l->numbers[out++], l->numbers[i], sizeof(l->numbers[0]));
    l->n = out;
}

static int span_ok(const struct kvs_fragment_span *s)
{
    return s->stream_arn && fragment_number_valid(s->start_fragment) &&
           fragment_number_valid(s->stop_fragment) &&
           fragment_number_cmp(s->start_fragment, s->stop_fragment) <= 0 && s->start_ms <= s->stop_ms &&
           s->margin_ms >= 0;
}

int kvs_fragment_list_fetch(struct kvs_fragment_list *l, struct kvs_client *kvs, const char *endpoint,
                            const struct kvs_fragment_span *span, int64_t deadline_ms,
                            struct rec_aws_response *resp, struct rec_error *err)
{
    int rc = 0;
    l->n = 0;
    l->listed = 0;
    l->pages = 0;
    if (!span_ok(span))
        return rec_error_set(err, REC_ERR_INVALID, 0, "ListFragments: a recording without a fragment span");
    char *token = malloc(KVS_NEXT_TOKEN_MAX + 1);
    if (!token)
        return rec_error_set(err, REC_ERR_NOMEM, 1, "ListFragments: out of memory");
    token[0] = '\0';
    struct collect c = { .l = l, .span = span, .err = err };
    struct kvs_list_fragments_request req = {
        .endpoint = endpoint,
        .stream_arn = span->stream_arn,
        .start_ms = span->start_ms - span->margin_ms,
        .end_ms = span->stop_ms + span->margin_ms,
        .max_results = KVS_LIST_MAX_RESULTS,
        .deadline_ms = deadline_ms,
    };
    do {
        if (l->pages == KVS_FRAGMENT_LIST_MAX_PAGES) {
            rc = rec_error_set(err, REC_ERR_LIMIT, 0, "ListFragments took more than %u pages",
                               KVS_FRAGMENT_LIST_MAX_PAGES);
            break;
        }
        req.next_token = token[0] ? token : NULL; /* the answer's token overwrites it */
        l->pages++;
        rc = kvs_client_list_fragments(kvs, &req, on_fragment, &c, token, KVS_NEXT_TOKEN_MAX + 1, resp, err);
    } while (!rc && token[0]);
    if (!rc)
        sort_unique(l);
    free(token);
    return rc;
}

size_t kvs_fragment_list_after(const struct kvs_fragment_list *l, const char *after)
{
    if (!after || !*after)
        return 0;
    size_t lo = 0, hi = l->n; /* the first entry > after, by binary search */
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (fragment_number_cmp(l->numbers[mid], after) <= 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

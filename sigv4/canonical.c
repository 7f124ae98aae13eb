#include "sigv4/canonical.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/error.h"
#include "sigv4/uri_encode.h"

int sigv4_header_is_unsignable(const char *name)
{
    static const char *const never[] = {
        "authorization", "connection", "expect", "keep-alive", "proxy-authenticate",
        "proxy-authorization", "te", "trailer", "transfer-encoding", "upgrade",
        "user-agent", "x-amzn-trace-id",
    };
    for (size_t i = 0; i < sizeof(never) / sizeof(never[0]); i++)
        if (strcasecmp(name, never[i]) == 0)
            return 1;
    return 0;
}

int sigv4_header_name_valid(const char *name)
{
    if (!name || !*name)
        return 0;
    for (const unsigned char *p = (const unsigned char *)name; *p; p++) {
        unsigned char c = *p;
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
            continue;
        if (!strchr("!#$%&'*+-.^_`|~", c))
            return 0;
    }
    return 1;
}

static int is_ws(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}

int sigv4_trimall(struct rec_buf *out, const char *value)
{
    const unsigned char *p = (const unsigned char *)value;
    int rc = 0;
    int pending_space = 0;
    while (*p && is_ws(*p))
        p++;
    while (*p) {
        const unsigned char *word = p;
        while (*p && !is_ws(*p))
            p++;
        if (pending_space && (rc = rec_buf_append(out, " ", 1)) != 0)
            return rc;
        if ((rc = rec_buf_append(out, word, (size_t)(p - word))) != 0)
            return rc;
        while (*p && is_ws(*p))
            p++;
        pending_space = 1;
    }
    return rc;
}

/* ---- query ---- */

struct qparam {
    size_t key;     /* offset of the NUL-terminated encoded name in the pool */
    size_t value;   /* offset of the NUL-terminated encoded value */
};

/* Sorting compares the encoded strings byte by byte (strcmp), which for the
 * ASCII output of UriEncode() is the code-point order botocore sorts by. */
static int qparam_cmp(const void *a, const void *b, void *pool)
{
    const struct qparam *x = a, *y = b;
    const char *base = pool;
    int c = strcmp(base + x->key, base + y->key);
    return c ? c : strcmp(base + x->value, base + y->value);
}

static int is_auth_param(const char *name, size_t len)
{
    static const char *const auth[] = {
        "X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Date", "X-Amz-Expires",
        "X-Amz-SignedHeaders", "X-Amz-Security-Token", "X-Amz-Signature",
    };
    for (size_t i = 0; i < sizeof(auth) / sizeof(auth[0]); i++)
        if (strlen(auth[i]) == len && memcmp(auth[i], name, len) == 0)
            return 1;
    return 0;
}

/* Decodes s[0..len) and appends its UriEncode() form plus a NUL to pool. */
static int pool_add_reencoded(struct rec_buf *pool, struct rec_buf *tmp, const char *s, size_t len,
                              size_t *offset)
{
    int rc;
    rec_buf_reset(tmp);
    if ((rc = sigv4_uri_decode(tmp, s, len)) != 0)
        return rc;
    *offset = pool->len;
    if (tmp->len && (rc = sigv4_uri_encode(pool, tmp->data, tmp->len, 0)) != 0)
        return rc;
    return rec_buf_append(pool, "", 1);
}

static int pool_add_encoded(struct rec_buf *pool, const char *s, size_t *offset)
{
    int rc;
    *offset = pool->len;
    if ((rc = sigv4_uri_encode(pool, s, strlen(s), 0)) != 0)
        return rc;
    return rec_buf_append(pool, "", 1);
}

int sigv4_canonical_query(struct rec_buf *out, const char *query,
                          const struct sigv4_header *extra, size_t n_extra, int drop_auth_params)
{
    int rc = 0;
    struct rec_buf pool, tmp;
    struct qparam *params = NULL;
    rec_buf_init(&pool, SIGV4_CANONICAL_LIMIT);
    rec_buf_init(&tmp, SIGV4_CANONICAL_LIMIT);
    if (!query)
        query = "";

    size_t max_params = n_extra + 1;
    for (const char *p = query; *p; p++)
        if (*p == '&')
            max_params++;
    params = calloc(max_params, sizeof(*params));
    if (!params) {
        rc = REC_ERR_NOMEM;
        goto cleanup;
    }
    size_t n = 0;
    for (const char *p = query; *p;) {
        const char *amp = strchr(p, '&');
        size_t len = amp ? (size_t)(amp - p) : strlen(p);
        if (len > 0) {
            const char *eq = memchr(p, '=', len);
            size_t klen = eq ? (size_t)(eq - p) : len;
            /* Auth parameter names are plain ASCII; compare the decoded form so
             * "X-Amz-Date" and "X%2DAmz-Date" are both dropped. */
            rec_buf_reset(&tmp);
            REC_TRY(sigv4_uri_decode(&tmp, p, klen));
            if (!(drop_auth_params && is_auth_param(tmp.data ? tmp.data : "", tmp.len))) {
                REC_TRY(pool_add_reencoded(&pool, &tmp, p, klen, &params[n].key));
                if (eq)
                    REC_TRY(pool_add_reencoded(&pool, &tmp, eq + 1, len - klen - 1, &params[n].value));
                else
                    REC_TRY(pool_add_encoded(&pool, "", &params[n].value));
                n++;
            }
        }
        p += len;
        if (*p == '&')
            p++;
    }
    for (size_t i = 0; i < n_extra; i++) {
        REC_TRY(pool_add_encoded(&pool, extra[i].name, &params[n].key));
        REC_TRY(pool_add_encoded(&pool, extra[i].value ? extra[i].value : "", &params[n].value));
        n++;
    }
    if (n > 1) {
        qsort_r(params, n, sizeof(*params), qparam_cmp, pool.data);
    }
    for (size_t i = 0; i < n; i++) {
        if (i)
            REC_TRY(rec_buf_append(out, "&", 1));
        REC_TRY(rec_buf_append_str(out, pool.data + params[i].key));
        REC_TRY(rec_buf_append(out, "=", 1));
        REC_TRY(rec_buf_append_str(out, pool.data + params[i].value));
    }
cleanup:
    free(params);
    rec_buf_clean_up(&pool, 0);
    rec_buf_clean_up(&tmp, 0);
    return rc;
}

/* ---- headers ---- */

struct hentry {
    size_t name;          /* offset of the lower-cased NUL-terminated name in the pool */
    const char *value;    /* borrowed */
    size_t order;         /* position in the request, for a stable sort */
};

static int hentry_cmp(const void *a, const void *b, void *pool)
{
    const struct hentry *x = a, *y = b;
    const char *base = pool;
    int c = strcmp(base + x->name, base + y->name);
    if (c)
        return c;
    return x->order < y->order ? -1 : x->order > y->order;
}

static int overridden(const char *name, const struct sigv4_header *overrides, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (strcasecmp(name, overrides[i].name) == 0)
            return 1;
    return 0;
}

static int pool_add_lower(struct rec_buf *pool, const char *name, size_t *offset)
{
    *offset = pool->len;
    for (const char *p = name; *p; p++) {
        char c = (*p >= 'A' && *p <= 'Z') ? (char)(*p - 'A' + 'a') : *p;
        int rc = rec_buf_append(pool, &c, 1);
        if (rc)
            return rc;
    }
    return rec_buf_append(pool, "", 1);
}

int sigv4_canonical_headers(struct rec_buf *canon, struct rec_buf *signed_names,
                            const struct sigv4_header *headers, size_t n_headers,
                            const struct sigv4_header *overrides, size_t n_overrides)
{
    int rc = 0;
    struct rec_buf pool;
    struct hentry *e = NULL;
    rec_buf_init(&pool, SIGV4_CANONICAL_LIMIT);
    e = calloc(n_headers + n_overrides + 1, sizeof(*e));
    if (!e) {
        rc = REC_ERR_NOMEM;
        goto cleanup;
    }
    size_t n = 0;
    for (size_t i = 0; i < n_headers + n_overrides; i++) {
        const struct sigv4_header *h = i < n_headers ? &headers[i] : &overrides[i - n_headers];
        if (!sigv4_header_name_valid(h->name)) {
            rc = REC_ERR_INVALID;
            goto cleanup;
        }
        if (sigv4_header_is_unsignable(h->name))
            continue;
        if (i < n_headers && overridden(h->name, overrides, n_overrides))
            continue;
        REC_TRY(pool_add_lower(&pool, h->name, &e[n].name));
        e[n].value = h->value ? h->value : "";
        e[n].order = i;
        n++;
    }
    if (n == 0) {
        rc = REC_ERR_INVALID; /* SigV4 needs at least host */
        goto cleanup;
    }
    qsort_r(e, n, sizeof(*e), hentry_cmp, pool.data);
    for (size_t i = 0; i < n; i++) {
        const char *name = pool.data + e[i].name;
        int first = i == 0 || strcmp(name, pool.data + e[i - 1].name) != 0;
        if (first) {
            if (i)
                REC_TRY(rec_buf_append(canon, "\n", 1));
            REC_TRY(rec_buf_append_str(canon, name));
            REC_TRY(rec_buf_append(canon, ":", 1));
            if (i)
                REC_TRY(rec_buf_append(signed_names, ";", 1));
            REC_TRY(rec_buf_append_str(signed_names, name));
        } else {
            REC_TRY(rec_buf_append(canon, ",", 1));
        }
        REC_TRY(sigv4_trimall(canon, e[i].value));
    }
    REC_TRY(rec_buf_append(canon, "\n", 1));
cleanup:
    free(e);
    rec_buf_clean_up(&pool, 0);
    return rc;
}

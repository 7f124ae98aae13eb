#include "recorder/redaction.h"

#include <stdlib.h>
#include <string.h>

#include "common/clock.h"
#include "common/error.h"

#define NS_PER_MS 1000000LL
#define NS_PER_S 1000000000LL

/* ms as ns, saturating at the int64 range. */
static int64_t ms_to_ns(int64_t ms)
{
    int64_t ns;
    if (__builtin_mul_overflow(ms, NS_PER_MS, &ns))
        return ms < 0 ? INT64_MIN : INT64_MAX;
    return ns;
}

static int64_t sat_add(int64_t a, int64_t b)
{
    int64_t r;
    if (__builtin_add_overflow(a, b, &r))
        return b < 0 ? INT64_MIN : INT64_MAX;
    return r;
}

static int by_start(const void *x, const void *y)
{
    const struct redaction_interval *a = x, *b = y;
    return (a->from_ns > b->from_ns) - (a->from_ns < b->from_ns);
}

/* The spans with their margins as sorted, disjoint ns intervals. */
static void merge(struct redaction *rd, const struct redaction_config *cfg)
{
    for (size_t i = 0; i < cfg->n_spans; i++) {
        const struct redaction_span *s = &cfg->spans[i];
        rd->iv[i].from_ns = ms_to_ns(sat_add(s->start_ms, -cfg->margin_ms));
        rd->iv[i].to_ns = s->end_ms == REDACTION_OPEN ? INT64_MAX
                                                      : ms_to_ns(sat_add(s->end_ms, cfg->margin_ms));
    }
    qsort(rd->iv, cfg->n_spans, sizeof(*rd->iv), by_start);
    size_t n = 0;
    for (size_t i = 0; i < cfg->n_spans; i++) {
        if (n && rd->iv[i].from_ns <= rd->iv[n - 1].to_ns) {
            if (rd->iv[i].to_ns > rd->iv[n - 1].to_ns)
                rd->iv[n - 1].to_ns = rd->iv[i].to_ns;
        } else {
            rd->iv[n++] = rd->iv[i];
        }
    }
    rd->n = n;
}

int redaction_init(struct redaction *rd, const struct redaction_config *cfg, size_t max_block_bytes)
{
    memset(rd, 0, sizeof(*rd));
    rec_buf_init(&rd->scratch, max_block_bytes);
    if (cfg->n_spans > REDACTION_MAX_SPANS || cfg->margin_ms < 0 || (cfg->n_spans && !cfg->spans))
        return REC_ERR_INVALID;
    for (size_t i = 0; i < cfg->n_spans; i++)
        if (cfg->spans[i].end_ms < cfg->spans[i].start_ms)
            return REC_ERR_INVALID;
    if (cfg->n_spans) {
        rd->iv = malloc(cfg->n_spans * sizeof(*rd->iv));
        if (!rd->iv)
            return REC_ERR_NOMEM;
        merge(rd, cfg);
    }
    rd->silence_all = cfg->silence_all != 0;
    rd->now_ms = cfg->now_ms ? cfg->now_ms : rec_clock_now_ms();
    rd->st.active = rd->silence_all || rd->n > 0;
    return 0;
}

static int plausible_ms(int64_t ms, int64_t now_ms)
{
    return ms >= REDACTION_EPOCH_MIN_MS && ms <= now_ms + REDACTION_FUTURE_MS;
}

int redaction_parse_server_timestamp(const char *text, int64_t *ms)
{
    int64_t sec = 0, frac_ms = 0;
    size_t i = 0, digits = 0;
    for (; text[i] >= '0' && text[i] <= '9'; i++, digits++) {
        if (digits == 12) /* beyond year 33000: not a timestamp */
            return REC_ERR_INVALID;
        sec = sec * 10 + (text[i] - '0');
    }
    if (!digits)
        return REC_ERR_INVALID;
    if (text[i] == '.') {
        size_t f = 0;
        for (i++; text[i] >= '0' && text[i] <= '9'; i++, f++) {
            if (f == 9)
                return REC_ERR_INVALID;
            if (f < 3)
                frac_ms = frac_ms * 10 + (text[i] - '0');
        }
        for (; f < 3; f++)
            frac_ms *= 10;
    }
    if (text[i] != '\0')
        return REC_ERR_INVALID;
    *ms = sec * 1000 + frac_ms;
    return 0;
}

void redaction_fragment(struct redaction *rd, const char *server_timestamp)
{
    rd->fragment_counted = 0;
    rd->have_server = server_timestamp &&
                      redaction_parse_server_timestamp(server_timestamp, &rd->server_ms) == 0 &&
                      plausible_ms(rd->server_ms, rd->now_ms);
}

/* The first of n samples starting at block_ns whose time is >= at_ns:
 * ceil((at - block) * rate / 1e9), within [0, n]. */
static uint64_t first_at_or_after(int64_t at_ns, int64_t block_ns, uint32_t rate, uint64_t n)
{
    if (at_ns <= block_ns)
        return 0;
    uint64_t d = (uint64_t)at_ns - (uint64_t)block_ns; /* > 0, fits: at > block */
    /* Past the block's last sample: none of it. n / rate s is at most
     * the block's length, so the product below stays in range. */
    if (d / NS_PER_S >= n / rate + 1)
        return n;
    uint64_t k = (d * rate + NS_PER_S - 1) / NS_PER_S;
    return k < n ? k : n;
}

/* The block's time on the wall clock, or 0 with *whole set when its
 * fragment has no usable time (silence it all). Counts the fragment once. */
static int64_t wall_time(struct redaction *rd, int64_t cluster_ns, int64_t time_ns, int *whole)
{
    /* Floor division: a negative timecode is implausible either way. */
    int64_t cluster_ms = cluster_ns / NS_PER_MS;
    int by_cluster = plausible_ms(cluster_ms, rd->now_ms);
    *whole = !by_cluster && !rd->have_server;
    if (!rd->fragment_counted) {
        rd->fragment_counted = 1;
        if (!by_cluster)
            (*(*whole ? &rd->st.fragments_silenced : &rd->st.fragments_server_time))++;
    }
    if (by_cluster || *whole)
        return time_ns;
    return sat_add(ms_to_ns(rd->server_ms), time_ns - cluster_ns);
}

/* Zeroes samples [k0, k1) of a copy of in (made at the first call). */
static int zero(struct redaction *rd, int role, struct rec_bytes in, uint8_t **w, uint64_t k0,
                uint64_t k1)
{
    if (k1 <= k0)
        return 0;
    if (!*w) {
        rec_buf_reset(&rd->scratch);
        int rc = rec_buf_append(&rd->scratch, in.ptr, in.len);
        if (rc)
            return rc;
        *w = (uint8_t *)rd->scratch.data;
    }
    memset(*w + 2 * k0, 0, 2 * (size_t)(k1 - k0));
    rd->st.samples[role] += k1 - k0;
    return 0;
}

/* The first interval that ends after t (binary search over disjoint,
 * sorted intervals). */
static size_t first_ending_after(const struct redaction *rd, int64_t t)
{
    size_t lo = 0, hi = rd->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (rd->iv[mid].to_ns <= t)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

int redaction_filter(struct redaction *rd, int role, int64_t cluster_ns, int64_t time_ns,
                     uint32_t rate, struct rec_bytes in, struct rec_bytes *out)
{
    *out = in;
    uint64_t n = in.len / 2;
    if (!rd->st.active || n == 0 || rate == 0)
        return 0;
    int whole;
    int64_t wall = wall_time(rd, cluster_ns, time_ns, &whole);
    uint8_t *w = NULL;
    int rc = 0;
    if (whole || rd->silence_all) {
        rc = zero(rd, role, in, &w, 0, n);
    } else {
        for (size_t i = first_ending_after(rd, wall); i < rd->n && !rc; i++) {
            uint64_t k0 = first_at_or_after(rd->iv[i].from_ns, wall, rate, n);
            if (k0 == n)
                break; /* this and every later interval start after the block */
            uint64_t k1 = rd->iv[i].to_ns == INT64_MAX ? n
                                                       : first_at_or_after(rd->iv[i].to_ns, wall, rate, n);
            rc = zero(rd, role, in, &w, k0, k1);
        }
    }
    if (!rc && w)
        *out = rec_bytes_of(w, in.len);
    return rc;
}

uint64_t redaction_ms(const struct redaction *rd, int role, uint32_t rate)
{
    return rate ? rd->st.samples[role] * 1000 / rate : 0;
}

void redaction_clean_up(struct redaction *rd)
{
    free(rd->iv);
    rd->iv = NULL;
    rd->n = 0;
    rec_buf_clean_up(&rd->scratch, 0);
}

#include "audio/stereo_mix.h"

#include <stdlib.h>
#include <string.h>

#include "common/error.h"

enum { OUT_FRAMES = 4096, DEFAULT_LAG_BYTES = 2 * 1024 * 1024 };

int stereo_mix_init(struct stereo_mix *m, size_t max_lag_bytes, stereo_mix_emit_fn emit, void *user)
{
    *m = (struct stereo_mix){ .emit = emit, .user = user };
    if (max_lag_bytes == 0)
        max_lag_bytes = DEFAULT_LAG_BYTES;
    m->ring_cap = max_lag_bytes / 2 < 1 ? 1 : max_lag_bytes / 2;
    m->ring = malloc(m->ring_cap * 2);
    m->out = malloc(OUT_FRAMES * 4);
    if (!m->ring || !m->out) {
        stereo_mix_clean_up(m);
        return REC_ERR_NOMEM;
    }
    return 0;
}

void stereo_mix_clean_up(struct stereo_mix *m)
{
    free(m->ring);
    free(m->out);
    m->ring = m->out = NULL;
}

static int out_flush(struct stereo_mix *m)
{
    if (m->out_n == 0)
        return 0;
    size_t n = m->out_n;
    m->out_n = 0;
    return m->emit(m->user, m->out, n);
}

/* Interleaves k frames into o: the lead side from lead_src, the other from
 * other or silence. 2-byte copies keep the bytes in s16le order on any host
 * (and compile to plain 16-bit moves). */
static void interleave(uint8_t *o, int lead, const uint8_t *lead_src, const uint8_t *other,
                       size_t k)
{
    uint8_t *ol = o + 2 * lead, *oo = o + 2 * !lead;
    if (other) {
        for (size_t i = 0; i < k; i++) {
            memcpy(ol + 4 * i, lead_src + 2 * i, 2);
            memcpy(oo + 4 * i, other + 2 * i, 2);
        }
    } else {
        for (size_t i = 0; i < k; i++) {
            memcpy(ol + 4 * i, lead_src + 2 * i, 2);
            memset(oo + 4 * i, 0, 2);
        }
    }
}

/* Emits n frames: the leader's side from the ring front, the other side
 * from other (s16le) or silence when other is NULL. n <= held. */
static int emit_from_ring(struct stereo_mix *m, const uint8_t *other, size_t n)
{
    while (n > 0) {
        size_t k = OUT_FRAMES - m->out_n;
        size_t contiguous = m->ring_cap - m->ring_head;
        if (k > n)
            k = n;
        if (k > contiguous)
            k = contiguous;
        interleave(m->out + m->out_n * 4, m->leader, m->ring + m->ring_head * 2, other, k);
        if (other)
            other += 2 * k;
        m->out_n += k;
        m->ring_head = (m->ring_head + k) % m->ring_cap;
        m->held -= k;
        m->emitted += k;
        n -= k;
        if (m->out_n == OUT_FRAMES) {
            int rc = out_flush(m);
            if (rc)
                return rc;
        }
    }
    return 0;
}

/* Appends n samples of channel ch (the leader) to the ring, making room by
 * emitting the oldest held frames against silence when it is full. */
static int hold(struct stereo_mix *m, int ch, const uint8_t *src, uint64_t n)
{
    m->leader = ch;
    while (n > 0) {
        if (m->held == m->ring_cap) {
            size_t k = m->ring_cap / 8 ? m->ring_cap / 8 : 1;
            int rc = emit_from_ring(m, NULL, k);
            if (rc)
                return rc;
        }
        size_t tail = (m->ring_head + m->held) % m->ring_cap;
        size_t k = m->ring_cap - m->held;
        if (k > m->ring_cap - tail)
            k = m->ring_cap - tail;
        if (k > n)
            k = (size_t)n;
        if (src) {
            memcpy(m->ring + tail * 2, src, k * 2);
            src += 2 * k;
        } else {
            memset(m->ring + tail * 2, 0, k * 2);
        }
        m->held += k;
        n -= k;
    }
    return 0;
}

int stereo_mix_add(struct stereo_mix *m, int ch, const uint8_t *src, uint64_t n)
{
    uint64_t pos = m->total[ch];
    m->total[ch] += n;
    if (pos < m->emitted) {
        /* Frames already written with silence on this side (lag overflow). */
        uint64_t skip = m->emitted - pos < n ? m->emitted - pos : n;
        if (src) {
            for (uint64_t i = 0; i < skip; i++)
                m->lost_samples += (src[2 * i] | src[2 * i + 1]) != 0;
            src += 2 * skip;
        }
        n -= skip;
    }
    if (n == 0)
        return 0;
    if (m->held > 0 && m->leader == ch)
        return hold(m, ch, src, n);
    /* This side is at `emitted`: pair with what the other side holds. */
    uint64_t k = m->held < n ? m->held : n;
    int rc = emit_from_ring(m, src, (size_t)k);
    if (rc)
        return rc;
    if (src)
        src += 2 * k;
    n -= k;
    return n > 0 ? hold(m, ch, src, n) : 0;
}

int stereo_mix_flush(struct stereo_mix *m)
{
    int rc = emit_from_ring(m, NULL, m->held);
    if (rc)
        return rc;
    return out_flush(m);
}

/*
 * Helpers shared by the recorder's unit tests (header-only: the Makefile
 * links each tests/unit/test_*.c on its own): a tiny EBML builder that
 * writes Connect-style GetMedia fragments by hand (RFC 8794 elements,
 * RFC 9559 IDs; the Python fixture generator covers the Connect layout end
 * to end through kvs2wav), and byte sinks in memory.
 */
#ifndef REC_TESTS_RECORDER_SUPPORT_H
#define REC_TESTS_RECORDER_SUPPORT_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "audio/byte_sink.h"
#include "common/error.h"
#include "recorder/output.h"

/* ---- a tiny EBML builder ------------------------------------------------------ */

struct bytes {
    uint8_t *p;
    size_t n;
};

static inline void put(struct bytes *b, const void *p, size_t n)
{
    b->p = realloc(b->p, b->n + n + 1);
    assert_non_null(b->p);
    memcpy(b->p + b->n, p, n);
    b->n += n;
}

static inline void put_id(struct bytes *b, uint32_t id)
{
    uint8_t v[4];
    int n = id > 0xFFFFFF ? 4 : id > 0xFFFF ? 3 : id > 0xFF ? 2 : 1;
    for (int i = 0; i < n; i++)
        v[i] = (uint8_t)(id >> (8 * (n - 1 - i)));
    put(b, v, (size_t)n);
}

static inline void put_size(struct bytes *b, uint64_t size)
{
    uint8_t v[8] = { 0x01 };
    for (int i = 0; i < 7; i++)
        v[7 - i] = (uint8_t)(size >> (8 * i));
    put(b, v, 8);
}

static inline void el(struct bytes *b, uint32_t id, const void *p, size_t n)
{
    put_id(b, id);
    put_size(b, n);
    put(b, p, n);
}

static inline void el_b(struct bytes *b, uint32_t id, struct bytes *body)
{
    el(b, id, body->p, body->n);
    free(body->p);
    *body = (struct bytes){ 0 };
}

static inline void el_uint(struct bytes *b, uint32_t id, uint64_t v)
{
    uint8_t x[8];
    for (int i = 0; i < 8; i++)
        x[i] = (uint8_t)(v >> (8 * (7 - i)));
    el(b, id, x, 8);
}

static inline void el_str(struct bytes *b, uint32_t id, const char *s)
{
    el(b, id, s, strlen(s));
}

static inline void el_float(struct bytes *b, uint32_t id, double d)
{
    uint64_t u;
    memcpy(&u, &d, 8);
    uint8_t x[8];
    for (int i = 0; i < 8; i++)
        x[i] = (uint8_t)(u >> (8 * (7 - i)));
    el(b, id, x, 8);
}

static inline void tag(struct bytes *b, const char *name, const char *value)
{
    struct bytes st = { 0 }, t = { 0 }, tags = { 0 };
    el_str(&st, 0x45A3, name);
    el_str(&st, 0x4487, value);
    el_b(&t, 0x67C8, &st);
    el_b(&tags, 0x7373, &t);
    el_b(b, 0x1254C367, &tags);
}

struct trk {
    const char *name;
    const char *codec;
    double rate;
    uint64_t bits;
};

struct blk {
    int track;        /* 1-based */
    int16_t rel_ms;
    int16_t first;    /* sample values first, first+1, ... */
    size_t n;         /* samples (bytes = 2n, or odd_bytes if set) */
    size_t odd_bytes;
};

/* One Connect-style fragment: EBML header, unknown-size Segment, Tracks,
 * fragment number tag, unknown-size Cluster, then the call tag (call_tag =
 * call, if call is not NULL), MimeType and the continuation token. */
static inline void fragment_tagged(struct bytes *out, const char *number, const char *call_tag,
                                   const char *call, uint64_t cluster_ms,
                                   const struct trk *tracks, int n_tracks,
                                   const struct blk *blocks, int n_blocks, const char *mime)
{
    struct bytes h = { 0 }, body = { 0 };
    el_uint(&h, 0x4286, 1);
    el_str(&h, 0x4282, "matroska");
    el_b(out, 0x1A45DFA3, &h);
    put_id(out, 0x18538067);
    put(out, "\x01\xFF\xFF\xFF\xFF\xFF\xFF\xFF", 8);
    struct bytes info = { 0 };
    el_uint(&info, 0x2AD7B1, 1000000);
    el_b(out, 0x1549A966, &info);
    for (int i = 0; i < n_tracks; i++) {
        struct bytes te = { 0 }, au = { 0 };
        el_uint(&te, 0xD7, (uint64_t)i + 1);
        el_uint(&te, 0x83, 2);
        el_str(&te, 0x536E, tracks[i].name);
        el_str(&te, 0x86, tracks[i].codec);
        el_float(&au, 0xB5, tracks[i].rate);
        el_uint(&au, 0x9F, 1);
        if (tracks[i].bits)
            el_uint(&au, 0x6264, tracks[i].bits);
        el_b(&te, 0xE1, &au);
        el_b(&body, 0xAE, &te);
    }
    el_b(out, 0x1654AE6B, &body);
    if (number)
        tag(out, "AWS_KINESISVIDEO_FRAGMENT_NUMBER", number);
    put_id(out, 0x1F43B675);
    put(out, "\x01\xFF\xFF\xFF\xFF\xFF\xFF\xFF", 8);
    el_uint(out, 0xE7, cluster_ms);
    for (int i = 0; i < n_blocks; i++) {
        const struct blk *k = &blocks[i];
        size_t len = k->odd_bytes ? k->odd_bytes : 2 * k->n;
        uint8_t *sb = malloc(4 + len);
        sb[0] = (uint8_t)(0x80 | k->track);
        sb[1] = (uint8_t)((uint16_t)k->rel_ms >> 8);
        sb[2] = (uint8_t)k->rel_ms;
        sb[3] = 0x80;
        int big = !strcmp(tracks[k->track - 1].codec, "A_PCM/INT/BIG");
        for (size_t j = 0; j < len / 2; j++) {
            uint16_t v = (uint16_t)(k->first + (int16_t)j);
            sb[4 + 2 * j + big] = (uint8_t)v;
            sb[4 + 2 * j + !big] = (uint8_t)(v >> 8);
        }
        if (len % 2)
            sb[4 + len - 1] = 0;
        el(out, 0xA3, sb, 4 + len);
        free(sb);
    }
    if (call)
        tag(out, call_tag, call);
    if (mime)
        tag(out, "MimeType", mime);
    tag(out, "AWS_KINESISVIDEO_CONTINUATION_TOKEN", number ? number : "none");
}

/* fragment_tagged with Connect's call tag, ContactId. */
static inline void fragment(struct bytes *out, const char *number, const char *contact,
                            uint64_t cluster_ms, const struct trk *tracks, int n_tracks,
                            const struct blk *blocks, int n_blocks, const char *mime)
{
    fragment_tagged(out, number, "ContactId", contact, cluster_ms, tracks, n_tracks, blocks,
                    n_blocks, mime);
}

/* ---- memory sinks ------------------------------------------------------------ */

struct msink {
    struct bytes data;
    int opened, closed, committed;
    uint32_t rate;
    unsigned channels;
    size_t write_limit; /* a write past this many bytes fails (REC_ERR_IO); 0: none */
};

struct sinks {
    struct msink out[RECORDER_OUTPUTS];
    int fail_open; /* output index whose open fails, -1 none */
    int fail_code; /* what that open returns; 0: REC_ERR_IO */
};

static inline int ms_write(void *impl, uint64_t pos, const void *bytes, size_t len)
{
    struct msink *m = impl;
    if (m->write_limit && pos + len > m->write_limit)
        return REC_ERR_IO;
    if (pos + len > m->data.n) {
        m->data.p = realloc(m->data.p, (size_t)pos + len);
        m->data.n = (size_t)pos + len;
    }
    memcpy(m->data.p + pos, bytes, len);
    return 0;
}

static inline int ms_seek(void *impl, uint64_t offset)
{
    (void)impl;
    (void)offset;
    return 0;
}

static inline int ms_close(void *impl, int commit)
{
    struct msink *m = impl;
    m->closed = 1;
    m->committed = commit;
    return 0;
}

static inline int open_sink(void *user, enum recorder_output which, uint32_t rate,
                            unsigned channels, struct byte_sink *out)
{
    static const struct byte_sink_ops ms_ops = { ms_write, ms_seek, ms_close };
    struct sinks *s = user;
    if (s->fail_open == (int)which)
        return s->fail_code ? s->fail_code : REC_ERR_IO;
    struct msink *m = &s->out[which];
    assert_false(m->opened); /* at most once per output */
    m->opened = 1;
    m->rate = rate;
    m->channels = channels;
    *out = (struct byte_sink){ .ops = &ms_ops, .impl = m };
    return 0;
}

static inline void sinks_free(struct sinks *s)
{
    for (int i = 0; i < RECORDER_OUTPUTS; i++)
        free(s->out[i].data.p);
    memset(s, 0, sizeof(*s));
}

/* Sample i of a committed output (after the 80-byte header). */
static inline int16_t sample(const struct msink *m, size_t i)
{
    const uint8_t *p = m->data.p + 80 + 2 * i;
    return (int16_t)(p[0] | p[1] << 8);
}

static inline size_t samples(const struct msink *m)
{
    return (m->data.n - 80) / 2;
}

#endif

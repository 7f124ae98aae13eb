/*
 * libFuzzer target for the recorder (recorder/recorder.h): the fragment
 * gate, the track decoders and the outputs behind the Matroska reader.
 *
 * Each input is recorded with every output wanted, whole and in pieces
 * whose sizes come from a PRNG seeded by the input (each piece in its own
 * exact-size heap copy, so ASan sees any read past a push): both runs must
 * give the same result, error message and files. Then with one output
 * wanted at a time: when the full run did not fail (0, TRUNCATED or
 * UNSUPPORTED), that output's file must be the full run's, byte for byte
 * (an output nobody wants is not decoded, yet must not change the others).
 * Memory sinks are capped; the caps are small so the paths that refuse
 * input are fuzzed too.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/error.h"
#include "recorder/recorder.h"

#define SINK_CAP ((size_t)32 << 20)

struct mem {
    uint8_t *p;
    size_t n;
    int open, committed;
};

struct run {
    struct mem out[RECORDER_OUTPUTS];
    int rc;
    char message[REC_ERROR_MESSAGE_MAX];
};

static int mem_write(void *impl, uint64_t pos, const void *bytes, size_t len)
{
    struct mem *m = impl;
    if (pos + len > SINK_CAP)
        return REC_ERR_IO;
    if (pos + len > m->n) {
        uint8_t *p = realloc(m->p, (size_t)pos + len);
        if (!p)
            return REC_ERR_NOMEM;
        memset(p + m->n, 0, (size_t)pos + len - m->n);
        m->p = p;
        m->n = (size_t)pos + len;
    }
    memcpy(m->p + pos, bytes, len);
    return 0;
}

static int mem_seek(void *impl, uint64_t offset)
{
    (void)impl;
    (void)offset;
    return 0;
}

static int mem_close(void *impl, int commit)
{
    struct mem *m = impl;
    m->open = 0;
    m->committed = commit;
    return 0;
}

static int mem_open(void *user, enum recorder_output which, uint32_t rate, unsigned channels,
                    struct byte_sink *out)
{
    static const struct byte_sink_ops ops = { mem_write, mem_seek, mem_close };
    (void)rate;
    (void)channels;
    struct run *r = user;
    if (r->out[which].open || r->out[which].p)
        __builtin_trap(); /* opened at most once */
    r->out[which].open = 1;
    *out = (struct byte_sink){ .ops = &ops, .impl = &r->out[which] };
    return 0;
}

static void record(const uint8_t *data, size_t size, unsigned outputs, int split, struct run *out)
{
    memset(out, 0, sizeof(*out));
    struct recorder_options opt = {
        .tracks = recorder_tracks_connect,
        .call_tag = RECORDER_CALL_TAG_CONNECT,
        .outputs = outputs,
        .sinks = { .user = out, .open = mem_open },
        .max_fragment_bytes = 1 << 20,
        .max_mix_lag_bytes = 64 << 10,
        .max_gap_ms = 2000,
        .max_element_bytes = 256 << 10,
    };
    opt.tracks.lone_any_name = size % 3 == 0;
    struct recorder *rec;
    if (recorder_new(&opt, &rec))
        __builtin_trap();
    int rc = 0;
    uint64_t x = size * 0x9E3779B97F4A7C15u + 1;
    for (size_t at = 0; at < size && rc == 0;) {
        size_t n = size - at;
        if (split) {
            x ^= x << 13, x ^= x >> 7, x ^= x << 17;
            size_t want = (x & 7) == 0 ? 1 + (size_t)(x >> 32) % 4096 : 1 + (size_t)(x >> 32) % 17;
            n = want < n ? want : n;
        }
        uint8_t *copy = malloc(n);
        if (!copy)
            __builtin_trap();
        memcpy(copy, data + at, n);
        rc = recorder_push(rec, copy, n);
        free(copy);
        at += n;
    }
    out->rc = recorder_finish(rec);
    if (recorder_finish(rec) != out->rc || recorder_error(rec)->code != out->rc)
        __builtin_trap(); /* sticky, and in the record */
    memcpy(out->message, recorder_error(rec)->message, sizeof(out->message));
    recorder_destroy(rec);
}

static int same_file(const struct mem *a, const struct mem *b)
{
    if (a->committed != b->committed)
        return 0;
    return !a->committed || (a->n == b->n && (a->n == 0 || !memcmp(a->p, b->p, a->n)));
}

static void release(struct run *r)
{
    for (int i = 0; i < RECORDER_OUTPUTS; i++)
        free(r->out[i].p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct run whole, split, one;
    record(data, size, RECORDER_WANT_ALL, 0, &whole);
    record(data, size, RECORDER_WANT_ALL, 1, &split);
    if (whole.rc != split.rc || strcmp(whole.message, split.message))
        __builtin_trap();
    for (int i = 0; i < RECORDER_OUTPUTS; i++)
        if (!same_file(&whole.out[i], &split.out[i]))
            __builtin_trap();
    release(&split);
    if (whole.rc == 0 || whole.rc == REC_ERR_TRUNCATED || whole.rc == REC_ERR_UNSUPPORTED) {
        for (int i = 0; i < RECORDER_OUTPUTS; i++) {
            record(data, size, RECORDER_WANT(i), 0, &one);
            for (int k = 0; k < RECORDER_OUTPUTS; k++)
                if (k != i && one.out[k].p)
                    __builtin_trap(); /* an output nobody wants was opened */
            if (!same_file(&whole.out[i], &one.out[i]))
                __builtin_trap();
            release(&one);
        }
    }
    release(&whole);
    return 0;
}

/*
 * libFuzzer target for kvs/mkv_reader.
 *
 * Each input is read twice: pushed whole, then in pieces whose sizes come
 * from a PRNG seeded by the input (each piece in its own exact-size heap copy
 * so ASan sees any read past a push). Both runs must report the same
 * callbacks (hashed, payload bytes included), the same result and the same
 * error message: the reader's output may not depend on how input is split.
 * The input also picks the caps, a want_track filter and an MKV_STOP point,
 * so those paths are fuzzed too.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/error.h"
#include "kvs/mkv_reader.h"

struct fz {
    uint64_t hash;
    unsigned frames;
    unsigned stop_at;     /* 0 = never */
    unsigned want_parity; /* 2 = all tracks */
};

static void mix(struct fz *f, const void *p, size_t n)
{
    const uint8_t *b = p;
    uint64_t h = f->hash;
    for (size_t i = 0; i < n; i++)
        h = (h ^ b[i]) * 0x100000001B3u;
    f->hash = (h ^ (h >> 29)) * 0xBF58476D1CE4E5B9u;
}

static void mix_u64(struct fz *f, uint64_t v)
{
    mix(f, &v, sizeof v);
}

static void mix_str(struct fz *f, const char *s)
{
    mix(f, s, strlen(s) + 1);
}

static void mix_fragment(struct fz *f, int what, const struct mkv_fragment_info *i)
{
    mix_u64(f, (uint64_t)what);
    mix_u64(f, i->index);
    mix_u64(f, i->start_offset);
    mix_u64(f, i->timecode_scale);
    mix_u64(f, i->n_tags);
    for (size_t k = 0; k < i->n_tags; k++) {
        mix_str(f, i->tags[k].name);
        mix_str(f, i->tags[k].value);
    }
}

static int on_start(void *u, const struct mkv_fragment_info *i)
{
    mix_fragment(u, 1, i);
    return 0;
}

static int on_end(void *u, const struct mkv_fragment_info *i)
{
    mix_fragment(u, 2, i);
    return 0;
}

static int on_track(void *u, const struct mkv_track_info *t)
{
    struct fz *f = u;
    mix_u64(f, 3);
    mix_u64(f, t->number);
    mix_u64(f, t->type);
    mix_str(f, t->name);
    mix_str(f, t->codec_id);
    mix_u64(f, t->codec_private != NULL);
    if (t->codec_private)
        mix(f, t->codec_private, t->codec_private_len);
    mix(f, &t->sampling_frequency, sizeof t->sampling_frequency);
    mix_u64(f, t->channels);
    mix_u64(f, t->bit_depth);
    return 0;
}

static int on_tag(void *u, const struct mkv_tag *t)
{
    mix_u64(u, 4);
    mix_str(u, t->name);
    mix_str(u, t->value);
    return 0;
}

static int on_kvs_error(void *u, const char *code, const char *id)
{
    mix_u64(u, 5);
    mix_str(u, code);
    mix_str(u, id ? id : "(null)");
    return 0;
}

static int want_track(void *u, uint64_t track)
{
    struct fz *f = u;
    return f->want_parity == 2 || (track & 1) == f->want_parity;
}

static int on_frame(void *u, const struct mkv_frame *fr)
{
    struct fz *f = u;
    mix_u64(f, 6);
    mix_u64(f, fr->track);
    mix_u64(f, (uint64_t)fr->time_ns);
    mix_u64(f, (uint64_t)fr->keyframe);
    mix_u64(f, fr->lace_index);
    mix_u64(f, fr->lace_count);
    mix(f, fr->data, fr->len);
    return ++f->frames == f->stop_at ? MKV_STOP : 0;
}

struct outcome {
    uint64_t hash;
    int push_rc, finish_rc;
    char message[256];
};

static void run(const uint8_t *data, size_t size, int split, const struct mkv_reader_config *cfg,
                struct fz f, struct outcome *out)
{
    struct mkv_callbacks cb = {
        .user = &f,
        .on_fragment_start = on_start,
        .on_fragment_end = on_end,
        .on_track = on_track,
        .on_tag = on_tag,
        .on_kvs_error = on_kvs_error,
        .want_track = want_track,
        .on_frame = on_frame,
    };
    struct mkv_reader r;
    if (mkv_reader_init(&r, cfg, &cb))
        __builtin_trap();
    int rc = 0;
    if (!split) {
        rc = mkv_reader_push(&r, data, size);
    } else {
        uint64_t x = size * 0x9E3779B97F4A7C15u + 1;
        for (size_t i = 0; i < size && i < 16; i++)
            x = (x ^ data[i]) * 0x100000001B3u;
        size_t at = 0;
        while (at < size && rc == 0) {
            x ^= x << 13, x ^= x >> 7, x ^= x << 17;
            size_t n = (x & 7) == 0 ? 1 + (size_t)(x >> 32) % 4096 : 1 + (size_t)(x >> 32) % 17;
            if (n > size - at)
                n = size - at;
            uint8_t *copy = malloc(n);
            if (!copy)
                __builtin_trap();
            memcpy(copy, data + at, n);
            rc = mkv_reader_push(&r, copy, n);
            free(copy);
            at += n;
        }
    }
    out->push_rc = rc;
    out->finish_rc = mkv_reader_finish(&r);
    if (mkv_reader_finish(&r) != out->finish_rc) /* sticky */
        __builtin_trap();
    const char *msg = mkv_reader_error(&r);
    if ((out->finish_rc < 0) != (msg[0] != '\0'))
        __builtin_trap();
    strncpy(out->message, msg, sizeof out->message - 1);
    out->message[sizeof out->message - 1] = '\0';
    out->hash = f.hash;
    mkv_reader_clean_up(&r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* Settings from the input's length, so seeds stay valid Matroska. */
    struct mkv_reader_config cfg = { 0 };
    if (size % 3 == 0)
        cfg.max_element_bytes = 200 + size % 1000;
    if (size % 5 == 0) {
        cfg.max_tags = 1 + size % 7;
        cfg.max_tag_bytes = 16 + size % 200;
    }
    struct fz f = { .hash = 1469598103934665603u, .want_parity = (unsigned)(size % 3) };
    if (size % 11 == 0)
        f.stop_at = 1 + (unsigned)(size % 13);

    struct outcome whole, split;
    memset(&whole, 0, sizeof whole);
    memset(&split, 0, sizeof split);
    run(data, size, 0, &cfg, f, &whole);
    run(data, size, 1, &cfg, f, &split);
    /* A split run may report its error from a later push, but never a
     * different one, and the same callbacks must have happened. */
    int whole_rc = whole.push_rc ? whole.push_rc : whole.finish_rc;
    int split_rc = split.push_rc ? split.push_rc : split.finish_rc;
    if (whole.hash != split.hash || whole_rc != split_rc || whole.finish_rc != split.finish_rc ||
        strcmp(whole.message, split.message))
        __builtin_trap();
    return 0;
}

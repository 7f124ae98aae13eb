/*
 * Helpers shared by the Matroska reader tests (header-only: the Makefile
 * links each tests/unit/test_*.c on its own).
 *
 * 1. Build EBML byte streams by hand (RFC 8794: element = ID + size VINT +
 *    data) from Matroska pieces (RFC 9559 element IDs).
 * 2. Run a stream through the reader whole, one byte at a time and in random
 *    splits (each piece in its own heap copy, so ASan sees any read past a
 *    push or any frame pointer kept after one), logging every callback as one
 *    line of text, and assert that every run logged the same thing.
 *
 * Blobs live in one static arena reset by mkv_test_setup(); nothing to free.
 */
#ifndef REC_TESTS_MKV_SUPPORT_H
#define REC_TESTS_MKV_SUPPORT_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "common/buf.h"
#include "common/error.h"
#include "kvs/mkv_reader.h"

/* Matroska element IDs used by the tests (RFC 9559 §5.1). */
enum {
    ID_EBML = 0x1A45DFA3,
    ID_EBMLVersion = 0x4286,
    ID_DocType = 0x4282,
    ID_Void = 0xEC,
    ID_CRC32 = 0xBF,
    ID_Segment = 0x18538067,
    ID_SeekHead = 0x114D9B74,
    ID_Seek = 0x4DBB,
    ID_SeekID = 0x53AB,
    ID_SeekPosition = 0x53AC,
    ID_Info = 0x1549A966,
    ID_TimecodeScale = 0x2AD7B1,
    ID_Title = 0x7BA9,
    ID_Tracks = 0x1654AE6B,
    ID_TrackEntry = 0xAE,
    ID_TrackNumber = 0xD7,
    ID_TrackUID = 0x73C5,
    ID_TrackType = 0x83,
    ID_Name = 0x536E,
    ID_CodecID = 0x86,
    ID_CodecPrivate = 0x63A2,
    ID_Video = 0xE0,
    ID_Audio = 0xE1,
    ID_SamplingFrequency = 0xB5,
    ID_Channels = 0x9F,
    ID_BitDepth = 0x6264,
    ID_Cluster = 0x1F43B675,
    ID_Timecode = 0xE7,
    ID_SimpleBlock = 0xA3,
    ID_BlockGroup = 0xA0,
    ID_Block = 0xA1,
    ID_BlockDuration = 0x9B,
    ID_Cues = 0x1C53BB6B,
    ID_Tags = 0x1254C367,
    ID_Tag = 0x7373,
    ID_Targets = 0x63C0,
    ID_SimpleTag = 0x67C8,
    ID_TagName = 0x45A3,
    ID_TagString = 0x4487,
};

struct blob {
    const uint8_t *p;
    size_t n;
};

#define NOTHING ((struct blob){ NULL, 0 })
#define B(...) \
    blob_bytes((const uint8_t[]){ __VA_ARGS__ }, sizeof((const uint8_t[]){ __VA_ARGS__ }))
#define CAT(...)                                   \
    blob_cat((const struct blob[]){ __VA_ARGS__ }, \
             sizeof((const struct blob[]){ __VA_ARGS__ }) / sizeof(struct blob))

static uint8_t mkv_test_arena[16 << 20];
static size_t mkv_test_arena_used;

static inline int mkv_test_setup(void **state)
{
    (void)state;
    mkv_test_arena_used = 0;
    return 0;
}

static inline uint8_t *blob_alloc(size_t n)
{
    assert_true(n <= sizeof mkv_test_arena - mkv_test_arena_used);
    uint8_t *p = mkv_test_arena + mkv_test_arena_used;
    mkv_test_arena_used += n;
    return p;
}

static inline struct blob blob_bytes(const void *p, size_t n)
{
    uint8_t *d = blob_alloc(n);
    if (n)
        memcpy(d, p, n);
    return (struct blob){ d, n };
}

static inline struct blob blob_cat(const struct blob *parts, size_t k)
{
    size_t n = 0;
    for (size_t i = 0; i < k; i++)
        n += parts[i].n;
    uint8_t *d = blob_alloc(n);
    size_t at = 0;
    for (size_t i = 0; i < k; i++) {
        if (parts[i].n)
            memcpy(d + at, parts[i].p, parts[i].n);
        at += parts[i].n;
    }
    return (struct blob){ d, n };
}

static inline struct blob blob_fill(uint8_t byte, size_t n)
{
    uint8_t *d = blob_alloc(n);
    memset(d, byte, n);
    return (struct blob){ d, n };
}

static inline struct blob blob_str(const char *s)
{
    return blob_bytes(s, strlen(s));
}

static inline struct blob ebml_id(uint32_t id)
{
    uint8_t b[4];
    int w = id > 0xFFFFFF ? 4 : id > 0xFFFF ? 3 : id > 0xFF ? 2 : 1;
    for (int i = 0; i < w; i++)
        b[i] = (uint8_t)(id >> (8 * (w - 1 - i)));
    return blob_bytes(b, (size_t)w);
}

/* width 0 = shortest encoding that is not the reserved all-ones value. */
static inline struct blob ebml_size(uint64_t v, int width)
{
    if (!width)
        for (width = 1; width < 8 && v >= (UINT64_C(1) << (7 * width)) - 1; width++)
            ;
    uint8_t b[8];
    for (int i = 0; i < width; i++)
        b[i] = (uint8_t)(v >> (8 * (width - 1 - i)));
    b[0] |= (uint8_t)(0x80 >> (width - 1));
    return blob_bytes(b, (size_t)width);
}

static inline struct blob ebml_unknown(int width)
{
    uint8_t b[8];
    memset(b, 0xFF, sizeof b);
    b[0] = (uint8_t)(0xFF >> (width - 1));
    return blob_bytes(b, (size_t)width);
}

static inline struct blob el_w(uint32_t id, int width, struct blob body)
{
    return CAT(ebml_id(id), ebml_size(body.n, width), body);
}

static inline struct blob el(uint32_t id, struct blob body)
{
    return el_w(id, 0, body);
}

static inline struct blob el_unknown(uint32_t id, int width, struct blob body)
{
    return CAT(ebml_id(id), ebml_unknown(width), body);
}

static inline struct blob el_uint(uint32_t id, uint64_t v)
{
    uint8_t b[8];
    int w = 1;
    while (w < 8 && (v >> (8 * w)))
        w++;
    for (int i = 0; i < w; i++)
        b[i] = (uint8_t)(v >> (8 * (w - 1 - i)));
    return el(id, blob_bytes(b, (size_t)w));
}

static inline struct blob el_str(uint32_t id, const char *s)
{
    return el(id, blob_str(s));
}

static inline struct blob el_float(uint32_t id, double v)
{
    uint64_t bits;
    memcpy(&bits, &v, sizeof bits);
    uint8_t b[8];
    for (int i = 0; i < 8; i++)
        b[i] = (uint8_t)(bits >> (8 * (7 - i)));
    return el(id, blob_bytes(b, 8));
}

static inline struct blob ebml_header(void)
{
    return el(ID_EBML, CAT(el_uint(ID_EBMLVersion, 1), el_str(ID_DocType, "matroska")));
}

static inline struct blob info(uint64_t timecode_scale)
{
    return el(ID_Info, CAT(el_uint(ID_TimecodeScale, timecode_scale),
                           el_str(ID_Title, "Kinesis Video SDK")));
}

static inline struct blob audio_track(uint64_t number, const char *name, const char *codec,
                                      double rate, uint64_t channels, uint64_t bits)
{
    return el(ID_TrackEntry,
              CAT(el_uint(ID_TrackNumber, number), el_uint(ID_TrackUID, number + 100),
                  el_uint(ID_TrackType, 2), el_str(ID_Name, name), el_str(ID_CodecID, codec),
                  el(ID_CodecPrivate, B(0x15, 0x88)),
                  el(ID_Audio, CAT(el_float(ID_SamplingFrequency, rate),
                                   el_uint(ID_Channels, channels), el_uint(ID_BitDepth, bits)))));
}

static inline struct blob tracks(struct blob entries)
{
    return el(ID_Tracks, entries);
}

static inline struct blob simple_tag(const char *name, const char *value)
{
    return el(ID_SimpleTag, CAT(el_str(ID_TagName, name), el_str(ID_TagString, value)));
}

static inline struct blob tags1(const char *name, const char *value)
{
    return el(ID_Tags, el(ID_Tag, CAT(el(ID_Targets, NOTHING), simple_tag(name, value))));
}

static inline struct blob simple_block(uint64_t track, int16_t rel, uint8_t flags,
                                       struct blob payload)
{
    uint16_t u = (uint16_t)rel;
    return el(ID_SimpleBlock,
              CAT(ebml_size(track, 0), B((uint8_t)(u >> 8), (uint8_t)u, flags), payload));
}

static inline struct blob timecode(uint64_t tc)
{
    return el_uint(ID_Timecode, tc);
}

/* ---- the recording runner ---------------------------------------------- */

struct run_opts {
    struct mkv_reader_config cfg;
    uint64_t unwanted_mask; /* bit t set: want_track(t) answers no (t < 64) */
    int stop_at_frame;      /* 1-based frame whose on_frame returns MKV_STOP */
    int fail_at_frame;      /* ... returns REC_ERR_IO */
    int stop_at_tag;        /* 1-based tag whose on_tag returns MKV_STOP */
    int no_want_callback;   /* leave want_track NULL */
};

struct recorder {
    const struct run_opts *o;
    struct rec_buf log;
    int frames, tags;
    const uint8_t *chunk;   /* the piece being pushed */
    size_t chunk_len;
    int frames_in_place;    /* frames whose data pointed into that piece */
};

static inline void rec_line(struct recorder *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static inline void rec_line(struct recorder *r, const char *fmt, ...)
{
    char line[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    assert_int_equal(rec_buf_append_str(&r->log, line), 0);
    assert_int_equal(rec_buf_append_str(&r->log, "\n"), 0);
}

static inline void hex(char *out, size_t cap, const uint8_t *p, size_t n)
{
    size_t at = 0;
    out[0] = '\0';
    for (size_t i = 0; i < n && at + 3 < cap; i++)
        at += (size_t)snprintf(out + at, cap - at, "%02x", p[i]);
}

static inline void rec_fragment(struct recorder *r, const char *what,
                                const struct mkv_fragment_info *f)
{
    char tags[700] = "";
    size_t at = 0;
    for (size_t i = 0; i < f->n_tags && at < sizeof tags; i++)
        at += (size_t)snprintf(tags + at, sizeof tags - at, "%s%s=%s", i ? ";" : "",
                               f->tags[i].name, f->tags[i].value);
    rec_line(r, "%s #%llu @%llu scale=%llu [%s]", what, (unsigned long long)f->index,
             (unsigned long long)f->start_offset, (unsigned long long)f->timecode_scale, tags);
}

static inline int cb_start(void *u, const struct mkv_fragment_info *f)
{
    rec_fragment(u, "start", f);
    return 0;
}

static inline int cb_end(void *u, const struct mkv_fragment_info *f)
{
    rec_fragment(u, "end", f);
    return 0;
}

static inline int cb_track(void *u, const struct mkv_track_info *t)
{
    char priv[64] = "-";
    if (t->codec_private)
        hex(priv, sizeof priv, t->codec_private, t->codec_private_len);
    rec_line(u, "track %llu type=%llu name=%s codec=%s priv=%s rate=%g ch=%llu bits=%llu",
             (unsigned long long)t->number, (unsigned long long)t->type, t->name, t->codec_id,
             priv, t->sampling_frequency, (unsigned long long)t->channels,
             (unsigned long long)t->bit_depth);
    return 0;
}

static inline int cb_tag(void *u, const struct mkv_tag *tag)
{
    struct recorder *r = u;
    rec_line(r, "tag %s=%s", tag->name, tag->value);
    return ++r->tags == r->o->stop_at_tag ? MKV_STOP : 0;
}

static inline int cb_kvs_error(void *u, const char *code, const char *id)
{
    rec_line(u, "kvs_error %s %s", code, id ? id : "(none)");
    return 0;
}

static inline int cb_want(void *u, uint64_t track)
{
    struct recorder *r = u;
    return !(track < 64 && (r->o->unwanted_mask >> track) & 1);
}

/* FNV-1a, so long payloads can be compared exactly in a log line. */
static inline uint32_t fnv1a(const uint8_t *p, size_t n)
{
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < n; i++)
        h = (h ^ p[i]) * 16777619u;
    return h;
}

static inline int cb_frame(void *u, const struct mkv_frame *fr)
{
    struct recorder *r = u;
    char data[80];
    if (fr->len <= 32)
        hex(data, sizeof data, fr->data, fr->len);
    else
        snprintf(data, sizeof data, "<%zu bytes fnv=%08x>", fr->len, fnv1a(fr->data, fr->len));
    if (fr->len && fr->data >= r->chunk && fr->data + fr->len <= r->chunk + r->chunk_len)
        r->frames_in_place++;
    rec_line(r, "frame T%llu t=%lld key=%d lace=%u/%u %s", (unsigned long long)fr->track,
             (long long)fr->time_ns, fr->keyframe, fr->lace_index, fr->lace_count, data);
    r->frames++;
    if (r->frames == r->o->stop_at_frame)
        return MKV_STOP;
    if (r->frames == r->o->fail_at_frame)
        return REC_ERR_IO;
    return 0;
}

/* Prepares rec (its log empty) and r with the logging callbacks. */
static inline void recorder_start(struct recorder *rec, struct mkv_reader *r,
                                  const struct run_opts *o)
{
    *rec = (struct recorder){ .o = o };
    rec_buf_init(&rec->log, 4 << 20);
    struct mkv_callbacks cb = {
        .user = rec,
        .on_fragment_start = cb_start,
        .on_fragment_end = cb_end,
        .on_track = cb_track,
        .on_tag = cb_tag,
        .on_kvs_error = cb_kvs_error,
        .want_track = o->no_want_callback ? NULL : cb_want,
        .on_frame = cb_frame,
    };
    assert_int_equal(mkv_reader_init(r, &o->cfg, &cb), 0);
}

static inline const char *recorder_log(const struct recorder *rec)
{
    return rec->log.data ? rec->log.data : "";
}

static uint64_t mkv_test_rng_state;
static inline uint64_t mkv_test_rng(void)
{
    uint64_t x = mkv_test_rng_state; /* xorshift64 */
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return mkv_test_rng_state = x;
}

/* mode 0 whole, 1 one byte at a time, >= 2 random piece sizes. */
static inline char *run_once(struct blob in, const struct run_opts *o, int mode,
                             int *frames_in_place)
{
    struct recorder rec;
    struct mkv_reader r;
    recorder_start(&rec, &r, o);
    mkv_test_rng_state = 0x9E3779B97F4A7C15u * (uint64_t)(mode + 1);
    int push_rc = 0;
    size_t at = 0;
    while (at < in.n && push_rc == 0) {
        size_t n = in.n - at;
        if (mode == 1)
            n = 1;
        else if (mode >= 2) {
            uint64_t x = mkv_test_rng();
            size_t want = (x & 3) == 0 ? 1 + (size_t)(x >> 8) % 512 : 1 + (size_t)(x >> 8) % 13;
            if (want < n)
                n = want;
        }
        uint8_t *copy = malloc(n);
        assert_non_null(copy);
        memcpy(copy, in.p + at, n);
        rec.chunk = copy;
        rec.chunk_len = n;
        push_rc = mkv_reader_push(&r, copy, n);
        rec.chunk = NULL;
        free(copy);
        at += n;
    }
    int fin = mkv_reader_finish(&r);
    char line[400];
    if (push_rc == 0 && fin == 0)
        snprintf(line, sizeof line, "result push=0 finish=0 err='' offset=%llu",
                 (unsigned long long)mkv_reader_offset(&r));
    else
        snprintf(line, sizeof line, "result push=%d finish=%d err='%s'", push_rc, fin,
                 mkv_reader_error(&r));
    /* the error stays put */
    assert_int_equal(mkv_reader_finish(&r), fin);
    rec_line(&rec, "%s", line);
    mkv_reader_clean_up(&r);
    if (frames_in_place)
        *frames_in_place = rec.frames_in_place;
    char *out = strdup(rec.log.data ? rec.log.data : "");
    rec_buf_clean_up(&rec.log, 0);
    return out;
}

static char mkv_test_last_log[4 << 20];

/* Runs whole, byte by byte and in 12 random splits; asserts identical logs;
 * returns the log (valid until the next call). */
static inline const char *run_all(struct blob in, const struct run_opts *o)
{
    static const struct run_opts none;
    if (!o)
        o = &none;
    char *whole = run_once(in, o, 0, NULL);
    for (int mode = 1; mode < 14; mode++) {
        char *other = run_once(in, o, mode, NULL);
        if (strcmp(whole, other))
            fprintf(stderr, "split mode %d differs:\n--- whole\n%s--- split\n%s", mode, whole,
                    other);
        assert_string_equal(whole, other);
        free(other);
    }
    snprintf(mkv_test_last_log, sizeof mkv_test_last_log, "%s", whole);
    free(whole);
    return mkv_test_last_log;
}

/* Asserts that `log` contains `needle` (prints the log when it does not). */
#define assert_has(log, needle)                                                       \
    do {                                                                              \
        if (!strstr((log), (needle)))                                                 \
            fprintf(stderr, "missing: %s\n--- log:\n%s", (needle), (log));              \
        assert_non_null(strstr((log), (needle)));                                     \
    } while (0)

#endif

/*
 * Streaming Matroska reader (see mkv_reader.h for the contract).
 *
 * The parser walks element headers. Masters it understands are entered and
 * kept on a small stack; leaves it needs (integers, strings, CodecPrivate,
 * blocks) are read into one capped body buffer, or used in place when the
 * whole body is already in the pushed span; everything else is skipped by
 * size without being stored. Nothing ever holds a whole Cluster or stream.
 *
 * Unknown-size masters (Segment and Cluster only, as the Matroska schema
 * allows) end, per RFC 8794 §6.2, at the first element that belongs to one
 * of their ancestors (e.g. the next Cluster, Tags after a Cluster) or at a
 * root element (the next EBML header), or where a known-size ancestor ends.
 */
#include "kvs/mkv_reader.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/error.h"
#include "kvs/ebml.h"

#define DEFAULT_MAX_TAGS 1024
#define DEFAULT_MAX_TAG_BYTES ((size_t)256 << 10)
#define DEFAULT_TIMECODE_SCALE 1000000u /* Matroska Info/TimestampScale default */
#define UNKNOWN_END UINT64_MAX
#define NO_TEXT SIZE_MAX

enum state {
    S_HEADER,      /* reading an element header */
    S_SKIP,        /* skipping `left` data bytes */
    S_READ,        /* gathering a leaf body (or a wanted block) into body */
    S_BLOCK_TRACK, /* gathering a block's track number VINT */
};

enum kind { K_MASTER, K_SKIP, K_UINT, K_FLOAT, K_STRING, K_BINARY, K_BLOCK };

/* Not an element ID (1-byte IDs have their top bit set): names the whole
 * fragment in messages about fragment-level callbacks. */
#define ID_FRAGMENT 1u

#define P_ROOT 0u           /* parent of EBML and Segment */
#define P_NONE 0xFFFFFFFFu  /* no second parent */
#define P_ANY 0xFFFFFFFEu   /* global element (Void, CRC-32) */

/*
 * The elements the reader knows: symbol, ID, name (as in the Matroska
 * specification), kind, parent, second parent. Every Segment child
 * is listed so that unknown-size ends are found; children of
 * masters that are skipped whole need not be.
 */
#define MKV_ELEMENTS(X)                                                                   \
    X(EBML, 0x1A45DFA3, "EBML", K_MASTER, P_ROOT, P_NONE)                                 \
    X(EBMLVersion, 0x4286, "EBMLVersion", K_SKIP, ID_EBML, P_NONE)                        \
    X(EBMLReadVersion, 0x42F7, "EBMLReadVersion", K_SKIP, ID_EBML, P_NONE)                \
    X(EBMLMaxIDLength, 0x42F2, "EBMLMaxIDLength", K_SKIP, ID_EBML, P_NONE)                \
    X(EBMLMaxSizeLength, 0x42F3, "EBMLMaxSizeLength", K_SKIP, ID_EBML, P_NONE)            \
    X(DocType, 0x4282, "DocType", K_SKIP, ID_EBML, P_NONE)                                \
    X(DocTypeVersion, 0x4287, "DocTypeVersion", K_SKIP, ID_EBML, P_NONE)                  \
    X(DocTypeReadVersion, 0x4285, "DocTypeReadVersion", K_SKIP, ID_EBML, P_NONE)          \
    X(Void, 0xEC, "Void", K_SKIP, P_ANY, P_NONE)                                          \
    X(CRC32, 0xBF, "CRC-32", K_SKIP, P_ANY, P_NONE)                                       \
    X(Segment, 0x18538067, "Segment", K_MASTER, P_ROOT, P_NONE)                           \
    X(SeekHead, 0x114D9B74, "SeekHead", K_SKIP, ID_Segment, P_NONE)                       \
    X(Info, 0x1549A966, "Info", K_MASTER, ID_Segment, P_NONE)                             \
    X(Tracks, 0x1654AE6B, "Tracks", K_MASTER, ID_Segment, P_NONE)                         \
    X(Cluster, 0x1F43B675, "Cluster", K_MASTER, ID_Segment, P_NONE)                       \
    X(Cues, 0x1C53BB6B, "Cues", K_SKIP, ID_Segment, P_NONE)                               \
    X(Chapters, 0x1043A770, "Chapters", K_SKIP, ID_Segment, P_NONE)                       \
    X(Attachments, 0x1941A469, "Attachments", K_SKIP, ID_Segment, P_NONE)                 \
    X(Tags, 0x1254C367, "Tags", K_MASTER, ID_Segment, P_NONE)                             \
    X(TimecodeScale, 0x2AD7B1, "TimecodeScale", K_UINT, ID_Info, P_NONE)                  \
    X(Duration, 0x4489, "Duration", K_SKIP, ID_Info, P_NONE)                              \
    X(Title, 0x7BA9, "Title", K_SKIP, ID_Info, P_NONE)                                    \
    X(MuxingApp, 0x4D80, "MuxingApp", K_SKIP, ID_Info, P_NONE)                            \
    X(WritingApp, 0x5741, "WritingApp", K_SKIP, ID_Info, P_NONE)                          \
    X(DateUTC, 0x4461, "DateUTC", K_SKIP, ID_Info, P_NONE)                                \
    X(SegmentUID, 0x73A4, "SegmentUID", K_SKIP, ID_Info, P_NONE)                          \
    X(TrackEntry, 0xAE, "TrackEntry", K_MASTER, ID_Tracks, P_NONE)                        \
    X(TrackNumber, 0xD7, "TrackNumber", K_UINT, ID_TrackEntry, P_NONE)                    \
    X(TrackUID, 0x73C5, "TrackUID", K_SKIP, ID_TrackEntry, P_NONE)                        \
    X(TrackType, 0x83, "TrackType", K_UINT, ID_TrackEntry, P_NONE)                        \
    X(Name, 0x536E, "Name", K_STRING, ID_TrackEntry, P_NONE)                              \
    X(CodecID, 0x86, "CodecID", K_STRING, ID_TrackEntry, P_NONE)                          \
    X(CodecPrivate, 0x63A2, "CodecPrivate", K_BINARY, ID_TrackEntry, P_NONE)              \
    X(CodecName, 0x258688, "CodecName", K_SKIP, ID_TrackEntry, P_NONE)                    \
    X(Language, 0x22B59C, "Language", K_SKIP, ID_TrackEntry, P_NONE)                      \
    X(DefaultDuration, 0x23E383, "DefaultDuration", K_SKIP, ID_TrackEntry, P_NONE)        \
    X(Video, 0xE0, "Video", K_SKIP, ID_TrackEntry, P_NONE)                                \
    X(Audio, 0xE1, "Audio", K_MASTER, ID_TrackEntry, P_NONE)                              \
    X(SamplingFrequency, 0xB5, "SamplingFrequency", K_FLOAT, ID_Audio, P_NONE)            \
    X(Channels, 0x9F, "Channels", K_UINT, ID_Audio, P_NONE)                               \
    X(BitDepth, 0x6264, "BitDepth", K_UINT, ID_Audio, P_NONE)                             \
    X(Timecode, 0xE7, "Timecode", K_UINT, ID_Cluster, P_NONE)                             \
    X(Position, 0xA7, "Position", K_SKIP, ID_Cluster, P_NONE)                             \
    X(PrevSize, 0xAB, "PrevSize", K_SKIP, ID_Cluster, P_NONE)                             \
    X(SimpleBlock, 0xA3, "SimpleBlock", K_BLOCK, ID_Cluster, P_NONE)                      \
    X(BlockGroup, 0xA0, "BlockGroup", K_MASTER, ID_Cluster, P_NONE)                       \
    X(Block, 0xA1, "Block", K_BLOCK, ID_BlockGroup, P_NONE)                               \
    X(BlockDuration, 0x9B, "BlockDuration", K_SKIP, ID_BlockGroup, P_NONE)                \
    X(ReferenceBlock, 0xFB, "ReferenceBlock", K_SKIP, ID_BlockGroup, P_NONE)              \
    X(Tag, 0x7373, "Tag", K_MASTER, ID_Tags, P_NONE)                                      \
    X(Targets, 0x63C0, "Targets", K_SKIP, ID_Tag, P_NONE)                                 \
    X(SimpleTag, 0x67C8, "SimpleTag", K_MASTER, ID_Tag, ID_SimpleTag)                     \
    X(TagName, 0x45A3, "TagName", K_STRING, ID_SimpleTag, P_NONE)                         \
    X(TagString, 0x4487, "TagString", K_STRING, ID_SimpleTag, P_NONE)                     \
    X(TagLanguage, 0x447A, "TagLanguage", K_SKIP, ID_SimpleTag, P_NONE)                   \
    X(TagDefault, 0x4484, "TagDefault", K_SKIP, ID_SimpleTag, P_NONE)                     \
    X(TagBinary, 0x4485, "TagBinary", K_SKIP, ID_SimpleTag, P_NONE)

#define X_ID(sym, id, name, kind, p1, p2) ID_##sym = id,
enum element_id { MKV_ELEMENTS(X_ID) };
#undef X_ID

struct element {
    uint32_t id;
    const char *name;
    uint8_t kind;
    uint32_t parent;
    uint32_t parent2;
};

#define X_DESC(sym, id, name, kind, p1, p2) \
    static const struct element E_##sym = { id, name, kind, p1, p2 };
MKV_ELEMENTS(X_DESC)
#undef X_DESC

static const struct element *lookup(uint32_t id)
{
#define X_CASE(sym, id, name, kind, p1, p2) \
    case id: return &E_##sym;
    switch (id) {
        MKV_ELEMENTS(X_CASE)
    default: return NULL;
    }
#undef X_CASE
}

static int is_child_of(const struct element *e, uint32_t parent)
{
    return e->parent == P_ANY || e->parent == parent || e->parent2 == parent;
}

/* Whether e is a root element or a child of an open element below the
 * innermost one. */
static int belongs_above_top(const struct mkv_reader *r, const struct element *e)
{
    if (e->parent == P_ROOT)
        return 1;
    for (unsigned i = r->depth - 1; i-- > 0;)
        if (is_child_of(e, r->stack[i].id))
            return 1;
    return 0;
}

/* "SimpleBlock" or "element 0x5A5A" (buf holds at least 20 bytes). */
static const char *element_name(uint32_t id, char *buf, size_t size)
{
    const struct element *e = lookup(id);
    if (e)
        return e->name;
    if (id == ID_FRAGMENT)
        return "fragment";
    snprintf(buf, size, "element 0x%X", (unsigned)id);
    return buf;
}

/* Sets the sticky error with "<element> at offset N: <why>". */
__attribute__((format(printf, 5, 6))) static int fail(struct mkv_reader *r, int code, uint32_t id,
                                                      uint64_t at, const char *fmt, ...)
{
    char nbuf[24];
    const char *name = id ? element_name(id, nbuf, sizeof nbuf) : "element header";
    int n = snprintf(r->err_msg, sizeof r->err_msg, "%s at offset %llu: ", name,
                     (unsigned long long)at);
    if (n > 0 && (size_t)n < sizeof r->err_msg) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(r->err_msg + n, sizeof r->err_msg - (size_t)n, fmt, ap);
        va_end(ap);
    }
    r->err = code;
    return code;
}

/* Folds a callback's return into the reader's status. */
static int callback_result(struct mkv_reader *r, int rc, const char *what, uint32_t id, uint64_t at)
{
    if (rc == 0)
        return 0;
    if (rc > 0) {
        r->err = MKV_STOP;
        return MKV_STOP;
    }
    return fail(r, rc, id, at, "%s callback failed (%d)", what, rc);
}

/* ---- fragment tags ---------------------------------------------------- */

static const char *tag_text(const struct mkv_reader *r, size_t off)
{
    return off == NO_TEXT ? "" : r->tag_text.data + off;
}

/* Copies a string body (up to its first NUL: RFC 8794 §7.4 allows NUL
 * padding) into the fragment's tag storage; *off receives its offset. */
static int store_tag_text(struct mkv_reader *r, const uint8_t *s, size_t n, size_t *off)
{
    size_t len = n ? strnlen((const char *)s, n) : 0;
    size_t at = r->tag_text.len;
    int rc = rec_buf_append(&r->tag_text, s, len);
    if (!rc)
        rc = rec_buf_append(&r->tag_text, "", 1);
    if (rc == REC_ERR_LIMIT)
        return fail(r, rc, r->cur_id, r->cur_start,
                    "the fragment's tags exceed the %zu-byte tag storage cap", r->max_tag_bytes);
    if (rc)
        return fail(r, rc, r->cur_id, r->cur_start, "out of memory storing a tag");
    *off = at;
    return 0;
}

static int fragment_info(struct mkv_reader *r, struct mkv_fragment_info *f)
{
    if (r->n_tags > r->tag_view_cap) {
        size_t cap = r->n_tags;
        struct mkv_tag *v = realloc(r->tag_view, cap * sizeof *v);
        if (!v)
            return fail(r, REC_ERR_NOMEM, ID_FRAGMENT, r->fragment_start, "out of memory");
        r->tag_view = v;
        r->tag_view_cap = cap;
    }
    for (size_t i = 0; i < r->n_tags; i++) {
        r->tag_view[i].name = tag_text(r, r->tags[i].name);
        r->tag_view[i].value = tag_text(r, r->tags[i].value);
    }
    f->index = r->fragment_index;
    f->start_offset = r->fragment_start;
    f->timecode_scale = r->timecode_scale;
    f->tags = r->n_tags ? r->tag_view : NULL;
    f->n_tags = r->n_tags;
    return 0;
}

static int start_fragment_callback(struct mkv_reader *r)
{
    r->fragment_started = 1;
    if (!r->cb.on_fragment_start)
        return 0;
    struct mkv_fragment_info f;
    int rc = fragment_info(r, &f);
    if (rc)
        return rc;
    return callback_result(r, r->cb.on_fragment_start(r->cb.user, &f), "on_fragment_start",
                           ID_FRAGMENT, r->fragment_start);
}

static int report_kvs_error(struct mkv_reader *r, uint32_t id_at, uint64_t at)
{
    size_t code = r->kvs_error_code, id = r->kvs_error_id;
    r->kvs_error_code = r->kvs_error_id = NO_TEXT;
    if (code == NO_TEXT || !r->cb.on_kvs_error)
        return 0;
    return callback_result(r,
                           r->cb.on_kvs_error(r->cb.user, tag_text(r, code),
                                              id == NO_TEXT ? NULL : tag_text(r, id)),
                           "on_kvs_error", id_at, at);
}

static int end_fragment(struct mkv_reader *r)
{
    if (!r->in_fragment)
        return 0;
    r->in_fragment = 0;
    int rc = report_kvs_error(r, ID_FRAGMENT, r->fragment_start);
    if (!rc && !r->fragment_started)
        rc = start_fragment_callback(r);
    if (rc || !r->cb.on_fragment_end)
        return rc;
    struct mkv_fragment_info f;
    rc = fragment_info(r, &f);
    if (rc)
        return rc;
    return callback_result(r, r->cb.on_fragment_end(r->cb.user, &f), "on_fragment_end",
                           ID_FRAGMENT, r->fragment_start);
}

static int begin_fragment(struct mkv_reader *r, uint64_t at)
{
    int rc = end_fragment(r);
    if (rc)
        return rc;
    r->in_fragment = 1;
    r->fragment_started = 0;
    r->segment_seen = 0;
    r->fragment_index = r->next_fragment_index++;
    r->fragment_start = at;
    r->timecode_scale = DEFAULT_TIMECODE_SCALE;
    r->cluster_timecode = 0;
    rec_buf_reset(&r->tag_text);
    r->n_tags = 0;
    r->simple_tag_depth = 0;
    r->kvs_error_code = r->kvs_error_id = NO_TEXT;
    return 0;
}

static int finish_simple_tag(struct mkv_reader *r, uint64_t at)
{
    struct mkv_tag_ref t = r->simple_tag[--r->simple_tag_depth];
    if (r->n_tags >= r->max_tags)
        return fail(r, REC_ERR_LIMIT, ID_SimpleTag, at,
                    "more than %zu tags in one fragment (tag storage cap)", r->max_tags);
    if (r->n_tags == r->tags_cap) {
        size_t cap = r->tags_cap ? r->tags_cap * 2 : 16;
        if (cap > r->max_tags)
            cap = r->max_tags;
        struct mkv_tag_ref *p = realloc(r->tags, cap * sizeof *p);
        if (!p)
            return fail(r, REC_ERR_NOMEM, ID_SimpleTag, at, "out of memory");
        r->tags = p;
        r->tags_cap = cap;
    }
    r->tags[r->n_tags++] = t;
    const char *name = tag_text(r, t.name);
    if (!strcmp(name, "AWS_KINESISVIDEO_ERROR_CODE"))
        r->kvs_error_code = t.value;
    else if (!strcmp(name, "AWS_KINESISVIDEO_ERROR_ID"))
        r->kvs_error_id = t.value;
    if (r->cb.on_tag) {
        struct mkv_tag tag = { name, tag_text(r, t.value) };
        int rc = callback_result(r, r->cb.on_tag(r->cb.user, &tag), "on_tag", ID_SimpleTag, at);
        if (rc)
            return rc;
    }
    /* KVS sends code and id as separate SimpleTags, possibly in separate
     * Tags elements: report once both are known, or at the fragment's end. */
    if (r->kvs_error_code != NO_TEXT && r->kvs_error_id != NO_TEXT)
        return report_kvs_error(r, ID_SimpleTag, at);
    return 0;
}

/* ---- tracks ------------------------------------------------------------ */

static void begin_track(struct mkv_reader *r)
{
    r->trk_number = r->trk_type = r->trk_channels = r->trk_bit_depth = 0;
    r->trk_rate = 0;
    r->trk_has_private = 0;
    rec_buf_reset(&r->trk_name);
    rec_buf_reset(&r->trk_codec);
    rec_buf_reset(&r->trk_private);
}

static int finish_track(struct mkv_reader *r, uint64_t at)
{
    if (!r->cb.on_track)
        return 0;
    struct mkv_track_info t = {
        .number = r->trk_number,
        .type = r->trk_type,
        .name = r->trk_name.data ? r->trk_name.data : "",
        .codec_id = r->trk_codec.data ? r->trk_codec.data : "",
        .codec_private = r->trk_has_private
                             ? (r->trk_private.data ? (const uint8_t *)r->trk_private.data
                                                    : (const uint8_t *)"")
                             : NULL,
        .codec_private_len = r->trk_private.len,
        .sampling_frequency = r->trk_rate,
        .channels = r->trk_channels,
        .bit_depth = r->trk_bit_depth,
    };
    return callback_result(r, r->cb.on_track(r->cb.user, &t), "on_track", ID_TrackEntry, at);
}

static int set_string(struct mkv_reader *r, struct rec_buf *b, const uint8_t *s, size_t n)
{
    rec_buf_reset(b);
    int rc = rec_buf_append(b, s, n ? strnlen((const char *)s, n) : 0);
    if (rc)
        return fail(r, rc, r->cur_id, r->cur_start, "cannot store %zu bytes", n);
    return 0;
}

/* ---- blocks -------------------------------------------------------------- */

/* Xiph lacing (RFC 9559 §10.3.2): each of the first count-1 frame sizes is
 * a run of 255s plus a last byte. Adds them to *total. */
static int xiph_lace_sizes(struct mkv_reader *r, const uint8_t *d, size_t n, size_t *pos,
                           unsigned count, size_t *sizes, size_t *total)
{
    for (unsigned i = 0; i + 1 < count; i++) {
        size_t s = 0;
        uint8_t b;
        do {
            if (*pos >= n)
                return fail(r, REC_ERR_INVALID, r->cur_id, r->cur_start,
                            "Xiph lace sizes run past the block");
            b = d[(*pos)++];
            s += b;
        } while (b == 255);
        sizes[i] = s;
        *total += s;
        if (*total > n - *pos)
            return fail(r, REC_ERR_INVALID, r->cur_id, r->cur_start, "lace sizes exceed block size");
    }
    return 0;
}

/* EBML lacing (RFC 9559 §10.3.4): the first size a VINT, the next ones
 * signed VINT differences from the previous. Adds them to *total. */
static int ebml_lace_sizes(struct mkv_reader *r, const uint8_t *d, size_t n, size_t *pos,
                           unsigned count, size_t *sizes, size_t *total)
{
    int64_t prev = 0;
    for (unsigned i = 0; i + 1 < count; i++) {
        unsigned w = *pos < n ? ebml_vint_width(d[*pos]) : 0;
        if (!w || w > n - *pos)
            return fail(r, REC_ERR_INVALID, r->cur_id, r->cur_start,
                        "EBML lace size %u is not a valid VINT", i);
        int ones;
        uint64_t v = ebml_vint_value(d + *pos, w, &ones);
        *pos += w;
        int64_t s = i == 0 ? (int64_t)v : prev + ebml_vint_signed(v, w);
        if ((i == 0 && ones) || s < 0 || (uint64_t)s > n)
            return fail(r, REC_ERR_INVALID, r->cur_id, r->cur_start, "EBML lace size %u is invalid", i);
        prev = s;
        sizes[i] = (size_t)s;
        *total += (size_t)s;
        if (*total > n - *pos)
            return fail(r, REC_ERR_INVALID, r->cur_id, r->cur_start, "lace sizes exceed block size");
    }
    return 0;
}

/* The frames' sizes of a block whose payload starts at *pos (after the
 * flags byte): lacing 0 none, 1 Xiph, 2 fixed, 3 EBML (RFC 9559 §10.3).
 * Leaves *pos at the first frame. */
static int lace_sizes(struct mkv_reader *r, const uint8_t *d, size_t n, size_t *pos, unsigned lacing,
                      unsigned *count, size_t *sizes)
{
    *count = 1;
    if (!lacing) {
        sizes[0] = n - *pos;
        return 0;
    }
    if (*pos >= n)
        return fail(r, REC_ERR_INVALID, r->cur_id, r->cur_start, "laced block without a lace count");
    *count = (unsigned)d[(*pos)++] + 1;
    size_t rest = n - *pos;
    size_t total = 0; /* of the first count-1 sizes, always <= rest */
    int rc = 0;
    if (lacing == 2) {
        if (rest % *count)
            return fail(r, REC_ERR_INVALID, r->cur_id, r->cur_start,
                        "fixed-size lacing: %zu bytes do not split into %u frames", rest, *count);
        for (unsigned i = 0; i < *count; i++)
            sizes[i] = rest / *count;
        return 0;
    }
    rc = lacing == 1 ? xiph_lace_sizes(r, d, n, pos, *count, sizes, &total)
                     : ebml_lace_sizes(r, d, n, pos, *count, sizes, &total);
    if (!rc)
        sizes[*count - 1] = n - *pos - total;
    return rc;
}

/* Delivers the frames of one SimpleBlock or Block body (Matroska RFC 9559
 * §10 "Block Structure", §10.3 "Block Lacing"); track and its VINT width
 * were read by the caller. */
static int deliver_block(struct mkv_reader *r, const uint8_t *d, size_t n, uint64_t track,
                         unsigned track_len)
{
    uint32_t id = r->cur_id;
    uint64_t at = r->cur_start;
    size_t pos = track_len;
    if (n - pos < 3)
        return fail(r, REC_ERR_INVALID, id, at, "block header cut short (%zu bytes)", n);
    int16_t rel = (int16_t)(uint16_t)((unsigned)d[pos] << 8 | d[pos + 1]);
    uint8_t flags = d[pos + 2];
    pos += 3;

    /* Connect's Cluster Timecode is epoch milliseconds: 64-bit, checked. */
    int64_t ticks, time_ns, cluster_ns;
    if (r->cluster_timecode > INT64_MAX || r->timecode_scale > INT64_MAX ||
        __builtin_add_overflow((int64_t)r->cluster_timecode, (int64_t)rel, &ticks) ||
        __builtin_mul_overflow(ticks, (int64_t)r->timecode_scale, &time_ns) ||
        __builtin_mul_overflow((int64_t)r->cluster_timecode, (int64_t)r->timecode_scale, &cluster_ns))
        return fail(r, REC_ERR_INVALID, id, at, "time overflows 64-bit nanoseconds");

    size_t sizes[256];
    unsigned count;
    int rc = lace_sizes(r, d, n, &pos, (flags >> 1) & 3, &count, sizes);
    if (rc)
        return rc;
    if (!r->cb.on_frame)
        return 0;
    struct mkv_frame fr = {
        .track = track,
        .time_ns = time_ns,
        .cluster_time_ns = cluster_ns,
        .keyframe = id == ID_SimpleBlock && (flags & 0x80),
        .lace_count = count,
    };
    for (unsigned i = 0; i < count; i++) {
        fr.data = d + pos;
        fr.len = sizes[i];
        fr.lace_index = i;
        pos += sizes[i];
        rc = r->cb.on_frame(r->cb.user, &fr);
        if (rc)
            return callback_result(r, rc, "on_frame", id, at);
    }
    return 0;
}

static int wanted(struct mkv_reader *r, uint64_t track)
{
    return !r->cb.want_track || r->cb.want_track(r->cb.user, track);
}

/* ---- element structure ----------------------------------------------------- */

static int close_top(struct mkv_reader *r)
{
    struct mkv_open_element e = r->stack[--r->depth];
    switch (e.id) {
    case ID_Segment: return end_fragment(r);
    case ID_TrackEntry: return finish_track(r, e.start);
    case ID_SimpleTag: return finish_simple_tag(r, e.start);
    default: return 0;
    }
}

/* Closes every open master whose end (or a known-size ancestor's end) is
 * the current offset. */
static int close_finished(struct mkv_reader *r)
{
    while (r->depth && r->stack[r->depth - 1].bound == r->offset) {
        int rc = close_top(r);
        if (rc)
            return rc;
    }
    return 0;
}

static int element_done(struct mkv_reader *r)
{
    r->state = S_HEADER;
    r->hdr_len = 0;
    return close_finished(r);
}

static int open_master(struct mkv_reader *r, const struct ebml_header *h, uint64_t at)
{
    if (r->depth >= MKV_MAX_DEPTH)
        return fail(r, REC_ERR_INVALID, h->id, at, "nesting deeper than %d elements",
                    MKV_MAX_DEPTH);
    int rc = 0;
    switch (h->id) {
    case ID_EBML: rc = begin_fragment(r, at); break;
    case ID_Segment:
        if (!r->in_fragment || r->segment_seen)
            rc = begin_fragment(r, at); /* a Segment without its own EBML header */
        r->segment_seen = 1;
        break;
    case ID_Cluster:
        r->cluster_timecode = 0;
        if (!r->fragment_started)
            rc = start_fragment_callback(r);
        break;
    case ID_TrackEntry: begin_track(r); break;
    case ID_SimpleTag:
        r->simple_tag[r->simple_tag_depth++] = (struct mkv_tag_ref){ NO_TEXT, NO_TEXT };
        break;
    default: break;
    }
    if (rc)
        return rc;
    uint64_t parent_bound = r->depth ? r->stack[r->depth - 1].bound : UNKNOWN_END;
    uint64_t end = h->unknown_size ? UNKNOWN_END : r->offset + h->size;
    r->stack[r->depth++] = (struct mkv_open_element){
        .id = h->id,
        .start = at,
        .end = end,
        .bound = end < parent_bound ? end : parent_bound,
    };
    r->state = S_HEADER;
    r->hdr_len = 0;
    return close_finished(r); /* a master of size 0 closes at once */
}

static int leaf_done(struct mkv_reader *r, const uint8_t *d, size_t n)
{
    uint64_t at = r->cur_start;
    switch (r->cur_id) {
    case ID_TimecodeScale: {
        uint64_t v = ebml_read_uint(d, n);
        if (!v)
            return fail(r, REC_ERR_INVALID, r->cur_id, at, "TimecodeScale is 0");
        r->timecode_scale = v;
        break;
    }
    case ID_Timecode: r->cluster_timecode = ebml_read_uint(d, n); break;
    case ID_TrackNumber: r->trk_number = ebml_read_uint(d, n); break;
    case ID_TrackType: r->trk_type = ebml_read_uint(d, n); break;
    case ID_Channels: r->trk_channels = ebml_read_uint(d, n); break;
    case ID_BitDepth: r->trk_bit_depth = ebml_read_uint(d, n); break;
    case ID_SamplingFrequency: ebml_read_float(d, n, &r->trk_rate); break;
    case ID_Name: return set_string(r, &r->trk_name, d, n);
    case ID_CodecID: return set_string(r, &r->trk_codec, d, n);
    case ID_CodecPrivate: {
        rec_buf_reset(&r->trk_private);
        r->trk_has_private = 1;
        int rc = rec_buf_append(&r->trk_private, d, n);
        if (rc)
            return fail(r, rc, r->cur_id, at, "cannot store %zu bytes", n);
        break;
    }
    case ID_TagName:
        return store_tag_text(r, d, n, &r->simple_tag[r->simple_tag_depth - 1].name);
    case ID_TagString:
        return store_tag_text(r, d, n, &r->simple_tag[r->simple_tag_depth - 1].value);
    default: break;
    }
    return 0;
}

/* Validates a leaf's size before any of its body is read, so the outcome
 * never depends on how the input was split. */
static int check_leaf_size(struct mkv_reader *r, const struct element *e, uint64_t size,
                           uint64_t at)
{
    if (e->kind == K_UINT && size > 8)
        return fail(r, REC_ERR_INVALID, e->id, at, "unsigned integer of %llu bytes (max 8)",
                    (unsigned long long)size);
    if (e->kind == K_FLOAT && size != 0 && size != 4 && size != 8)
        return fail(r, REC_ERR_INVALID, e->id, at, "float of %llu bytes (must be 0, 4 or 8)",
                    (unsigned long long)size);
    if (size > r->max_element_bytes)
        return fail(r, REC_ERR_LIMIT, e->id, at, "%llu bytes exceed the %zu-byte element cap",
                    (unsigned long long)size, r->max_element_bytes);
    return 0;
}

/* A header is complete (r->offset is just past it): decide what the element
 * is and how to read it. */
static int start_element(struct mkv_reader *r, const struct ebml_header *h, uint64_t at)
{
    const struct element *e = lookup(h->id);

    /* RFC 8794 §6.2: an unknown-size master ends at an element that belongs
     * to one of its ancestors (a sibling such as the next Cluster or Tags,
     * or higher) or at a root element (EBML header, Segment). Global
     * elements (Void, CRC-32) never end it; strays are skipped inside it. */
    if (e && e->parent != P_ANY) {
        while (r->depth) {
            const struct mkv_open_element *top = &r->stack[r->depth - 1];
            if (top->end != UNKNOWN_END || is_child_of(e, top->id) || !belongs_above_top(r, e))
                break;
            int rc = close_top(r);
            if (rc)
                return rc;
        }
    }

    uint32_t parent = r->depth ? r->stack[r->depth - 1].id : P_ROOT;
    uint64_t bound = r->depth ? r->stack[r->depth - 1].bound : UNKNOWN_END;
    int kind = K_SKIP;
    if (e && is_child_of(e, parent))
        kind = e->kind;
    /* Unknown IDs and known elements out of place are skipped by size. */

    if (h->unknown_size) {
        /* Only masters we enter can end by context; anything else would have
         * to be skipped by a size it does not have. */
        int allowed = h->id == ID_Segment || h->id == ID_Cluster;
        if (!allowed || kind != K_MASTER) {
            char nbuf[24];
            return fail(r, REC_ERR_INVALID, h->id, at,
                        allowed ? "unknown size out of place (inside %s)"
                                : "unknown size is only allowed for Segment and Cluster%.0s",
                        r->depth ? element_name(parent, nbuf, sizeof nbuf) : "the stream root");
        }
    } else if (r->offset > bound || h->size > bound - r->offset) {
        char nbuf[24];
        return fail(r, REC_ERR_INVALID, h->id, at, "size %llu runs past the end of its parent %s",
                    (unsigned long long)h->size,
                    r->depth ? element_name(r->stack[r->depth - 1].id, nbuf, sizeof nbuf)
                             : "(stream offsets exhausted)");
    }

    r->cur_id = h->id;
    r->cur_start = at;
    r->cur_size = h->size;
    r->left = h->size;
    switch (kind) {
    case K_MASTER: return open_master(r, h, at);
    case K_SKIP:
        r->state = S_SKIP;
        return h->size ? 0 : element_done(r);
    case K_BLOCK:
        if (h->size == 0)
            return fail(r, REC_ERR_INVALID, h->id, at, "empty block");
        r->state = S_BLOCK_TRACK;
        rec_buf_reset(&r->body);
        return 0;
    default: {
        int rc = check_leaf_size(r, e, h->size, at);
        if (rc)
            return rc;
        if (h->size == 0) {
            rc = leaf_done(r, (const uint8_t *)"", 0);
            return rc ? rc : element_done(r);
        }
        r->state = S_READ;
        rec_buf_reset(&r->body);
        return 0;
    }
    }
}

static int header_error(struct mkv_reader *r, int status, const uint8_t *hdr)
{
    uint64_t at = r->hdr_start;
    switch (status) {
    case EBML_BAD_ID_WIDTH:
        return fail(r, REC_ERR_INVALID, 0, at, "element ID starts with 0x%02X (wider than 4 bytes)",
                    hdr[0]);
    case EBML_BAD_ID_VALUE:
        return fail(r, REC_ERR_INVALID, 0, at, "reserved element ID (all bits 0 or 1)");
    default: {
        unsigned w = ebml_id_width(hdr[0]);
        return fail(r, REC_ERR_INVALID, (uint32_t)ebml_read_uint(hdr, w), at,
                    "size VINT wider than 8 bytes");
    }
    }
}

/* Consumes header bytes from *pp; on a complete header starts the element. */
static int step_header(struct mkv_reader *r, const uint8_t **pp, const uint8_t *end)
{
    const uint8_t *p = *pp;
    struct ebml_header h;
    if (r->hdr_len == 0) {
        r->hdr_start = r->offset;
        int n = ebml_parse_header(p, (size_t)(end - p), &h);
        if (n > 0) {
            *pp = p + n;
            r->offset += (unsigned)n;
            return start_element(r, &h, r->hdr_start);
        }
        if (n < 0)
            return header_error(r, n, p);
    }
    /* The header straddles pushes: gather it byte by byte (rare). */
    while (p < end) {
        r->hdr[r->hdr_len++] = *p++;
        r->offset++;
        int n = ebml_parse_header(r->hdr, r->hdr_len, &h);
        if (n < 0) {
            *pp = p;
            return header_error(r, n, r->hdr);
        }
        if (n > 0) {
            *pp = p;
            r->hdr_len = 0;
            return start_element(r, &h, r->hdr_start);
        }
    }
    *pp = p;
    return 0;
}

/* Block body, track number not yet known. Reads the track VINT, asks
 * want_track, then delivers in place, buffers, or skips. */
static int step_block_track(struct mkv_reader *r, const uint8_t **pp, const uint8_t *end)
{
    const uint8_t *p = *pp;
    size_t avail = (size_t)(end - p);
    uint64_t at = r->cur_start;
    if (r->body.len == 0) {
        unsigned w = ebml_vint_width(p[0]);
        if (!w || w > r->cur_size)
            return fail(r, REC_ERR_INVALID, r->cur_id, at, "track number is not a valid VINT");
        if (avail >= r->cur_size) {
            /* Fast path: the whole block is here; no copy. */
            uint64_t track = ebml_vint_value(p, w, NULL);
            size_t n = (size_t)r->cur_size;
            *pp = p + n;
            r->offset += n;
            r->left = 0;
            if (wanted(r, track)) {
                if (n > r->max_element_bytes)
                    return fail(r, REC_ERR_LIMIT, r->cur_id, at,
                                "%zu bytes exceed the %zu-byte element cap", n,
                                r->max_element_bytes);
                int rc = deliver_block(r, p, n, track, w);
                if (rc)
                    return rc;
            }
            return element_done(r);
        }
        r->blk_track_len = w;
    }
    size_t take = r->blk_track_len - r->body.len;
    if (take > avail)
        take = avail;
    int rc = rec_buf_append(&r->body, p, take);
    if (rc)
        return fail(r, rc, r->cur_id, at, "out of memory");
    *pp = p + take;
    r->offset += take;
    r->left -= take;
    if (r->body.len < r->blk_track_len)
        return 0;
    r->blk_track = ebml_vint_value((const uint8_t *)r->body.data, r->blk_track_len, NULL);
    if (!wanted(r, r->blk_track)) {
        r->state = S_SKIP;
        return r->left ? 0 : element_done(r);
    }
    if (r->cur_size > r->max_element_bytes)
        return fail(r, REC_ERR_LIMIT, r->cur_id, at,
                    "%llu bytes exceed the %zu-byte element cap",
                    (unsigned long long)r->cur_size, r->max_element_bytes);
    if (r->left == 0) {
        rc = deliver_block(r, (const uint8_t *)r->body.data, r->body.len, r->blk_track,
                           r->blk_track_len);
        return rc ? rc : element_done(r);
    }
    r->state = S_READ;
    return 0;
}

/* Leaf or wanted block body: use it in place when whole, else gather it. */
static int step_read(struct mkv_reader *r, const uint8_t **pp, const uint8_t *end)
{
    const uint8_t *p = *pp;
    size_t avail = (size_t)(end - p);
    const uint8_t *d;
    size_t n;
    if (r->body.len == 0 && avail >= r->left) {
        d = p;
        n = (size_t)r->left;
    } else {
        size_t take = avail < r->left ? avail : (size_t)r->left;
        int rc = rec_buf_append(&r->body, p, take);
        if (rc)
            return fail(r, rc, r->cur_id, r->cur_start, "out of memory");
        *pp = p + take;
        r->offset += take;
        r->left -= take;
        if (r->left)
            return 0;
        d = (const uint8_t *)r->body.data;
        n = r->body.len;
        p = *pp;
        goto done;
    }
    *pp = p + n;
    r->offset += n;
    r->left = 0;
done:;
    int rc = (r->cur_id == ID_SimpleBlock || r->cur_id == ID_Block)
                 ? deliver_block(r, d, n, r->blk_track, r->blk_track_len)
                 : leaf_done(r, d, n);
    return rc ? rc : element_done(r);
}

/* ---- public interface ----------------------------------------------------- */

int mkv_reader_init(struct mkv_reader *r, const struct mkv_reader_config *cfg,
                    const struct mkv_callbacks *cb)
{
    memset(r, 0, sizeof *r);
    if (cb)
        r->cb = *cb;
    r->max_element_bytes = cfg && cfg->max_element_bytes ? cfg->max_element_bytes
                                                         : MKV_DEFAULT_MAX_ELEMENT_BYTES;
    r->max_tags = cfg && cfg->max_tags ? cfg->max_tags : DEFAULT_MAX_TAGS;
    r->max_tag_bytes = cfg && cfg->max_tag_bytes ? cfg->max_tag_bytes : DEFAULT_MAX_TAG_BYTES;
    r->state = S_HEADER;
    r->timecode_scale = DEFAULT_TIMECODE_SCALE;
    r->kvs_error_code = r->kvs_error_id = NO_TEXT;
    rec_buf_init(&r->body, r->max_element_bytes);
    rec_buf_init(&r->tag_text, r->max_tag_bytes);
    rec_buf_init(&r->trk_name, r->max_element_bytes);
    rec_buf_init(&r->trk_codec, r->max_element_bytes);
    rec_buf_init(&r->trk_private, r->max_element_bytes);
    return 0;
}

int mkv_reader_push(struct mkv_reader *r, const uint8_t *bytes, size_t len)
{
    if (r->err)
        return r->err;
    if (r->finished)
        return REC_ERR_STATE;
    const uint8_t *p = bytes, *end = bytes ? bytes + len : bytes;
    while (p < end) {
        int rc;
        switch (r->state) {
        case S_HEADER: rc = step_header(r, &p, end); break;
        case S_SKIP: {
            size_t avail = (size_t)(end - p);
            size_t n = avail < r->left ? avail : (size_t)r->left;
            p += n;
            r->offset += n;
            r->left -= n;
            rc = r->left ? 0 : element_done(r);
            break;
        }
        case S_BLOCK_TRACK: rc = step_block_track(r, &p, end); break;
        default: rc = step_read(r, &p, end); break;
        }
        if (rc)
            return rc;
    }
    return 0;
}

int mkv_reader_finish(struct mkv_reader *r)
{
    if (r->err)
        return r->err;
    if (r->finished)
        return 0;
    r->finished = 1;
    if (r->state != S_HEADER)
        return fail(r, REC_ERR_TRUNCATED, r->cur_id, r->cur_start,
                    "input ended %llu bytes before the end of its %llu-byte body",
                    (unsigned long long)r->left, (unsigned long long)r->cur_size);
    if (r->hdr_len)
        return fail(r, REC_ERR_TRUNCATED, 0, r->hdr_start, "input ended inside it");
    for (unsigned i = r->depth; i-- > 0;) {
        const struct mkv_open_element *e = &r->stack[i];
        if (e->end != UNKNOWN_END)
            return fail(r, REC_ERR_TRUNCATED, e->id, e->start,
                        "input ended %llu bytes before its end",
                        (unsigned long long)(e->end - r->offset));
        if (e->id == ID_Cluster)
            return fail(r, REC_ERR_TRUNCATED, e->id, e->start, "input ended inside it");
    }
    while (r->depth) {
        int rc = close_top(r);
        if (rc)
            return rc;
    }
    return end_fragment(r);
}

const char *mkv_reader_error(const struct mkv_reader *r)
{
    return r->err < 0 ? r->err_msg : "";
}

uint64_t mkv_reader_offset(const struct mkv_reader *r)
{
    return r->offset;
}

void mkv_reader_clean_up(struct mkv_reader *r)
{
    rec_buf_clean_up(&r->body, 0);
    rec_buf_clean_up(&r->tag_text, 0);
    rec_buf_clean_up(&r->trk_name, 0);
    rec_buf_clean_up(&r->trk_codec, 0);
    rec_buf_clean_up(&r->trk_private, 0);
    free(r->tags);
    free(r->tag_view);
    r->tags = NULL;
    r->tag_view = NULL;
    r->tags_cap = r->tag_view_cap = r->n_tags = 0;
}

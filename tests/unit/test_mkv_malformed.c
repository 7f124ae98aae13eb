/*
 * Unit tests for kvs/mkv_reader on bad input: malformed EBML
 * (REC_ERR_INVALID with a message naming the element and its byte offset),
 * caps (REC_ERR_LIMIT), truncation (REC_ERR_TRUNCATED) and the sticky error.
 * Every input is also run one byte at a time and in random splits.
 */
#include "tests/unit/test_mkv_support.h"

static char want_buf[1024];
static const char *fmt(const char *f, ...) __attribute__((format(printf, 1, 2)));
static const char *fmt(const char *f, ...)
{
    va_list ap;
    va_start(ap, f);
    vsnprintf(want_buf, sizeof want_buf, f, ap);
    va_end(ap);
    return want_buf;
}

/* The final line of a run_all log. */
static const char *result_line(const char *log)
{
    const char *r = strstr(log, "result ");
    assert_non_null(r);
    return r;
}

static void assert_result(struct blob in, const struct run_opts *o, int code, const char *message)
{
    const char *log = run_all(in, o);
    char want[1100]; /* message may be fmt's buffer */
    snprintf(want, sizeof want, "result push=%d finish=%d err='%s'\n",
             code == REC_ERR_TRUNCATED ? 0 : code, code, message);
    if (strcmp(result_line(log), want))
        fprintf(stderr, "log:\n%s", log);
    assert_string_equal(result_line(log), want);
}

static struct blob seg_open(void) /* EBML header + unknown-size Segment header */
{
    return CAT(ebml_header(), el_unknown(ID_Segment, 1, NOTHING));
}

/* ---- element headers ---------------------------------------------------- */

static void id_wider_than_4_bytes(void **state)
{
    (void)state;
    assert_result(B(0x08, 0x81, 0x00), NULL, REC_ERR_INVALID,
                  "element header at offset 0: element ID starts with 0x08 (wider than 4 bytes)");
    struct blob pre = CAT(seg_open(), info(1000000));
    assert_result(CAT(pre, B(0x00, 0x81, 0x00)), NULL, REC_ERR_INVALID,
                  fmt("element header at offset %zu: element ID starts with 0x00 (wider than 4 "
                      "bytes)",
                      pre.n));
}

static void reserved_ids(void **state)
{
    (void)state;
    struct blob pre = seg_open();
    assert_result(CAT(pre, B(0xFF, 0x81, 0x00)), NULL, REC_ERR_INVALID,
                  fmt("element header at offset %zu: reserved element ID (all bits 0 or 1)", pre.n));
    assert_result(CAT(pre, B(0x40, 0x00, 0x81, 0x00)), NULL, REC_ERR_INVALID,
                  fmt("element header at offset %zu: reserved element ID (all bits 0 or 1)", pre.n));
    assert_result(CAT(pre, B(0x1F, 0xFF, 0xFF, 0xFF, 0x81, 0x00)), NULL, REC_ERR_INVALID,
                  fmt("element header at offset %zu: reserved element ID (all bits 0 or 1)", pre.n));
}

static void size_vint_wider_than_8_bytes(void **state)
{
    (void)state;
    struct blob pre = seg_open();
    assert_result(CAT(pre, ebml_id(ID_Cluster), B(0x00, 0xFF, 0xFF)), NULL, REC_ERR_INVALID,
                  fmt("Cluster at offset %zu: size VINT wider than 8 bytes", pre.n));
    assert_result(CAT(pre, B(0x43, 0x21, 0x00)), NULL, REC_ERR_INVALID,
                  fmt("element 0x4321 at offset %zu: size VINT wider than 8 bytes", pre.n));
}

static void element_larger_than_its_parent(void **state)
{
    (void)state;
    struct blob pre = CAT(seg_open(), ebml_id(ID_Info), ebml_size(6, 0));
    struct blob in = CAT(pre, ebml_id(ID_TimecodeScale), ebml_size(100, 0), blob_fill(1, 100));
    assert_result(in, NULL, REC_ERR_INVALID,
                  fmt("TimecodeScale at offset %zu: size 100 runs past the end of its parent Info",
                      pre.n));
    /* the header itself crosses the parent's end (Info of 2 bytes) */
    struct blob pre2 = CAT(seg_open(), ebml_id(ID_Info), ebml_size(2, 0));
    assert_result(CAT(pre2, ebml_id(ID_TimecodeScale), ebml_size(1, 0), B(1)), NULL,
                  REC_ERR_INVALID,
                  fmt("TimecodeScale at offset %zu: size 1 runs past the end of its parent Info",
                      pre2.n));
    /* a huge (but valid VINT) size inside a known-size Segment: no overflow */
    struct blob pre3 = CAT(ebml_header(), ebml_id(ID_Segment), ebml_size(20, 0));
    assert_result(CAT(pre3, ebml_id(ID_Void), B(0x01, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFE)),
                  NULL, REC_ERR_INVALID,
                  fmt("Void at offset %zu: size 72057594037927934 runs past the end of its parent "
                      "Segment",
                      pre3.n));
    /* a child of an unknown-size Cluster is bounded by the known-size Segment */
    struct blob pre4 =
        CAT(ebml_header(), ebml_id(ID_Segment), ebml_size(30, 0), el_unknown(ID_Cluster, 1, NOTHING));
    assert_result(CAT(pre4, ebml_id(ID_SimpleBlock), ebml_size(40, 0), blob_fill(0x81, 40)), NULL,
                  REC_ERR_INVALID,
                  fmt("SimpleBlock at offset %zu: size 40 runs past the end of its parent Cluster",
                      pre4.n));
}

static void unknown_size_where_not_allowed(void **state)
{
    (void)state;
    struct blob pre = seg_open();
    assert_result(CAT(pre, el_unknown(ID_Info, 1, info(1000))), NULL, REC_ERR_INVALID,
                  fmt("Info at offset %zu: unknown size is only allowed for Segment and Cluster",
                      pre.n));
    assert_result(CAT(pre, el_unknown(0x4321, 8, NOTHING)), NULL, REC_ERR_INVALID,
                  fmt("element 0x4321 at offset %zu: unknown size is only allowed for Segment and "
                      "Cluster",
                      pre.n));
    assert_result(CAT(pre, el_unknown(ID_TimecodeScale, 1, NOTHING)), NULL, REC_ERR_INVALID,
                  fmt("TimecodeScale at offset %zu: unknown size is only allowed for Segment and "
                      "Cluster",
                      pre.n));
    struct blob pre2 = CAT(pre, ebml_id(ID_Tags), ebml_size(20, 0));
    assert_result(CAT(pre2, el_unknown(ID_Cluster, 1, B(0xEC, 0x80))), NULL, REC_ERR_INVALID,
                  fmt("Cluster at offset %zu: unknown size out of place (inside Tags)", pre2.n));
}

static void nesting_deeper_than_the_cap(void **state)
{
    (void)state;
    /* fixed 8-byte sizes so offsets are easy: SimpleTag headers are 10 bytes */
    struct blob inner = el_w(ID_TagName, 8, blob_str("x"));
    for (int i = 0; i < 30; i++)
        inner = el_w(ID_SimpleTag, 8, inner);
    struct blob pre = CAT(ebml_header(), el_unknown(ID_Segment, 1, NOTHING));
    struct blob in = CAT(pre, el_w(ID_Tags, 8, el_w(ID_Tag, 8, inner)));
    /* Segment, Tags, Tag and 12 SimpleTags are open: the 13th is refused */
    assert_result(in, NULL, REC_ERR_INVALID,
                  fmt("SimpleTag at offset %zu: nesting deeper than 16 elements",
                      pre.n + 12 + 10 + 13 * 10));
}

/* ---- element bodies ------------------------------------------------------ */

static void bad_integer_and_float_sizes(void **state)
{
    (void)state;
    struct blob pre = CAT(seg_open(), ebml_id(ID_Info), ebml_size(13, 0));
    assert_result(CAT(pre, el(ID_TimecodeScale, blob_fill(1, 9))), NULL, REC_ERR_INVALID,
                  fmt("TimecodeScale at offset %zu: unsigned integer of 9 bytes (max 8)", pre.n));
    struct blob pre2 = CAT(seg_open(), ebml_id(ID_Tracks), ebml_size(9, 0), ebml_id(ID_TrackEntry),
                           ebml_size(7, 0), ebml_id(ID_Audio), ebml_size(5, 0));
    assert_result(CAT(pre2, el(ID_SamplingFrequency, B(1, 2, 3))), NULL, REC_ERR_INVALID,
                  fmt("SamplingFrequency at offset %zu: float of 3 bytes (must be 0, 4 or 8)",
                      pre2.n));
    struct blob pre3 = CAT(seg_open(), ebml_id(ID_Info), ebml_size(5, 0));
    assert_result(CAT(pre3, el_uint(ID_TimecodeScale, 0)), NULL, REC_ERR_INVALID,
                  fmt("TimecodeScale at offset %zu: TimecodeScale is 0", pre3.n));
}

static void bad_blocks(void **state)
{
    (void)state;
    struct blob pre = CAT(seg_open(), el_unknown(ID_Cluster, 1, timecode(0)));
    assert_result(CAT(pre, el(ID_SimpleBlock, B(0x81, 0x00))), NULL, REC_ERR_INVALID,
                  fmt("SimpleBlock at offset %zu: block header cut short (2 bytes)", pre.n));
    assert_result(CAT(pre, el(ID_SimpleBlock, NOTHING)), NULL, REC_ERR_INVALID,
                  fmt("SimpleBlock at offset %zu: empty block", pre.n));
    assert_result(CAT(pre, el(ID_SimpleBlock, B(0x00, 0x81, 0, 0, 0, 0, 0, 0, 0, 0))), NULL,
                  REC_ERR_INVALID,
                  fmt("SimpleBlock at offset %zu: track number is not a valid VINT", pre.n));
    assert_result(CAT(pre, el(ID_SimpleBlock, B(0x20, 0x01))), NULL, REC_ERR_INVALID,
                  fmt("SimpleBlock at offset %zu: track number is not a valid VINT", pre.n));
    struct blob group = CAT(pre, ebml_id(ID_BlockGroup), ebml_size(4, 0));
    assert_result(CAT(group, el(ID_Block, B(0x81, 0x00))), NULL, REC_ERR_INVALID,
                  fmt("Block at offset %zu: block header cut short (2 bytes)", group.n));
}

static void bad_lacing(void **state)
{
    (void)state;
    struct blob pre = CAT(seg_open(), el_unknown(ID_Cluster, 1, timecode(0)));
    const char *at = fmt("SimpleBlock at offset %zu: ", pre.n);
    char prefix[64];
    snprintf(prefix, sizeof prefix, "%s", at);
    assert_result(CAT(pre, el(ID_SimpleBlock, B(0x81, 0, 0, 0x02))), NULL, REC_ERR_INVALID,
                  fmt("%slaced block without a lace count", prefix));
    assert_result(CAT(pre, el(ID_SimpleBlock, B(0x81, 0, 0, 0x04, 0x02, 1, 2, 3, 4, 5, 6, 7))),
                  NULL, REC_ERR_INVALID,
                  fmt("%sfixed-size lacing: 7 bytes do not split into 3 frames", prefix));
    assert_result(CAT(pre, el(ID_SimpleBlock, B(0x81, 0, 0, 0x02, 0x01, 0xFF, 0xFF, 0x10, 1, 2))),
                  NULL, REC_ERR_INVALID, fmt("%slace sizes exceed block size", prefix));
    assert_result(CAT(pre, el(ID_SimpleBlock, B(0x81, 0, 0, 0x02, 0x02, 0xFF, 0xFF))), NULL,
                  REC_ERR_INVALID, fmt("%sXiph lace sizes run past the block", prefix));
    assert_result(CAT(pre, el(ID_SimpleBlock, B(0x81, 0, 0, 0x06, 0x01, 0x00, 1, 2))), NULL,
                  REC_ERR_INVALID, fmt("%sEBML lace size 0 is not a valid VINT", prefix));
    /* second size 2 - 5 < 0 */
    assert_result(CAT(pre, el(ID_SimpleBlock, B(0x81, 0, 0, 0x06, 0x02, 0x82, 0xBA, 1, 2, 3))),
                  NULL, REC_ERR_INVALID, fmt("%sEBML lace size 1 is invalid", prefix));
    /* the first EBML lace size may not be the reserved all-ones value */
    assert_result(CAT(pre, el(ID_SimpleBlock, B(0x81, 0, 0, 0x06, 0x01, 0xFF, 1, 2))), NULL,
                  REC_ERR_INVALID, fmt("%sEBML lace size 0 is invalid", prefix));
    assert_result(CAT(pre, el(ID_SimpleBlock, B(0x81, 0, 0, 0x06, 0x01, 0x85, 1, 2))), NULL,
                  REC_ERR_INVALID, fmt("%slace sizes exceed block size", prefix));
}

static void time_overflow(void **state)
{
    (void)state;
    struct blob pre = CAT(seg_open(), el_unknown(ID_Cluster, 1, timecode(UINT64_MAX)));
    assert_result(CAT(pre, simple_block(1, 0, 0, B(1))), NULL, REC_ERR_INVALID,
                  fmt("SimpleBlock at offset %zu: time overflows 64-bit nanoseconds", pre.n));
    struct blob pre2 = CAT(seg_open(), info(1000000000),
                           el_unknown(ID_Cluster, 1, timecode(UINT64_C(10000000000))));
    assert_result(CAT(pre2, simple_block(1, 0, 0, B(1))), NULL, REC_ERR_INVALID,
                  fmt("SimpleBlock at offset %zu: time overflows 64-bit nanoseconds", pre2.n));
}

static void misplaced_error_ends_reading(void **state)
{
    (void)state;
    /* garbage after a complete fragment */
    struct blob doc = CAT(ebml_header(), el(ID_Segment, tags1("A", "1")));
    const char *log = run_all(CAT(doc, B(0x00)), NULL);
    assert_string_equal(log, fmt("tag A=1\n"
                                 "start #0 @0 scale=1000000 [A=1]\n"
                                 "end #0 @0 scale=1000000 [A=1]\n"
                                 "result push=-2 finish=-2 err='element header at offset %zu: "
                                 "element ID starts with 0x00 (wider than 4 bytes)'\n",
                                 doc.n));
}

/* ---- the sticky error ----------------------------------------------------- */

static void error_is_sticky(void **state)
{
    (void)state;
    struct run_opts o = { 0 };
    struct recorder rec;
    struct mkv_reader r;
    recorder_start(&rec, &r, &o);
    struct blob bad = CAT(seg_open(), B(0x00));
    assert_int_equal(mkv_reader_push(&r, bad.p, bad.n), REC_ERR_INVALID);
    char msg[256];
    snprintf(msg, sizeof msg, "%s", mkv_reader_error(&r));
    uint64_t off = mkv_reader_offset(&r);
    /* valid input afterwards changes nothing and calls nothing */
    struct blob good = CAT(ebml_header(), el(ID_Segment, tags1("A", "1")));
    assert_int_equal(mkv_reader_push(&r, good.p, good.n), REC_ERR_INVALID);
    assert_int_equal(mkv_reader_finish(&r), REC_ERR_INVALID);
    assert_int_equal(mkv_reader_push(&r, good.p, good.n), REC_ERR_INVALID);
    assert_string_equal(mkv_reader_error(&r), msg);
    assert_int_equal(mkv_reader_offset(&r), off);
    assert_string_equal(recorder_log(&rec), "");
    mkv_reader_clean_up(&r);
    rec_buf_clean_up(&rec.log, 0);
}

static int fail_track(void *u, const struct mkv_track_info *t)
{
    (void)u;
    (void)t;
    return REC_ERR_UNSUPPORTED;
}

static void callback_errors_name_the_callback(void **state)
{
    (void)state;
    struct blob pre = CAT(seg_open(), ebml_id(ID_Tracks), ebml_size(5, 0));
    struct blob in = CAT(pre, el(ID_TrackEntry, el_uint(ID_TrackNumber, 1)));
    struct mkv_callbacks cb = { .on_track = fail_track };
    struct mkv_reader r;
    assert_int_equal(mkv_reader_init(&r, NULL, &cb), 0);
    assert_int_equal(mkv_reader_push(&r, in.p, in.n), REC_ERR_UNSUPPORTED);
    assert_string_equal(mkv_reader_error(&r),
                        fmt("TrackEntry at offset %zu: on_track callback failed (-3)", pre.n));
    assert_int_equal(mkv_reader_finish(&r), REC_ERR_UNSUPPORTED);
    mkv_reader_clean_up(&r);
}

static int fail_kvs_error(void *u, const char *code, const char *id)
{
    (void)u;
    (void)code;
    (void)id;
    return REC_ERR_AWS;
}

/* GetMedia's error tags usually become the caller's error: it names the
 * SimpleTag that completed the pair, or the fragment (at its EBML header)
 * when reported at the fragment's end. */
static void kvs_error_callback_failure(void **state)
{
    (void)state;
    struct mkv_callbacks cb = { .on_kvs_error = fail_kvs_error };
    struct blob pre = CAT(seg_open(), tags1("AWS_KINESISVIDEO_ERROR_CODE", "4000"));
    struct blob in = CAT(pre, el(ID_Tags, el(ID_Tag, simple_tag("AWS_KINESISVIDEO_ERROR_ID", "x"))));
    struct mkv_reader r;
    assert_int_equal(mkv_reader_init(&r, NULL, &cb), 0);
    assert_int_equal(mkv_reader_push(&r, in.p, in.n), REC_ERR_AWS);
    assert_string_equal(mkv_reader_error(&r),
                        fmt("SimpleTag at offset %zu: on_kvs_error callback failed (-7)",
                            pre.n + 5 + 3));
    mkv_reader_clean_up(&r);

    assert_int_equal(mkv_reader_init(&r, NULL, &cb), 0);
    assert_int_equal(mkv_reader_push(&r, pre.p, pre.n), 0);
    assert_int_equal(mkv_reader_finish(&r), REC_ERR_AWS);
    assert_string_equal(mkv_reader_error(&r),
                        "fragment at offset 0: on_kvs_error callback failed (-7)");
    mkv_reader_clean_up(&r);
}

/* ---- caps ------------------------------------------------------------------ */

static void element_cap(void **state)
{
    (void)state;
    struct run_opts o = { .cfg = { .max_element_bytes = 16 } };
    size_t at = seg_open().n + 5 + 2; /* Tracks and TrackEntry headers */
    /* 16 bytes fit */
    const char *log = run_all(CAT(seg_open(), tracks(el(ID_TrackEntry, el(ID_CodecPrivate, blob_fill(7, 16))))), &o);
    assert_has(log, "priv=07070707070707070707070707070707 ");
    assert_has(log, "result push=0 finish=0 ");
    assert_result(CAT(seg_open(), tracks(el(ID_TrackEntry, el(ID_CodecPrivate, blob_fill(7, 17))))), &o,
                  REC_ERR_LIMIT,
                  fmt("CodecPrivate at offset %zu: 17 bytes exceed the 16-byte element cap", at));
    at = seg_open().n + 5 + 3 + 3; /* Tags, Tag and SimpleTag headers */
    assert_result(CAT(seg_open(), el(ID_Tags, el(ID_Tag, el(ID_SimpleTag, el_str(ID_TagString, "0123456789abcdefg"))))),
                  &o, REC_ERR_LIMIT,
                  fmt("TagString at offset %zu: 17 bytes exceed the 16-byte element cap", at));
    struct blob pre3 = CAT(seg_open(), el_unknown(ID_Cluster, 1, timecode(0)));
    assert_result(CAT(pre3, simple_block(1, 0, 0, blob_fill(1, 13))), &o, REC_ERR_LIMIT,
                  fmt("SimpleBlock at offset %zu: 17 bytes exceed the 16-byte element cap", pre3.n));
}

static void tag_count_cap(void **state)
{
    (void)state;
    struct run_opts o = { .cfg = { .max_tags = 2 } };
    /* two tags per fragment are fine, fragment after fragment */
    struct blob ok = CAT(seg_open(), tags1("A", "1"), tags1("B", "2"));
    const char *log = run_all(CAT(ok, ok, ok), &o);
    assert_has(log, "end #2");
    assert_has(log, "result push=0 finish=0");
    struct blob pre = CAT(seg_open(), tags1("A", "1"), tags1("B", "2"));
    assert_result(CAT(pre, el(ID_Tags, el(ID_Tag, simple_tag("C", "3")))), &o, REC_ERR_LIMIT,
                  fmt("SimpleTag at offset %zu: more than 2 tags in one fragment (tag storage "
                      "cap)",
                      pre.n + 5 + 3));
}

static void tag_bytes_cap(void **state)
{
    (void)state;
    struct run_opts o = { .cfg = { .max_tag_bytes = 20 } };
    /* "AAAAAAAA\0BBBBBBBB\0" is 18 bytes; the next name does not fit */
    struct blob pre = CAT(seg_open(), tags1("AAAAAAAA", "BBBBBBBB"));
    assert_result(CAT(pre, el(ID_Tags, el(ID_Tag, el(ID_SimpleTag, el_str(ID_TagName, "CC"))))),
                  &o, REC_ERR_LIMIT,
                  fmt("TagName at offset %zu: the fragment's tags exceed the 20-byte tag storage "
                      "cap",
                      pre.n + 5 + 3 + 3));
}

static int want_only_track_1(void *u, uint64_t track)
{
    (void)u;
    return track == 1;
}

/* Memory stays bounded however long the stream: nothing accumulates across
 * fragments or clusters. */
static void memory_stays_bounded(void **state)
{
    (void)state;
    struct blob frag = CAT(ebml_header(),
                           el_unknown(ID_Segment, 8,
                                      CAT(info(1000000), tags1("N", "v"),
                                          el_unknown(ID_Cluster, 8,
                                                     CAT(timecode(1), simple_block(1, 0, 0, blob_fill(3, 900)),
                                                         simple_block(2, 0, 0, blob_fill(4, 90000)))),
                                          tags1("AFTER", "x"))));
    struct mkv_reader_config cfg = { .max_element_bytes = 1000, .max_tags = 4, .max_tag_bytes = 64 };
    struct mkv_callbacks cb = { .want_track = want_only_track_1 };
    struct mkv_reader r;
    assert_int_equal(mkv_reader_init(&r, &cfg, &cb), 0);
    for (int i = 0; i < 500; i++) {
        /* in awkward pieces so the body buffer is used */
        for (size_t at = 0; at < frag.n; at += 333) {
            size_t n = frag.n - at < 333 ? frag.n - at : 333;
            int rc = mkv_reader_push(&r, frag.p + at, n);
            assert_int_equal(rc, 0);
        }
    }
    assert_int_equal(mkv_reader_finish(&r), 0);
    assert_true(r.body.cap <= cfg.max_element_bytes + 1);
    assert_true(r.tag_text.cap <= cfg.max_tag_bytes + 1);
    assert_true(r.tags_cap <= cfg.max_tags);
    mkv_reader_clean_up(&r);
    /* unwanted 90 KB blocks were skipped, not buffered: cap 1000 held */
}

/* ---- truncation ------------------------------------------------------------- */

static struct blob sample_doc(void)
{
    return CAT(ebml_header(),
               el_unknown(ID_Segment, 1,
                          CAT(info(1000000), tracks(audio_track(1, "A", "A_PCM/INT/LIT", 8000, 1, 16)),
                              tags1("FRAG", "1"),
                              el_unknown(ID_Cluster, 1,
                                         CAT(timecode(7), simple_block(1, 0, 0x80, B(1, 2, 3)),
                                             simple_block(1, 1, 0, B(4, 5, 6)))),
                              tags1("AFTER", "2"))));
}

static void truncated_inside_a_block(void **state)
{
    (void)state;
    struct blob doc = sample_doc();
    struct blob b2 = simple_block(1, 1, 0, B(4, 5, 6));
    const uint8_t *hit = memmem(doc.p, doc.n, b2.p, b2.n);
    assert_non_null(hit);
    size_t b2_at = (size_t)(hit - doc.p);
    const char *log = run_all((struct blob){ doc.p, b2_at + 5 }, NULL);
    /* the first frame stays delivered; no fragment end */
    assert_string_equal(log, fmt("track 1 type=2 name=A codec=A_PCM/INT/LIT priv=1588 rate=8000 ch=1 bits=16\n"
                                 "tag FRAG=1\n"
                                 "start #0 @0 scale=1000000 [FRAG=1]\n"
                                 "frame T1 t=7000000 key=1 lace=0/1 010203\n"
                                 "result push=0 finish=-9 err='SimpleBlock at offset %zu: input "
                                 "ended 4 bytes before the end of its 7-byte body'\n",
                                 b2_at));
}

static void truncated_at_a_boundary_inside_a_cluster(void **state)
{
    (void)state;
    struct blob doc = sample_doc();
    struct blob after = tags1("AFTER", "2");
    size_t cut = doc.n - after.n;
    struct blob c = el_unknown(ID_Cluster, 1, timecode(7));
    size_t cluster_at = (size_t)((const uint8_t *)memmem(doc.p, doc.n, c.p, c.n) - doc.p);
    const char *log = run_all((struct blob){ doc.p, cut }, NULL);
    assert_has(log, "frame T1 t=8000000 key=0 lace=0/1 040506\n");
    assert_has(log, fmt("result push=0 finish=-9 err='Cluster at offset %zu: input ended inside "
                        "it'\n",
                        cluster_at));
    assert_null(strstr(log, "end #0"));
}

static void truncated_in_known_size_elements(void **state)
{
    (void)state;
    /* a known-size Segment cut at an element boundary */
    struct blob seg = el(ID_Segment, CAT(tags1("A", "1"), tags1("B", "2")));
    struct blob in = CAT(ebml_header(), seg);
    size_t hdr = ebml_header().n;
    assert_result((struct blob){ in.p, in.n - tags1("B", "2").n }, NULL, REC_ERR_TRUNCATED,
                  fmt("Segment at offset %zu: input ended %zu bytes before its end", hdr,
                      tags1("B", "2").n));
    /* inside the Tags after the Cluster: frames delivered, no fragment end */
    struct blob doc = sample_doc();
    const char *log = run_all((struct blob){ doc.p, doc.n - 1 }, NULL);
    assert_has(log, "frame T1 t=8000000");
    assert_null(strstr(log, "end #0"));
    assert_has(log, "result push=0 finish=-9 err='TagString at offset");
    assert_has(log, ": input ended 1 bytes before the end of its 1-byte body'");
    /* in the middle of an element header, and inside the EBML header */
    assert_result((struct blob){ in.p, hdr + 2 }, NULL, REC_ERR_TRUNCATED,
                  fmt("element header at offset %zu: input ended inside it", hdr));
    assert_result((struct blob){ in.p, 6 }, NULL, REC_ERR_TRUNCATED,
                  "element header at offset 5: input ended inside it");
    assert_result((struct blob){ in.p, 9 }, NULL, REC_ERR_TRUNCATED,
                  fmt("EBML at offset 0: input ended %zu bytes before its end", hdr - 9));
}

/* Every prefix of a valid stream is either clean (at a fragment boundary of
 * an unknown-size Segment) or truncated, never invalid, and its frames are a
 * prefix of the whole stream's frames. */
static void every_prefix_is_clean_or_truncated(void **state)
{
    (void)state;
    struct blob doc = CAT(sample_doc(), sample_doc());
    struct run_opts o = { 0 };
    char *full = run_once(doc, &o, 0, NULL);
    int clean = 0, truncated = 0;
    for (size_t cut = 0; cut < doc.n; cut++) {
        char *log = run_once((struct blob){ doc.p, cut }, &o, 2 + (int)(cut % 5), NULL);
        const char *res = strstr(log, "result ");
        assert_non_null(res);
        if (!strncmp(res, "result push=0 finish=0 ", 23))
            clean++;
        else if (!strncmp(res, "result push=0 finish=-9 ", 24))
            truncated++;
        else
            fail_msg("cut %zu: %s", cut, res);
        /* everything logged before the result is a prefix of the full log,
         * except that a clean cut reports the fragment's start/end early */
        size_t n = (size_t)(res - log);
        if (strncmp(full, log, n))
            assert_int_equal(strncmp(res, "result push=0 finish=0 ", 23), 0);
        free(log);
    }
    free(full);
    assert_true(clean >= 2); /* empty input, and the cut between the documents */
    assert_true(truncated > 100);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(id_wider_than_4_bytes, mkv_test_setup),
        cmocka_unit_test_setup(reserved_ids, mkv_test_setup),
        cmocka_unit_test_setup(size_vint_wider_than_8_bytes, mkv_test_setup),
        cmocka_unit_test_setup(element_larger_than_its_parent, mkv_test_setup),
        cmocka_unit_test_setup(unknown_size_where_not_allowed, mkv_test_setup),
        cmocka_unit_test_setup(nesting_deeper_than_the_cap, mkv_test_setup),
        cmocka_unit_test_setup(bad_integer_and_float_sizes, mkv_test_setup),
        cmocka_unit_test_setup(bad_blocks, mkv_test_setup),
        cmocka_unit_test_setup(bad_lacing, mkv_test_setup),
        cmocka_unit_test_setup(time_overflow, mkv_test_setup),
        cmocka_unit_test_setup(misplaced_error_ends_reading, mkv_test_setup),
        cmocka_unit_test_setup(error_is_sticky, mkv_test_setup),
        cmocka_unit_test_setup(callback_errors_name_the_callback, mkv_test_setup),
        cmocka_unit_test_setup(kvs_error_callback_failure, mkv_test_setup),
        cmocka_unit_test_setup(element_cap, mkv_test_setup),
        cmocka_unit_test_setup(tag_count_cap, mkv_test_setup),
        cmocka_unit_test_setup(tag_bytes_cap, mkv_test_setup),
        cmocka_unit_test_setup(memory_stays_bounded, mkv_test_setup),
        cmocka_unit_test_setup(truncated_inside_a_block, mkv_test_setup),
        cmocka_unit_test_setup(truncated_at_a_boundary_inside_a_cluster, mkv_test_setup),
        cmocka_unit_test_setup(truncated_in_known_size_elements, mkv_test_setup),
        cmocka_unit_test_setup(every_prefix_is_clean_or_truncated, mkv_test_setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

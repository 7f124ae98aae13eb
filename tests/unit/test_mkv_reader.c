/*
 * Unit tests for kvs/mkv_reader: well-formed streams shaped like GetMedia
 * output (and the Matroska features around it). Every input is also run one
 * byte at a time and in random splits (run_all), and must give the same
 * callbacks. Malformed input, caps and truncation: test_mkv_malformed.c.
 */
#include "tests/unit/test_mkv_support.h"

static const char *expectf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static const char *expectf(const char *fmt, ...)
{
    static char buf[1 << 16];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    return buf;
}

#define FRAGMENT_NUMBER "91343852333181432392682062607743920146264"
#define KVS_TAGS                                                                       \
    "AWS_KINESISVIDEO_FRAGMENT_NUMBER=" FRAGMENT_NUMBER                                  \
    ";AWS_KINESISVIDEO_SERVER_TIMESTAMP=1567100227.205;AWS_KINESISVIDEO_PRODUCER_TIMESTAMP=" \
    "1567100227.100"
#define MIME "audio/L16;rate=8000;channels=1;"
#define TC UINT64_C(1700000000000) /* Connect: Cluster Timecode in epoch ms */

static struct blob kvs_tags_before(void)
{
    return el(ID_Tags, el(ID_Tag, CAT(el(ID_Targets, NOTHING),
                                      simple_tag("AWS_KINESISVIDEO_FRAGMENT_NUMBER", FRAGMENT_NUMBER),
                                      simple_tag("AWS_KINESISVIDEO_SERVER_TIMESTAMP", "1567100227.205"),
                                      simple_tag("AWS_KINESISVIDEO_PRODUCER_TIMESTAMP",
                                                 "1567100227.100"))));
}

static struct blob connect_tracks(void)
{
    return tracks(CAT(audio_track(1, "AUDIO_FROM_CUSTOMER", "A_AAC", 8000, 1, 16),
                      audio_track(2, "AUDIO_TO_CUSTOMER", "A_AAC", 8000, 1, 16)));
}

static struct blob connect_blocks(void)
{
    return CAT(simple_block(1, 0, 0x80, B(1, 2)), simple_block(2, 0, 0x80, B(3, 4)),
               simple_block(1, 32, 0, B(5, 6)));
}

/* One Connect-shaped fragment: Segment and Cluster of unknown size in the
 * given VINT width (0 = known sizes), tags before the Cluster, and after it
 * one SimpleTag per Tags element as Connect writes them. */
static struct blob connect_doc(int width, uint64_t tc, const char *contact)
{
    struct blob cluster_body = CAT(timecode(tc), connect_blocks());
    struct blob cluster =
        width ? el_unknown(ID_Cluster, width, cluster_body) : el(ID_Cluster, cluster_body);
    struct blob seg_body = CAT(info(1000000), connect_tracks(), kvs_tags_before(), cluster,
                               tags1("ContactId", contact), tags1("MimeType", MIME),
                               tags1("AUDIO_FROM_CUSTOMER", "1"));
    struct blob seg = width ? el_unknown(ID_Segment, width, seg_body) : el(ID_Segment, seg_body);
    return CAT(ebml_header(), seg);
}

static const char *connect_log(uint64_t index, size_t start, uint64_t tc, const char *contact)
{
    static char buf[4096];
    snprintf(buf, sizeof buf,
             "track 1 type=2 name=AUDIO_FROM_CUSTOMER codec=A_AAC priv=1588 rate=8000 ch=1 bits=16\n"
             "track 2 type=2 name=AUDIO_TO_CUSTOMER codec=A_AAC priv=1588 rate=8000 ch=1 bits=16\n"
             "tag AWS_KINESISVIDEO_FRAGMENT_NUMBER=" FRAGMENT_NUMBER "\n"
             "tag AWS_KINESISVIDEO_SERVER_TIMESTAMP=1567100227.205\n"
             "tag AWS_KINESISVIDEO_PRODUCER_TIMESTAMP=1567100227.100\n"
             "start #%llu @%zu scale=1000000 [" KVS_TAGS "]\n"
             "frame T1 t=%llu000000 key=1 lace=0/1 0102\n"
             "frame T2 t=%llu000000 key=1 lace=0/1 0304\n"
             "frame T1 t=%llu000000 key=0 lace=0/1 0506\n"
             "tag ContactId=%s\n"
             "tag MimeType=" MIME "\n"
             "tag AUDIO_FROM_CUSTOMER=1\n"
             "end #%llu @%zu scale=1000000 [" KVS_TAGS ";ContactId=%s;MimeType=" MIME
             ";AUDIO_FROM_CUSTOMER=1]\n",
             (unsigned long long)index, start, (unsigned long long)tc, (unsigned long long)tc,
             (unsigned long long)(tc + 32), contact, (unsigned long long)index, start, contact);
    return buf;
}

static void connect_fragment_with_1_byte_unknown_sizes(void **state)
{
    (void)state;
    struct blob in = connect_doc(1, TC, "c-1");
    const char *log = run_all(in, NULL);
    assert_string_equal(log, expectf("%sresult push=0 finish=0 err='' offset=%zu\n",
                                     connect_log(0, 0, TC, "c-1"), in.n));
}

static void connect_fragment_with_8_byte_unknown_sizes(void **state)
{
    (void)state;
    struct blob in = connect_doc(8, TC, "c-1");
    assert_memory_equal(in.p + ebml_header().n + 4, "\x01\xFF\xFF\xFF\xFF\xFF\xFF\xFF", 8);
    const char *log = run_all(in, NULL);
    assert_string_equal(log, expectf("%sresult push=0 finish=0 err='' offset=%zu\n",
                                     connect_log(0, 0, TC, "c-1"), in.n));
}

static void known_size_segment_and_cluster(void **state)
{
    (void)state;
    struct blob in = connect_doc(0, TC, "c-1");
    const char *log = run_all(in, NULL);
    assert_string_equal(log, expectf("%sresult push=0 finish=0 err='' offset=%zu\n",
                                     connect_log(0, 0, TC, "c-1"), in.n));
}

static void unknown_sizes_of_every_width(void **state)
{
    (void)state;
    for (int w = 1; w <= 8; w++) {
        mkv_test_setup(NULL);
        struct blob in = connect_doc(w, TC, "c-w");
        const char *log = run_all(in, NULL);
        assert_string_equal(log, expectf("%sresult push=0 finish=0 err='' offset=%zu\n",
                                         connect_log(0, 0, TC, "c-w"), in.n));
    }
}

/* GetMedia: one EBML document per fragment, back to back; the first ends
 * where the second's EBML header starts. Tags never leak across. */
static void documents_back_to_back(void **state)
{
    (void)state;
    struct blob a = connect_doc(1, TC, "c-1");
    struct blob b = connect_doc(8, TC + 1000, "c-2");
    struct blob c = connect_doc(0, TC + 2000, "c-3");
    struct blob in = CAT(a, b, c);
    char want[16384];
    snprintf(want, sizeof want, "%s", connect_log(0, 0, TC, "c-1"));
    snprintf(want + strlen(want), sizeof want - strlen(want), "%s",
             connect_log(1, a.n, TC + 1000, "c-2"));
    snprintf(want + strlen(want), sizeof want - strlen(want), "%s",
             connect_log(2, a.n + b.n, TC + 2000, "c-3"));
    const char *log = run_all(in, NULL);
    assert_string_equal(log, expectf("%sresult push=0 finish=0 err='' offset=%zu\n", want, in.n));
}

/* The first fragment's end is reported when the next EBML header arrives,
 * before any of the next fragment's callbacks. */
static void fragment_end_comes_at_next_ebml_header(void **state)
{
    (void)state;
    struct blob a = connect_doc(1, TC, "c-1");
    struct blob b = connect_doc(1, TC + 1000, "c-2");
    const char *log = run_all(CAT(a, b), NULL);
    const char *end0 = strstr(log, "end #0");
    const char *track_b = strstr(end0, "track 1");
    assert_non_null(end0);
    assert_non_null(track_b);
    assert_non_null(strstr(track_b, "start #1"));
}

static void void_crc32_and_seekhead_are_skipped(void **state)
{
    (void)state;
    /* SeekHead entries point far past the end of the stream: ignored. */
    struct blob seekhead =
        el(ID_SeekHead, el(ID_Seek, CAT(el(ID_SeekID, B(0x1F, 0x43, 0xB6, 0x75)),
                                        el_uint(ID_SeekPosition, 999999999))));
    struct blob info_crc = el(ID_Info, CAT(el(ID_CRC32, B(1, 2, 3, 4)),
                                           el_uint(ID_TimecodeScale, 1000000)));
    /* Void and CRC-32 are global: inside an unknown-size Cluster they must
     * not end it, so the block after them still belongs to it. */
    struct blob cluster = el_unknown(ID_Cluster, 1,
                                     CAT(el(ID_CRC32, B(9, 9, 9, 9)), timecode(100),
                                         simple_block(1, 1, 0x80, B(0xA1)),
                                         el(ID_Void, blob_fill(0, 300)),
                                         simple_block(1, 2, 0x80, B(0xA2))));
    struct blob in =
        CAT(ebml_header(), el(ID_Void, blob_fill(0, 7)),
            el_unknown(ID_Segment, 8,
                       CAT(seekhead, el(ID_Void, blob_fill(0, 4029)), info_crc,
                           el(ID_Void, B(0)), cluster, el(ID_Void, NOTHING), tags1("K", "V"))));
    const char *log = run_all(in, NULL);
    assert_string_equal(log, expectf("start #0 @0 scale=1000000 []\n"
                                     "frame T1 t=101000000 key=1 lace=0/1 a1\n"
                                     "frame T1 t=102000000 key=1 lace=0/1 a2\n"
                                     "tag K=V\n"
                                     "end #0 @0 scale=1000000 [K=V]\n"
                                     "result push=0 finish=0 err='' offset=%zu\n",
                                     in.n));
}

static void fragment_start_has_only_tags_before_the_cluster(void **state)
{
    (void)state;
    struct blob in = CAT(
        ebml_header(),
        el_unknown(ID_Segment, 1,
                   CAT(tags1("BEFORE1", "a"), tags1("BEFORE2", "b"),
                       el_unknown(ID_Cluster, 1, CAT(timecode(0), simple_block(1, 0, 0, B(7)))),
                       tags1("AFTER", "c"),
                       /* a second Cluster in the same fragment: no second start */
                       el_unknown(ID_Cluster, 1, CAT(timecode(5), simple_block(1, 0, 0, B(8)))),
                       tags1("LAST", "d"))));
    const char *log = run_all(in, NULL);
    assert_string_equal(log, expectf("tag BEFORE1=a\n"
                                     "tag BEFORE2=b\n"
                                     "start #0 @0 scale=1000000 [BEFORE1=a;BEFORE2=b]\n"
                                     "frame T1 t=0 key=0 lace=0/1 07\n"
                                     "tag AFTER=c\n"
                                     "frame T1 t=5000000 key=0 lace=0/1 08\n"
                                     "tag LAST=d\n"
                                     "end #0 @0 scale=1000000 [BEFORE1=a;BEFORE2=b;AFTER=c;LAST=d]\n"
                                     "result push=0 finish=0 err='' offset=%zu\n",
                                     in.n));
}

/* A fragment without a Cluster (KVS error fragments, header-only files):
 * start and end both come at its end. */
static void fragment_without_cluster(void **state)
{
    (void)state;
    struct blob in = CAT(ebml_header(), el_unknown(ID_Segment, 8, CAT(info(1000000), tags1("A", "1"))));
    const char *log = run_all(in, NULL);
    assert_string_equal(log, expectf("tag A=1\n"
                                     "start #0 @0 scale=1000000 [A=1]\n"
                                     "end #0 @0 scale=1000000 [A=1]\n"
                                     "result push=0 finish=0 err='' offset=%zu\n",
                                     in.n));
}

static void nested_simple_tags(void **state)
{
    (void)state;
    struct blob tag = el(
        ID_Tags,
        el(ID_Tag, CAT(el(ID_Targets, NOTHING),
                       el(ID_SimpleTag,
                          CAT(el_str(ID_TagName, "OUTER"), simple_tag("INNER", "i"),
                              el(ID_SimpleTag, CAT(el_str(ID_TagName, "MID"),
                                                   simple_tag("DEEP", "d"),
                                                   el_str(ID_TagString, "m"))),
                              el_str(ID_TagString, "o"))),
                       /* a SimpleTag with no TagString, and one with a NUL-padded string */
                       el(ID_SimpleTag, el_str(ID_TagName, "NOVALUE")),
                       el(ID_SimpleTag, CAT(el_str(ID_TagName, "PADDED"),
                                            el(ID_TagString, B('x', 'y', 0, 0, 0)))))));
    struct blob in = CAT(ebml_header(), el_unknown(ID_Segment, 1, tag));
    const char *log = run_all(in, NULL);
    assert_string_equal(
        log, expectf("tag INNER=i\n"
                     "tag DEEP=d\n"
                     "tag MID=m\n"
                     "tag OUTER=o\n"
                     "tag NOVALUE=\n"
                     "tag PADDED=xy\n"
                     "start #0 @0 scale=1000000 [INNER=i;DEEP=d;MID=m;OUTER=o;NOVALUE=;PADDED=xy]\n"
                     "end #0 @0 scale=1000000 [INNER=i;DEEP=d;MID=m;OUTER=o;NOVALUE=;PADDED=xy]\n"
                     "result push=0 finish=0 err='' offset=%zu\n",
                     in.n));
}

static void block_in_block_group(void **state)
{
    (void)state;
    /* Block flags have no keyframe bit (0x80 means nothing there). */
    struct blob group = el(ID_BlockGroup, CAT(el(ID_Block, CAT(B(0x81, 0x00, 0x10, 0x80), B(9, 8))),
                                              el_uint(ID_BlockDuration, 20)));
    struct blob in = CAT(ebml_header(),
                         el_unknown(ID_Segment, 1,
                                    el(ID_Cluster, CAT(timecode(1000), group,
                                                       simple_block(1, 17, 0x80, B(7))))));
    const char *log = run_all(in, NULL);
    assert_string_equal(log, expectf("start #0 @0 scale=1000000 []\n"
                                     "frame T1 t=1016000000 key=0 lace=0/1 0908\n"
                                     "frame T1 t=1017000000 key=1 lace=0/1 07\n"
                                     "end #0 @0 scale=1000000 []\n"
                                     "result push=0 finish=0 err='' offset=%zu\n",
                                     in.n));
}

static struct blob one_cluster(uint64_t tc, struct blob blocks)
{
    /* an unknown-size Cluster still open at the end would be a truncation */
    return CAT(ebml_header(), el_unknown(ID_Segment, 1, el(ID_Cluster, CAT(timecode(tc), blocks))));
}

static const char *frames_only(const char *log)
{
    /* drop the start/end/result lines to compare frames alone */
    static char buf[1 << 16];
    buf[0] = '\0';
    for (const char *l = log; *l;) {
        const char *nl = strchr(l, '\n');
        size_t n = nl ? (size_t)(nl - l + 1) : strlen(l);
        if (!strncmp(l, "frame", 5))
            strncat(buf, l, n);
        l += n;
    }
    return buf;
}

static void xiph_lacing(void **state)
{
    (void)state;
    /* 3 frames: 3 bytes, 255 bytes (size coded FF 00), rest 2 bytes */
    struct blob payload = CAT(B(0xAA, 0xAB, 0xAC), blob_fill(0xBB, 255), B(0xCC, 0xCD));
    struct blob block = el(ID_SimpleBlock, CAT(B(0x82, 0x00, 0x05, 0x82, 0x02, 0x03, 0xFF, 0x00), payload));
    const char *log = run_all(one_cluster(10, block), NULL);
    char want[512];
    snprintf(want, sizeof want,
             "frame T2 t=15000000 key=1 lace=0/3 aaabac\n"
             "frame T2 t=15000000 key=1 lace=1/3 <255 bytes fnv=%08x>\n"
             "frame T2 t=15000000 key=1 lace=2/3 cccd\n",
             fnv1a(payload.p + 3, 255));
    assert_string_equal(frames_only(log), want);
}

static void ebml_lacing(void **state)
{
    (void)state;
    /* 5 frames: 2, 5 (+3), 1 (-4), 201 (+200, 2-byte signed VINT), rest 3 */
    struct blob sizes = B(0x04, 0x82, 0xC2, 0xBB, 0x60, 0xC7);
    struct blob payload = CAT(B(1, 2), B(3, 4, 5, 6, 7), B(8), blob_fill(0x77, 201), B(9, 10, 11));
    struct blob block = el(ID_SimpleBlock, CAT(B(0x81, 0xFF, 0xFE, 0x06), sizes, payload));
    const char *log = run_all(one_cluster(10, block), NULL);
    char want[512];
    snprintf(want, sizeof want,
             "frame T1 t=8000000 key=0 lace=0/5 0102\n"
             "frame T1 t=8000000 key=0 lace=1/5 0304050607\n"
             "frame T1 t=8000000 key=0 lace=2/5 08\n"
             "frame T1 t=8000000 key=0 lace=3/5 <201 bytes fnv=%08x>\n"
             "frame T1 t=8000000 key=0 lace=4/5 090a0b\n",
             fnv1a(payload.p + 8, 201));
    assert_string_equal(frames_only(log), want);
}

static void fixed_size_lacing(void **state)
{
    (void)state;
    struct blob block = el(ID_SimpleBlock, CAT(B(0x81, 0x00, 0x00, 0x84, 0x02), B(1, 2, 3, 4, 5, 6)));
    /* laced Block inside a BlockGroup too */
    struct blob group = el(ID_BlockGroup, el(ID_Block, CAT(B(0x81, 0x00, 0x01, 0x04, 0x01), B(7, 8, 9, 10))));
    const char *log = run_all(one_cluster(0, CAT(block, group)), NULL);
    assert_string_equal(frames_only(log), "frame T1 t=0 key=1 lace=0/3 0102\n"
                                          "frame T1 t=0 key=1 lace=1/3 0304\n"
                                          "frame T1 t=0 key=1 lace=2/3 0506\n"
                                          "frame T1 t=1000000 key=0 lace=0/2 0708\n"
                                          "frame T1 t=1000000 key=0 lace=1/2 090a\n");
}

/* Lacing flags with a lace count of 0 (one frame) and zero-length laces. */
static void lacing_edge_cases(void **state)
{
    (void)state;
    struct blob one = el(ID_SimpleBlock, CAT(B(0x81, 0x00, 0x00, 0x02, 0x00), B(5, 6)));
    struct blob empties = el(ID_SimpleBlock, CAT(B(0x81, 0x00, 0x00, 0x02, 0x02, 0x00, 0x00)));
    struct blob no_payload = el(ID_SimpleBlock, B(0x81, 0x00, 0x00, 0x00));
    const char *log = run_all(one_cluster(0, CAT(one, empties, no_payload)), NULL);
    assert_string_equal(frames_only(log), "frame T1 t=0 key=0 lace=0/1 0506\n"
                                          "frame T1 t=0 key=0 lace=0/3 \n"
                                          "frame T1 t=0 key=0 lace=1/3 \n"
                                          "frame T1 t=0 key=0 lace=2/3 \n"
                                          "frame T1 t=0 key=0 lace=0/1 \n");
}

static void timecode_scale_and_negative_relative_timecodes(void **state)
{
    (void)state;
    struct blob in = CAT(
        ebml_header(),
        el_unknown(ID_Segment, 1,
                   CAT(info(1000), /* 1 tick = 1 us */
                       el_unknown(ID_Cluster, 1,
                                  CAT(timecode(50000), simple_block(1, -5, 0, B(1)),
                                      simple_block(1, -32768, 0, B(2)),
                                      simple_block(1, 32767, 0, B(3)))),
                       el_unknown(ID_Cluster, 1,
                                  CAT(timecode(2), simple_block(1, -3, 0, B(4)))),
                       el(ID_Void, NOTHING), tags1("X", "y"))));
    const char *log = run_all(in, NULL);
    assert_string_equal(log, expectf("start #0 @0 scale=1000 []\n"
                                     "frame T1 t=49995000 key=0 lace=0/1 01\n"
                                     "frame T1 t=17232000 key=0 lace=0/1 02\n"
                                     "frame T1 t=82767000 key=0 lace=0/1 03\n"
                                     "frame T1 t=-1000 key=0 lace=0/1 04\n"
                                     "tag X=y\n"
                                     "end #0 @0 scale=1000 [X=y]\n"
                                     "result push=0 finish=0 err='' offset=%zu\n",
                                     in.n));
}

/* TimecodeScale belongs to its fragment: the next one starts at the default. */
static void timecode_scale_resets_per_fragment(void **state)
{
    (void)state;
    struct blob a = CAT(ebml_header(), el_unknown(ID_Segment, 1,
                                                  CAT(info(500), el_unknown(ID_Cluster, 1, CAT(timecode(2), simple_block(1, 0, 0, B(1)))))));
    struct blob b = CAT(ebml_header(), el_unknown(ID_Segment, 1,
                                                  CAT(el_unknown(ID_Cluster, 1, CAT(timecode(2), simple_block(1, 0, 0, B(2)))),
                                                      tags1("B", "b"))));
    const char *log = run_all(CAT(a, b), NULL);
    assert_string_equal(frames_only(log), "frame T1 t=1000 key=0 lace=0/1 01\n"
                                          "frame T1 t=2000000 key=0 lace=0/1 02\n");
    assert_has(log, "end #0 @0 scale=500 []");
    assert_has(log, expectf("end #1 @%zu scale=1000000 [B=b]", a.n));
}

static void kvs_error_tags(void **state)
{
    (void)state;
    /* code and id in separate Tags elements: reported once both are seen */
    struct blob a = CAT(ebml_header(),
                        el_unknown(ID_Segment, 1,
                                   CAT(tags1("AWS_KINESISVIDEO_ERROR_CODE", "4000"),
                                       tags1("AWS_KINESISVIDEO_ERROR_ID", "abc-123"))));
    /* code only: reported at the fragment's end with no id */
    struct blob b = CAT(ebml_header(),
                        el_unknown(ID_Segment, 1, tags1("AWS_KINESISVIDEO_ERROR_CODE", "5000")));
    const char *log = run_all(CAT(a, b), NULL);
    assert_string_equal(
        log, expectf("tag AWS_KINESISVIDEO_ERROR_CODE=4000\n"
                     "tag AWS_KINESISVIDEO_ERROR_ID=abc-123\n"
                     "kvs_error 4000 abc-123\n"
                     "start #0 @0 scale=1000000 [AWS_KINESISVIDEO_ERROR_CODE=4000;"
                     "AWS_KINESISVIDEO_ERROR_ID=abc-123]\n"
                     "end #0 @0 scale=1000000 [AWS_KINESISVIDEO_ERROR_CODE=4000;"
                     "AWS_KINESISVIDEO_ERROR_ID=abc-123]\n"
                     "tag AWS_KINESISVIDEO_ERROR_CODE=5000\n"
                     "kvs_error 5000 (none)\n"
                     "start #1 @%zu scale=1000000 [AWS_KINESISVIDEO_ERROR_CODE=5000]\n"
                     "end #1 @%zu scale=1000000 [AWS_KINESISVIDEO_ERROR_CODE=5000]\n"
                     "result push=0 finish=0 err='' offset=%zu\n",
                     a.n, a.n, a.n + b.n));
}

static void want_track_skips_unwanted_blocks(void **state)
{
    (void)state;
    /* track 1 is unwanted; its 100 KB block is bigger than the element cap
     * but is skipped, never buffered, so no error */
    struct blob big = simple_block(1, 1, 0x80, blob_fill(0x55, 100000));
    struct blob in = one_cluster(0, CAT(simple_block(2, 0, 0x80, B(1)), big,
                                        simple_block(2, 2, 0x80, B(2)), simple_block(1, 3, 0, B(3))));
    struct run_opts o = { .cfg = { .max_element_bytes = 1024 }, .unwanted_mask = 1u << 1 };
    const char *log = run_all(in, &o);
    assert_string_equal(log, expectf("start #0 @0 scale=1000000 []\n"
                                     "frame T2 t=0 key=1 lace=0/1 01\n"
                                     "frame T2 t=2000000 key=1 lace=0/1 02\n"
                                     "end #0 @0 scale=1000000 []\n"
                                     "result push=0 finish=0 err='' offset=%zu\n",
                                     in.n));
    /* without want_track every track is wanted */
    struct run_opts all = { .no_want_callback = 1 };
    log = run_all(in, &all);
    assert_has(log, "frame T1 t=1000000 key=1 lace=0/1 <100000 bytes");
    assert_has(log, "frame T1 t=3000000 key=0 lace=0/1 03\n");
}

static void stop_from_on_frame_ends_reading_cleanly(void **state)
{
    (void)state;
    struct blob in = CAT(connect_doc(1, TC, "c-1"), connect_doc(1, TC, "c-2"));
    struct run_opts o = { .stop_at_frame = 2 };
    const char *log = run_all(in, &o);
    const char *tail = strstr(log, "frame T2");
    assert_non_null(tail);
    assert_string_equal(tail, expectf("frame T2 t=%llu000000 key=1 lace=0/1 0304\n"
                                      "result push=1 finish=1 err=''\n",
                                      (unsigned long long)TC));
    /* stop inside a laced block: no further laces */
    mkv_test_setup(NULL);
    struct blob laced = one_cluster(0, el(ID_SimpleBlock, CAT(B(0x81, 0, 0, 0x84, 0x02), B(1, 2, 3))));
    struct run_opts o1 = { .stop_at_frame = 1 };
    log = run_all(laced, &o1);
    assert_string_equal(log, "start #0 @0 scale=1000000 []\n"
                             "frame T1 t=0 key=1 lace=0/3 01\n"
                             "result push=1 finish=1 err=''\n");
}

static void stop_from_on_tag(void **state)
{
    (void)state;
    struct run_opts o = { .stop_at_tag = 4 };
    const char *log = run_all(connect_doc(8, TC, "c-9"), &o);
    assert_has(log, "tag ContactId=c-9\nresult push=1 finish=1 err=''\n");
    assert_null(strstr(log, "MimeType"));
}

static void callback_error_becomes_sticky(void **state)
{
    (void)state;
    struct blob doc = connect_doc(1, TC, "c-1");
    struct run_opts o = { .fail_at_frame = 1 };
    const char *log = run_all(doc, &o);
    assert_has(log, "result push=-5 finish=-5 err='SimpleBlock at offset ");
    assert_has(log, ": on_frame callback failed (-5)'");
    assert_null(strstr(log, "frame T2"));
}

static void unknown_elements_are_skipped_by_size(void **state)
{
    (void)state;
    struct blob junk = el(0x4321, B(0xA3, 0x84, 0x81, 0, 0, 0)); /* looks like a block inside */
    struct blob big_junk = el(0x21ABCD, blob_fill(0x1A, 5000));
    struct blob in = CAT(
        junk, ebml_header(),
        el_unknown(ID_Segment, 1,
                   CAT(junk, el(ID_Cues, blob_fill(0xA3, 20)), info(1000000),
                       el_unknown(ID_Cluster, 1,
                                  CAT(timecode(1), junk, simple_block(1, 0, 0, B(1)), big_junk,
                                      simple_block(1, 1, 0, B(2)))),
                       tags1("T", "v"))),
        junk);
    const char *log = run_all(in, NULL);
    assert_string_equal(log, expectf("start #0 @%zu scale=1000000 []\n"
                                     "frame T1 t=1000000 key=0 lace=0/1 01\n"
                                     "frame T1 t=2000000 key=0 lace=0/1 02\n"
                                     "tag T=v\n"
                                     "end #0 @%zu scale=1000000 [T=v]\n"
                                     "result push=0 finish=0 err='' offset=%zu\n",
                                     junk.n, junk.n, in.n));
}

/* Known elements out of place are skipped, not obeyed: a SimpleBlock in a
 * Tags element or a TrackEntry inside a Cluster. */
static void misplaced_elements_are_skipped(void **state)
{
    (void)state;
    struct blob in = CAT(
        ebml_header(),
        el_unknown(ID_Segment, 1,
                   CAT(el(ID_Tags, CAT(simple_block(1, 0, 0, B(0xEE)), el(ID_Tag, simple_tag("A", "b")))),
                       el(ID_Cluster, CAT(timecode(0), audio_track(9, "X", "Y", 1, 1, 1),
                                          simple_block(1, 0, 0, B(1)))))));
    const char *log = run_all(in, NULL);
    assert_string_equal(log, expectf("tag A=b\n"
                                     "start #0 @0 scale=1000000 [A=b]\n"
                                     "frame T1 t=0 key=0 lace=0/1 01\n"
                                     "end #0 @0 scale=1000000 [A=b]\n"
                                     "result push=0 finish=0 err='' offset=%zu\n",
                                     in.n));
}

/* RFC 8794 §6.2: an unknown-size Cluster ends at the next Cluster, at the
 * next EBML header, and where its known-size Segment ends. */
static void unknown_size_cluster_ends(void **state)
{
    (void)state;
    struct blob seg_known = el(ID_Segment, CAT(el_unknown(ID_Cluster, 1, CAT(timecode(7), simple_block(1, 0, 0, B(1)))),
                                               el_unknown(ID_Cluster, 8, CAT(timecode(9), simple_block(1, 0, 0, B(2))))));
    struct blob a = CAT(ebml_header(), seg_known);
    struct blob b = CAT(ebml_header(), el_unknown(ID_Segment, 1,
                                                  el_unknown(ID_Cluster, 1, CAT(timecode(11), simple_block(1, 0, 0, B(3))))));
    struct blob c = CAT(ebml_header(), el_unknown(ID_Segment, 1, tags1("C", "c")));
    struct blob in = CAT(a, b, c);
    const char *log = run_all(in, NULL);
    assert_string_equal(log, expectf("start #0 @0 scale=1000000 []\n"
                                     "frame T1 t=7000000 key=0 lace=0/1 01\n"
                                     "frame T1 t=9000000 key=0 lace=0/1 02\n"
                                     "end #0 @0 scale=1000000 []\n"
                                     "start #1 @%zu scale=1000000 []\n"
                                     "frame T1 t=11000000 key=0 lace=0/1 03\n"
                                     "end #1 @%zu scale=1000000 []\n"
                                     "tag C=c\n"
                                     "start #2 @%zu scale=1000000 [C=c]\n"
                                     "end #2 @%zu scale=1000000 [C=c]\n"
                                     "result push=0 finish=0 err='' offset=%zu\n",
                                     a.n, a.n, a.n + b.n, a.n + b.n, in.n));
}

/* RFC 8794 §6.2: only an element belonging to an ancestor (or a root
 * element) ends an unknown-size Cluster. EBMLVersion belongs to the EBML
 * header, TrackEntry to Tracks: inside a Cluster they are strays, skipped,
 * and the blocks after them stay in the Cluster. */
static void strays_do_not_end_an_unknown_size_cluster(void **state)
{
    (void)state;
    struct blob in = CAT(
        ebml_header(),
        el_unknown(ID_Segment, 1,
                   CAT(el_unknown(ID_Cluster, 8,
                                  CAT(timecode(3), el_uint(ID_EBMLVersion, 1),
                                      simple_block(1, 0, 0, B(1)),
                                      audio_track(5, "X", "Y", 1, 1, 1),
                                      simple_block(1, 1, 0, B(2)))),
                       tags1("A", "b"))));
    const char *log = run_all(in, NULL);
    assert_string_equal(log, expectf("start #0 @0 scale=1000000 []\n"
                                     "frame T1 t=3000000 key=0 lace=0/1 01\n"
                                     "frame T1 t=4000000 key=0 lace=0/1 02\n"
                                     "tag A=b\n"
                                     "end #0 @0 scale=1000000 [A=b]\n"
                                     "result push=0 finish=0 err='' offset=%zu\n",
                                     in.n));
}

/* A known-size Segment ends its fragment at once, not at the next header. */
static void known_size_segment_ends_fragment_at_its_end(void **state)
{
    (void)state;
    struct blob in = CAT(ebml_header(), el(ID_Segment, tags1("A", "1")));
    struct run_opts o = { 0 };
    struct recorder rec;
    struct mkv_reader r;
    recorder_start(&rec, &r, &o);
    assert_int_equal(mkv_reader_push(&r, in.p, in.n), 0);
    /* before mkv_reader_finish */
    assert_string_equal(recorder_log(&rec), "tag A=1\n"
                                            "start #0 @0 scale=1000000 [A=1]\n"
                                            "end #0 @0 scale=1000000 [A=1]\n");
    assert_int_equal(mkv_reader_finish(&r), 0);
    assert_string_equal(recorder_log(&rec), "tag A=1\n"
                                            "start #0 @0 scale=1000000 [A=1]\n"
                                            "end #0 @0 scale=1000000 [A=1]\n");
    mkv_reader_clean_up(&r);
    rec_buf_clean_up(&rec.log, 0);
    /* and the same through every split */
    run_all(in, NULL);
}

/* A Segment without an EBML header still makes a fragment, as does each
 * further Segment. */
static void segments_without_ebml_header(void **state)
{
    (void)state;
    struct blob s1 = el_unknown(ID_Segment, 1, tags1("A", "1"));
    struct blob s2 = el(ID_Segment, tags1("B", "2"));
    const char *log = run_all(CAT(s1, s2), NULL);
    assert_string_equal(log, expectf("tag A=1\n"
                                     "start #0 @0 scale=1000000 [A=1]\n"
                                     "end #0 @0 scale=1000000 [A=1]\n"
                                     "tag B=2\n"
                                     "start #1 @%zu scale=1000000 [B=2]\n"
                                     "end #1 @%zu scale=1000000 [B=2]\n"
                                     "result push=0 finish=0 err='' offset=%zu\n",
                                     s1.n, s1.n, s1.n + s2.n));
}

/* Pushed whole, frames point straight into the caller's bytes (no copy). */
static void frames_point_into_the_pushed_buffer(void **state)
{
    (void)state;
    struct blob in = connect_doc(1, TC, "c-1");
    struct run_opts o = { 0 };
    int in_place = 0;
    free(run_once(in, &o, 0, &in_place));
    assert_int_equal(in_place, 3);
}

static void track_without_optional_fields(void **state)
{
    (void)state;
    struct blob entry = el(ID_TrackEntry, CAT(el_uint(ID_TrackNumber, 3), el(ID_Video, B(0xB0, 0x81, 0x10))));
    struct blob in = CAT(ebml_header(), el_unknown(ID_Segment, 1, tracks(entry)));
    const char *log = run_all(in, NULL);
    assert_has(log, "track 3 type=0 name= codec= priv=- rate=0 ch=0 bits=0\n");
}

static void empty_input_and_api_states(void **state)
{
    (void)state;
    struct mkv_callbacks cb = { 0 };
    struct mkv_reader r;
    assert_int_equal(mkv_reader_init(&r, NULL, &cb), 0);
    assert_int_equal(mkv_reader_push(&r, NULL, 0), 0);
    assert_int_equal(mkv_reader_finish(&r), 0);
    assert_string_equal(mkv_reader_error(&r), "");
    assert_int_equal(mkv_reader_push(&r, (const uint8_t *)"\x1A", 1), REC_ERR_STATE);
    assert_int_equal(mkv_reader_finish(&r), 0);
    mkv_reader_clean_up(&r);
    mkv_reader_clean_up(&r);

    /* reusable after clean_up + init; NULL callbacks are fine */
    struct blob in = connect_doc(8, TC, "c-1");
    assert_int_equal(mkv_reader_init(&r, NULL, &cb), 0);
    assert_int_equal(mkv_reader_push(&r, in.p, in.n), 0);
    assert_int_equal(mkv_reader_finish(&r), 0);
    assert_int_equal(mkv_reader_offset(&r), in.n);
    mkv_reader_clean_up(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(connect_fragment_with_1_byte_unknown_sizes, mkv_test_setup),
        cmocka_unit_test_setup(connect_fragment_with_8_byte_unknown_sizes, mkv_test_setup),
        cmocka_unit_test_setup(known_size_segment_and_cluster, mkv_test_setup),
        cmocka_unit_test_setup(unknown_sizes_of_every_width, mkv_test_setup),
        cmocka_unit_test_setup(documents_back_to_back, mkv_test_setup),
        cmocka_unit_test_setup(fragment_end_comes_at_next_ebml_header, mkv_test_setup),
        cmocka_unit_test_setup(void_crc32_and_seekhead_are_skipped, mkv_test_setup),
        cmocka_unit_test_setup(fragment_start_has_only_tags_before_the_cluster, mkv_test_setup),
        cmocka_unit_test_setup(fragment_without_cluster, mkv_test_setup),
        cmocka_unit_test_setup(nested_simple_tags, mkv_test_setup),
        cmocka_unit_test_setup(block_in_block_group, mkv_test_setup),
        cmocka_unit_test_setup(xiph_lacing, mkv_test_setup),
        cmocka_unit_test_setup(ebml_lacing, mkv_test_setup),
        cmocka_unit_test_setup(fixed_size_lacing, mkv_test_setup),
        cmocka_unit_test_setup(lacing_edge_cases, mkv_test_setup),
        cmocka_unit_test_setup(timecode_scale_and_negative_relative_timecodes, mkv_test_setup),
        cmocka_unit_test_setup(timecode_scale_resets_per_fragment, mkv_test_setup),
        cmocka_unit_test_setup(kvs_error_tags, mkv_test_setup),
        cmocka_unit_test_setup(want_track_skips_unwanted_blocks, mkv_test_setup),
        cmocka_unit_test_setup(stop_from_on_frame_ends_reading_cleanly, mkv_test_setup),
        cmocka_unit_test_setup(stop_from_on_tag, mkv_test_setup),
        cmocka_unit_test_setup(callback_error_becomes_sticky, mkv_test_setup),
        cmocka_unit_test_setup(unknown_elements_are_skipped_by_size, mkv_test_setup),
        cmocka_unit_test_setup(misplaced_elements_are_skipped, mkv_test_setup),
        cmocka_unit_test_setup(unknown_size_cluster_ends, mkv_test_setup),
        cmocka_unit_test_setup(strays_do_not_end_an_unknown_size_cluster, mkv_test_setup),
        cmocka_unit_test_setup(known_size_segment_ends_fragment_at_its_end, mkv_test_setup),
        cmocka_unit_test_setup(segments_without_ebml_header, mkv_test_setup),
        cmocka_unit_test_setup(frames_point_into_the_pushed_buffer, mkv_test_setup),
        cmocka_unit_test_setup(track_without_optional_fields, mkv_test_setup),
        cmocka_unit_test_setup(empty_input_and_api_states, mkv_test_setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

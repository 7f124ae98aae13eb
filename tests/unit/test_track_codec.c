/* Unit tests for track roles and codecs (recorder/track_codec.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "common/error.h"
#include "recorder/track_codec.h"

/* Connect's layout (REFERENCE.md §3), as recorder_tracks_connect has it. */
static const struct track_roles connect = {
    .name = { "AUDIO_FROM_CUSTOMER", "AUDIO_TO_CUSTOMER" },
    .lone_name = "Track_audio/L16",
};

/* A parsed MimeType tag, or NULL for none. */
static const struct track_mime *M(const char *value)
{
    static struct track_mime m;
    if (!value)
        return NULL;
    track_mime_parse(&m, value);
    return &m;
}

static struct track_entry entry(uint64_t number, const char *name, const char *codec)
{
    struct mkv_track_info info = {
        .number = number,
        .type = 2,
        .name = name,
        .codec_id = codec,
        .sampling_frequency = 8000,
        .channels = 1,
    };
    struct track_entry t;
    track_entry_from_info(&t, &info);
    return t;
}

static void roles_by_name_not_number(void **state)
{
    (void)state;
    struct track_entry t[3] = {
        entry(7, "AUDIO_TO_CUSTOMER", "A_AAC"),
        entry(1, "video", "V_MPEG4/ISO/AVC"),
        entry(3, "AUDIO_FROM_CUSTOMER", "A_AAC"),
    };
    t[1].type = 1;
    enum track_role r[3];
    assert_int_equal(track_roles_assign(&connect, t, 3, r), 0);
    assert_int_equal(r[0], TRACK_ROLE_1);
    assert_int_equal(r[1], TRACK_ROLE_NONE);
    assert_int_equal(r[2], TRACK_ROLE_0);
}

static void a_single_old_or_unnamed_audio_track_is_the_customer(void **state)
{
    (void)state;
    enum track_role r[2];
    struct track_entry old = entry(1, "Track_audio/L16", "A_AAC");
    assert_int_equal(track_roles_assign(&connect, &old, 1, r), 0);
    assert_int_equal(r[0], TRACK_ROLE_0);
    struct track_entry unnamed = entry(1, "", "A_PCM/INT/LIT");
    assert_int_equal(track_roles_assign(&connect, &unnamed, 1, r), 0);
    assert_int_equal(r[0], TRACK_ROLE_0);
    /* Another name, or two unnamed audio tracks: nothing to guess from. */
    struct track_entry other = entry(1, "English", "A_PCM/INT/LIT");
    assert_int_equal(track_roles_assign(&connect, &other, 1, r), 0);
    assert_int_equal(r[0], TRACK_ROLE_NONE);
    struct track_entry two[2] = { entry(1, "", "A_PCM/INT/LIT"), entry(2, "", "A_PCM/INT/LIT") };
    assert_int_equal(track_roles_assign(&connect, two, 2, r), 0);
    assert_int_equal(r[0], TRACK_ROLE_NONE);
    assert_int_equal(r[1], TRACK_ROLE_NONE);
}

static void two_tracks_with_one_role_are_invalid(void **state)
{
    (void)state;
    struct track_entry t[2] = { entry(1, "AUDIO_FROM_CUSTOMER", "A_AAC"),
                                entry(2, "AUDIO_FROM_CUSTOMER", "A_AAC") };
    enum track_role r[2];
    assert_int_equal(track_roles_assign(&connect, t, 2, r), REC_ERR_INVALID);
}

static void connect_aac_label_with_l16_mime_is_little_endian_pcm(void **state)
{
    (void)state;
    struct track_entry t = entry(1, "AUDIO_FROM_CUSTOMER", "A_AAC");
    struct track_codec c;
    assert_int_equal(track_codec_resolve(&t, M("audio/L16;rate=8000;channels=1;"), &c), 0);
    assert_int_equal(c.layout, PCM_S16LE);
    assert_int_equal(c.rate, 8000);
    /* rate from the MimeType wins over SamplingFrequency */
    assert_int_equal(track_codec_resolve(&t, M("audio/l16; rate=16000"), &c), 0);
    assert_int_equal(c.rate, 16000);
    /* no rate= : SamplingFrequency; absent too: 8000 */
    t.sampling_frequency = 11025;
    assert_int_equal(track_codec_resolve(&t, M("audio/L16"), &c), 0);
    assert_int_equal(c.rate, 11025);
    t.sampling_frequency = 0;
    assert_int_equal(track_codec_resolve(&t, M("audio/L16;channels=1"), &c), 0);
    assert_int_equal(c.rate, 8000);
}

static void real_aac_and_other_codecs_are_unsupported_with_a_reason(void **state)
{
    (void)state;
    struct track_entry t = entry(1, "AUDIO_FROM_CUSTOMER", "A_AAC");
    struct track_codec c;
    assert_int_equal(track_codec_resolve(&t, M(NULL), &c), REC_ERR_UNSUPPORTED);
    assert_int_equal(c.layout, PCM_NONE);
    assert_non_null(strstr(c.why, "real AAC"));
    assert_int_equal(track_codec_resolve(&t, M("audio/aac"), &c), REC_ERR_UNSUPPORTED);
    assert_non_null(strstr(c.why, "audio/aac"));
    assert_int_equal(track_codec_resolve(&t, M("audio/L16;channels=2"), &c), REC_ERR_UNSUPPORTED);
    assert_non_null(strstr(c.why, "2 channels"));
    struct track_entry v = entry(1, "AUDIO_FROM_CUSTOMER", "A_VORBIS");
    assert_int_equal(track_codec_resolve(&v, M(NULL), &c), REC_ERR_UNSUPPORTED);
    assert_non_null(strstr(c.why, "A_VORBIS"));
    struct track_entry f = entry(1, "", "A_PCM/FLOAT/IEEE");
    assert_int_equal(track_codec_resolve(&f, M(NULL), &c), REC_ERR_UNSUPPORTED);
}

static void pcm_codecs_and_depths(void **state)
{
    (void)state;
    struct track_codec c;
    struct track_entry lit = entry(1, "", "A_PCM/INT/LIT");
    lit.bit_depth = 16;
    lit.sampling_frequency = 44100;
    assert_int_equal(track_codec_resolve(&lit, M("audio/L16;rate=8000"), &c), 0);
    assert_int_equal(c.layout, PCM_S16LE);
    assert_int_equal(c.rate, 44100); /* MimeType matters only for A_AAC */
    struct track_entry big = entry(1, "", "A_PCM/INT/BIG");
    big.bit_depth = 16;
    assert_int_equal(track_codec_resolve(&big, M(NULL), &c), 0);
    assert_int_equal(c.layout, PCM_S16BE);
    big.bit_depth = 24;
    assert_int_equal(track_codec_resolve(&big, M(NULL), &c), REC_ERR_UNSUPPORTED);
    assert_non_null(strstr(c.why, "24-bit"));
    lit.bit_depth = 16;
    lit.channels = 2;
    assert_int_equal(track_codec_resolve(&lit, M(NULL), &c), REC_ERR_UNSUPPORTED);
    lit.channels = 1;
    lit.sampling_frequency = 8000.5;
    assert_int_equal(track_codec_resolve(&lit, M(NULL), &c), REC_ERR_UNSUPPORTED);
}

static struct track_entry acm(const uint8_t *cp, size_t n)
{
    struct mkv_track_info info = { .number = 1, .type = 2, .name = "", .codec_id = "A_MS/ACM",
                                   .codec_private = cp, .codec_private_len = n };
    struct track_entry t;
    track_entry_from_info(&t, &info);
    return t;
}

static void ms_acm_reads_waveformatex(void **state)
{
    (void)state;
    struct track_codec c;
    /* WAVE_FORMAT_PCM, mono, 16000 Hz, 32000 B/s, align 2, 16 bits, cbSize 0 */
    uint8_t pcm[18] = { 1, 0, 1, 0, 0x80, 0x3E, 0, 0, 0, 0x7D, 0, 0, 2, 0, 16, 0, 0, 0 };
    struct track_entry t = acm(pcm, sizeof(pcm));
    assert_int_equal(track_codec_resolve(&t, M(NULL), &c), 0);
    assert_int_equal(c.layout, PCM_S16LE);
    assert_int_equal(c.rate, 16000);
    /* WAVE_FORMAT_EXTENSIBLE with the PCM sub-format GUID */
    uint8_t ext[40] = { 0xFE, 0xFF, 1, 0, 0x40, 0x1F, 0, 0, 0x80, 0x3E, 0, 0, 2, 0, 16, 0,
                        22, 0, 16, 0, 4, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0x10, 0, 0x80, 0,
                        0, 0xAA, 0, 0x38, 0x9B, 0x71 };
    t = acm(ext, sizeof(ext));
    assert_int_equal(track_codec_resolve(&t, M(NULL), &c), 0);
    assert_int_equal(c.rate, 8000);
    ext[24] = 3; /* IEEE float sub-format */
    t = acm(ext, sizeof(ext));
    assert_int_equal(track_codec_resolve(&t, M(NULL), &c), REC_ERR_UNSUPPORTED);
    /* 8-bit PCM, MP3 (0x55), and a CodecPrivate too short */
    pcm[14] = 8;
    t = acm(pcm, sizeof(pcm));
    assert_int_equal(track_codec_resolve(&t, M(NULL), &c), REC_ERR_UNSUPPORTED);
    assert_non_null(strstr(c.why, "8-bit"));
    pcm[14] = 16;
    pcm[0] = 0x55;
    t = acm(pcm, sizeof(pcm));
    assert_int_equal(track_codec_resolve(&t, M(NULL), &c), REC_ERR_UNSUPPORTED);
    t = acm(pcm, 10);
    assert_int_equal(track_codec_resolve(&t, M(NULL), &c), REC_ERR_UNSUPPORTED);
    t = acm(NULL, 0);
    assert_int_equal(track_codec_resolve(&t, M(NULL), &c), REC_ERR_UNSUPPORTED);
}

static void mime_type_parsing(void **state)
{
    (void)state;
    uint32_t rate, ch;
    assert_true(mime_type_is_l16("audio/L16;rate=8000;channels=1;", &rate, &ch));
    assert_int_equal(rate, 8000);
    assert_int_equal(ch, 1);
    assert_true(mime_type_is_l16(" AUDIO/l16 ; Rate = 48000 ; foo=bar", &rate, &ch));
    assert_int_equal(rate, 48000);
    assert_int_equal(ch, 0);
    assert_false(mime_type_is_l16("audio/L16x", &rate, &ch));
    assert_false(mime_type_is_l16("audio/L24;rate=8000", &rate, &ch));
    assert_false(mime_type_is_l16("audio/L16;rate=abc", &rate, &ch));
    assert_false(mime_type_is_l16("audio/L16;rate=0", &rate, &ch));
    assert_false(mime_type_is_l16("audio/L16;rate=8000x", &rate, &ch));
    assert_false(mime_type_is_l16(NULL, &rate, &ch));
}

static void big_endian_blocks_are_byte_swapped(void **state)
{
    (void)state;
    uint8_t be[4] = { 0x12, 0x34, 0xFF, 0xFE };
    uint8_t out[4];
    assert_int_equal(pcm_to_s16le(PCM_S16BE, be, 4, out), 0);
    assert_int_equal(out[0], 0x34);
    assert_int_equal(out[1], 0x12);
    assert_int_equal(out[2], 0xFE);
    assert_int_equal(out[3], 0xFF);
    assert_int_equal(pcm_to_s16le(PCM_S16LE, be, 4, out), 0);
    assert_memory_equal(out, be, 4);
    assert_int_equal(pcm_to_s16le(PCM_S16LE, be, 3, out), REC_ERR_INVALID);
}

static void codec_private_is_cut_safely(void **state)
{
    (void)state;
    static uint8_t cp[1000];
    struct mkv_track_info info = { .number = 1, .type = 2, .name = "", .codec_id = "A_MS/ACM",
                                   .codec_private = cp, .codec_private_len = sizeof(cp) };
    struct track_entry t;
    track_entry_from_info(&t, &info);
    assert_int_equal(t.codec_private_len, sizeof(t.codec_private));
    assert_true(t.codec_private_cut);
}

/* A Name one byte longer than the longest kept would, cut, equal a role
 * name of the longest length: it must match nothing instead. */
static void an_over_long_name_matches_no_role(void **state)
{
    (void)state;
    char role[TRACK_NAME_MAX + 1], longer[TRACK_NAME_MAX + 2];
    memset(role, 'n', sizeof(role) - 1);
    role[sizeof(role) - 1] = '\0';
    memset(longer, 'n', sizeof(longer) - 1);
    longer[sizeof(longer) - 1] = '\0';
    struct track_roles cfg = { .name = { role, "other" } };
    assert_int_equal(track_roles_check(&cfg), 0);
    struct track_entry t[2] = { entry(1, longer, "A_PCM/INT/LIT"), entry(2, "x", "V_VP8") };
    t[1].type = 1;
    t[1].audio = 0;
    assert_true(t[0].name_too_long);
    assert_string_equal(t[0].name, "");
    enum track_role r[2];
    assert_int_equal(track_roles_assign(&cfg, t, 2, r), 0);
    assert_int_equal(r[0], TRACK_ROLE_NONE); /* not role 0, and not "unnamed" either */
    t[0] = entry(1, role, "A_PCM/INT/LIT");
    assert_int_equal(track_roles_assign(&cfg, t, 2, r), 0);
    assert_int_equal(r[0], TRACK_ROLE_0);
    /* A configured name longer than that is refused up front. */
    cfg.name[1] = longer;
    assert_int_equal(track_roles_check(&cfg), REC_ERR_INVALID);
    cfg.name[1] = role;
    assert_int_equal(track_roles_check(&cfg), REC_ERR_INVALID); /* both roles alike */
}

/* A CodecID too long to keep is unsupported, not cut: cut, it could read
 * as a supported one. Whether the track is audio is decided on the whole. */
static void an_over_long_codec_id_is_unsupported(void **state)
{
    (void)state;
    char id[TRACK_CODEC_ID_MAX + 2] = "A_AAC/";
    memset(id + 6, 'x', sizeof(id) - 7);
    id[sizeof(id) - 1] = '\0';
    struct mkv_track_info info = { .number = 1, .type = 0, .name = "", .codec_id = id,
                                   .sampling_frequency = 8000, .channels = 1 };
    struct track_entry t;
    track_entry_from_info(&t, &info);
    assert_true(t.codec_id_too_long);
    assert_true(t.audio);
    assert_false(track_codec_needs_mime(&t));
    struct track_codec c;
    assert_int_equal(track_codec_resolve(&t, M("audio/L16;rate=8000"), &c), REC_ERR_UNSUPPORTED);
    assert_non_null(strstr(c.why, "CodecID longer than"));
    id[TRACK_CODEC_ID_MAX] = '\0'; /* the longest kept */
    track_entry_from_info(&t, &info);
    assert_false(t.codec_id_too_long);
    assert_int_equal(track_codec_resolve(&t, M("audio/L16;rate=8000"), &c), 0);
}

/* The lone-track fallback, made explicit: unnamed or the configured lone
 * name by default, any name when the caller says so (a Chime stream). */
static void a_lone_track_of_any_name_when_configured(void **state)
{
    (void)state;
    struct track_entry chime = entry(1, "ChimeAudio", "A_PCM/INT/LIT");
    enum track_role r[2];
    assert_int_equal(track_roles_assign(&connect, &chime, 1, r), 0);
    assert_int_equal(r[0], TRACK_ROLE_NONE);
    struct track_roles any = { .lone_any_name = 1 };
    assert_int_equal(track_roles_assign(&any, &chime, 1, r), 0);
    assert_int_equal(r[0], TRACK_ROLE_0);
    /* Not when a role name matched, nor with two audio tracks. */
    struct track_entry two[2] = { entry(1, "AUDIO_TO_CUSTOMER", "A_AAC"),
                                  entry(2, "ChimeAudio", "A_AAC") };
    struct track_roles both = connect;
    both.lone_any_name = 1;
    assert_int_equal(track_roles_assign(&both, two, 2, r), 0);
    assert_int_equal(r[0], TRACK_ROLE_1);
    assert_int_equal(r[1], TRACK_ROLE_NONE);
    char text[200];
    track_roles_describe(&connect, text, sizeof(text));
    assert_string_equal(text, "none named AUDIO_FROM_CUSTOMER or AUDIO_TO_CUSTOMER, and no single "
                              "Track_audio/L16 or unnamed audio track");
}

/* A MimeType is parsed whole when read; only its quote in messages is cut. */
static void an_over_long_mime_type_is_parsed_whole(void **state)
{
    (void)state;
    char mime[400] = "audio/L16;rate=16000;x=";
    size_t n = strlen(mime);
    memset(mime + n, 'y', sizeof(mime) - n - 1);
    mime[sizeof(mime) - 1] = '\0';
    struct track_entry t = entry(1, "AUDIO_FROM_CUSTOMER", "A_AAC");
    struct track_codec c;
    assert_int_equal(track_codec_resolve(&t, M(mime), &c), 0);
    assert_int_equal(c.rate, 16000);
    memcpy(mime, "audio/aac", 9);
    assert_int_equal(track_codec_resolve(&t, M(mime), &c), REC_ERR_UNSUPPORTED);
    assert_non_null(strstr(c.why, "...\")"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(roles_by_name_not_number),
        cmocka_unit_test(a_single_old_or_unnamed_audio_track_is_the_customer),
        cmocka_unit_test(two_tracks_with_one_role_are_invalid),
        cmocka_unit_test(connect_aac_label_with_l16_mime_is_little_endian_pcm),
        cmocka_unit_test(real_aac_and_other_codecs_are_unsupported_with_a_reason),
        cmocka_unit_test(pcm_codecs_and_depths),
        cmocka_unit_test(ms_acm_reads_waveformatex),
        cmocka_unit_test(mime_type_parsing),
        cmocka_unit_test(big_endian_blocks_are_byte_swapped),
        cmocka_unit_test(codec_private_is_cut_safely),
        cmocka_unit_test(an_over_long_name_matches_no_role),
        cmocka_unit_test(an_over_long_codec_id_is_unsupported),
        cmocka_unit_test(a_lone_track_of_any_name_when_configured),
        cmocka_unit_test(an_over_long_mime_type_is_parsed_whole),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

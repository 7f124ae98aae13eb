/* Unit tests for connect/object_names: S3 keys as the original names them. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "audio/audio_format.h"
#include "common/error.h"
#include "connect/object_names.h"

static void keys_follow_the_original_layout(void **state)
{
    (void)state;
    char key[256];
    assert_int_equal(object_key("recordings/", 2024, 2, 5, "c-1", CONNECT_AUDIO_FROM_CUSTOMER, 1, "wav", key, sizeof(key)), 0);
    assert_string_equal(key, "recordings/2024/2/5/c-1_audio_from_customer.wav");
    assert_int_equal(object_key("recordings/", 2024, 12, 25, "c-1", CONNECT_AUDIO_TO_CUSTOMER, 1, "wav", key, sizeof(key)), 0);
    assert_string_equal(key, "recordings/2024/12/25/c-1_audio_to_customer.wav");
    assert_int_equal(object_key("", 2024, 1, 1, "c-1", CONNECT_AUDIO_MIXED, 1, "wav", key, sizeof(key)), 0);
    assert_string_equal(key, "2024/1/1/c-1_audio_mixed.wav");
}

static void later_recordings_get_a_suffix_instead_of_overwriting(void **state)
{
    (void)state;
    char key[256];
    assert_int_equal(object_key("p/", 2024, 2, 5, "c-1", CONNECT_AUDIO_FROM_CUSTOMER, 2, "wav", key, sizeof(key)), 0);
    assert_string_equal(key, "p/2024/2/5/c-1_audio_from_customer_2.wav");
    assert_int_equal(object_key("p/", 2024, 2, 5, "c-1", CONNECT_AUDIO_MIXED, 3, "wav", key, sizeof(key)), 0);
    assert_string_equal(key, "p/2024/2/5/c-1_audio_mixed_3.wav");
    char tiny[10];
    assert_int_equal(object_key("p/", 2024, 2, 5, "c-1", CONNECT_AUDIO_MIXED, 1, "wav", tiny, sizeof(tiny)), REC_ERR_LIMIT);
    assert_string_equal(object_attribute_name(CONNECT_AUDIO_MIXED), "audioMixed");
    assert_string_equal(object_attribute_name(CONNECT_AUDIO_FROM_CUSTOMER), "audioFromCustomer");
    assert_string_equal(object_attribute_name(CONNECT_AUDIO_TO_CUSTOMER), "audioToCustomer");
}

static void the_extension_follows_the_output_format(void **state)
{
    (void)state;
    char key[256];
    static const char *const want[AUDIO_FORMATS] = { "p/2025/3/9/c-1_audio_mixed_2.wav", "p/2025/3/9/c-1_audio_mixed_2.flac",
                                                     "p/2025/3/9/c-1_audio_mixed_2.mp3", "p/2025/3/9/c-1_audio_mixed_2.opus" };
    for (int f = 0; f < AUDIO_FORMATS; f++) {
        assert_int_equal(object_key("p/", 2025, 3, 9, "c-1", CONNECT_AUDIO_MIXED, 2,
                                    audio_format_extension((enum audio_format)f), key, sizeof(key)), 0);
        assert_string_equal(key, want[f]);
    }
    assert_string_equal(audio_format_content_type(AUDIO_FORMAT_WAV), "audio/wav");
    assert_string_equal(audio_format_content_type(AUDIO_FORMAT_FLAC), "audio/flac");
    assert_string_equal(audio_format_content_type(AUDIO_FORMAT_MP3), "audio/mpeg");
    assert_string_equal(audio_format_content_type(AUDIO_FORMAT_OPUS), "audio/ogg");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(keys_follow_the_original_layout),
        cmocka_unit_test(later_recordings_get_a_suffix_instead_of_overwriting),
        cmocka_unit_test(the_extension_follows_the_output_format),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

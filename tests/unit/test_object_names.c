/* Unit tests for handler/object_names: S3 keys as the original names them. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "common/error.h"
#include "handler/object_names.h"

static void keys_follow_the_original_layout(void **state)
{
    (void)state;
    char key[256];
    assert_int_equal(object_key("recordings/", 2024, 2, 5, "c-1", RECORDER_OUT_ROLE0, 1, key, sizeof(key)), 0);
    assert_string_equal(key, "recordings/2024/2/5/c-1_audio_from_customer.wav");
    assert_int_equal(object_key("recordings/", 2024, 12, 25, "c-1", RECORDER_OUT_ROLE1, 1, key, sizeof(key)), 0);
    assert_string_equal(key, "recordings/2024/12/25/c-1_audio_to_customer.wav");
    assert_int_equal(object_key("", 2024, 1, 1, "c-1", RECORDER_OUT_MIX, 1, key, sizeof(key)), 0);
    assert_string_equal(key, "2024/1/1/c-1_audio_mixed.wav");
}

static void later_recordings_get_a_suffix_instead_of_overwriting(void **state)
{
    (void)state;
    char key[256];
    assert_int_equal(object_key("p/", 2024, 2, 5, "c-1", RECORDER_OUT_ROLE0, 2, key, sizeof(key)), 0);
    assert_string_equal(key, "p/2024/2/5/c-1_audio_from_customer_2.wav");
    assert_int_equal(object_key("p/", 2024, 2, 5, "c-1", RECORDER_OUT_MIX, 3, key, sizeof(key)), 0);
    assert_string_equal(key, "p/2024/2/5/c-1_audio_mixed_3.wav");
    char tiny[10];
    assert_int_equal(object_key("p/", 2024, 2, 5, "c-1", RECORDER_OUT_MIX, 1, tiny, sizeof(tiny)), REC_ERR_LIMIT);
    assert_string_equal(object_attribute_name(RECORDER_OUT_MIX), "audioMixed");
    assert_string_equal(object_attribute_name(RECORDER_OUT_ROLE0), "audioFromCustomer");
    assert_string_equal(object_attribute_name(RECORDER_OUT_ROLE1), "audioToCustomer");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(keys_follow_the_original_layout),
        cmocka_unit_test(later_recordings_get_a_suffix_instead_of_overwriting),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

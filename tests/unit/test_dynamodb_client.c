/* Unit tests for services/dynamodb_client: attribute values as DynamoDB
 * writes them ("Data type descriptors"). The protocol itself is tested
 * against moto in tests/integration/test_dynamodb_client.py. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <cmocka.h>

#include "common/error.h"
#include "services/dynamodb_client.h"

static void attribute_values_are_typed_and_read_back(void **state)
{
    (void)state;
    cJSON *item = cJSON_CreateObject();
    assert_int_equal(dynamodb_add_s(item, "call_id", "c-1"), 0);
    assert_int_equal(dynamodb_add_n(item, "ttl", -1700000000123LL), 0);
    assert_int_equal(dynamodb_add_bool(item, "done", 1), 0);
    char *text = cJSON_PrintUnformatted(item);
    assert_string_equal(text, "{\"call_id\":{\"S\":\"c-1\"},\"ttl\":{\"N\":\"-1700000000123\"},\"done\":{\"BOOL\":true}}");
    cJSON_free(text);
    assert_string_equal(dynamodb_get_s(item, "call_id"), "c-1");
    assert_null(dynamodb_get_s(item, "ttl")); /* a number is not a string */
    assert_null(dynamodb_get_s(item, "missing"));
    long long n = 0;
    assert_int_equal(dynamodb_get_n(item, "ttl", &n), 0);
    assert_true(n == -1700000000123LL);
    assert_int_equal(dynamodb_get_n(item, "call_id", &n), REC_ERR_NOT_FOUND);
    cJSON *bad = cJSON_Parse("{\"x\":{\"N\":\"1.5\"},\"y\":{\"N\":\"99999999999999999999\"}}");
    assert_int_equal(dynamodb_get_n(bad, "x", &n), REC_ERR_INVALID);
    assert_int_equal(dynamodb_get_n(bad, "y", &n), REC_ERR_INVALID);
    cJSON_Delete(bad);
    cJSON_Delete(item);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(attribute_values_are_typed_and_read_back),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

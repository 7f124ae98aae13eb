/* Unit tests for the DynamoDB UpdateExpression builder: every name through
 * ExpressionAttributeNames, if_not_exists, condition placeholders, and a
 * refused request when nothing was set. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "services/dynamodb_client.h"

static void set_clauses_name_every_attribute(void **state)
{
    (void)state;
    struct dynamodb_update u;
    dynamodb_update_init(&u);
    dynamodb_update_set_s(&u, "status", "ENDED", 0);
    dynamodb_update_set_n(&u, "ttl", 42, 1);
    dynamodb_update_name(&u, "#owner", "owner");
    dynamodb_update_value(&u, ":me", "req-1", 0);
    dynamodb_update_value(&u, ":now", NULL, 7);
    cJSON *req = cJSON_CreateObject();
    assert_int_equal(dynamodb_update_to_request(&u, req), 0);
    char *text = cJSON_PrintUnformatted(req);
    assert_string_equal(text, "{\"UpdateExpression\":\"SET #a0 = :v0, #a1 = if_not_exists(#a1, :v1)\","
                              "\"ExpressionAttributeNames\":{\"#a0\":\"status\",\"#a1\":\"ttl\",\"#owner\":\"owner\"},"
                              "\"ExpressionAttributeValues\":{\":v0\":{\"S\":\"ENDED\"},\":v1\":{\"N\":\"42\"},"
                              "\":me\":{\"S\":\"req-1\"},\":now\":{\"N\":\"7\"}}}");
    cJSON_free(text);
    cJSON_Delete(req);
    dynamodb_update_clean_up(&u);
}

static void nothing_set_is_refused(void **state)
{
    (void)state;
    struct dynamodb_update u;
    dynamodb_update_init(&u);
    cJSON *req = cJSON_CreateObject();
    assert_int_equal(dynamodb_update_to_request(&u, req), REC_ERR_INVALID);
    assert_null(cJSON_GetObjectItem(req, "UpdateExpression"));
    cJSON_Delete(req);
    dynamodb_update_clean_up(&u);
    dynamodb_update_clean_up(&u); /* twice is safe */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(set_clauses_name_every_attribute),
        cmocka_unit_test(nothing_set_is_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

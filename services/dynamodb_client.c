#include "services/dynamodb_client.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TARGET_PREFIX "DynamoDB_20120810."
#define CONTENT_TYPE "application/x-amz-json-1.0"

struct dynamodb_client {
    struct rec_aws_client *http;
};

int dynamodb_client_new(struct dynamodb_client **out, const struct service_options *opt)
{
    struct dynamodb_client *c = calloc(1, sizeof(*c));
    if (!c)
        return REC_ERR_NOMEM;
    int rc = service_client_new(&c->http, "DynamoDB", "dynamodb", 0, opt);
    if (rc) {
        free(c);
        return rc;
    }
    *out = c;
    return 0;
}

void dynamodb_client_destroy(struct dynamodb_client *ddb)
{
    if (!ddb)
        return;
    rec_aws_client_destroy(ddb->http);
    free(ddb);
}

int dynamodb_call(struct dynamodb_client *ddb, const char *operation, const cJSON *request,
                  int64_t deadline_ms, unsigned max_attempts, cJSON **answer,
                  struct rec_error *err)
{
    char target[96];
    if (snprintf(target, sizeof(target), TARGET_PREFIX "%s", operation) >= (int)sizeof(target))
        return rec_error_set(err, REC_ERR_INVALID, 0, "DynamoDB operation name too long");
    struct service_json_request req = {
        .operation = operation, .path = "/", .target = target, .content_type = CONTENT_TYPE,
        .body = request, .deadline_ms = deadline_ms, .max_attempts = max_attempts,
    };
    struct rec_aws_response resp;
    rec_aws_response_init(&resp);
    struct rec_error local;
    rec_error_clear(&local);
    int rc = service_json_send(ddb->http, &req, &resp, answer, &local);
    if (rc == REC_ERR_AWS && strcmp(resp.error_code, "ConditionalCheckFailedException") == 0) {
        rc = REC_ERR_CONDITION;
        local.code = REC_ERR_CONDITION;
        local.retriable = 0;
    }
    rec_error_wrap(err, &local, NULL);
    rec_aws_response_clean_up(&resp);
    return rc;
}

/* Builds {type: payload}, taking payload; NULL (payload freed) on failure. */
static cJSON *typed(const char *type, cJSON *payload)
{
    cJSON *attr = cJSON_CreateObject();
    if (!attr || !payload || !cJSON_AddItemToObject(attr, type, payload)) {
        cJSON_Delete(attr);
        cJSON_Delete(payload);
        return NULL;
    }
    return attr;
}

static int add_typed(cJSON *map, const char *name, const char *type, cJSON *value)
{
    cJSON *attr = typed(type, value);
    if (!attr || !cJSON_AddItemToObject(map, name, attr)) {
        cJSON_Delete(attr);
        return REC_ERR_NOMEM;
    }
    return 0;
}

int dynamodb_add_s(cJSON *map, const char *name, const char *value)
{
    return add_typed(map, name, "S", cJSON_CreateString(value));
}

int dynamodb_add_n(cJSON *map, const char *name, long long value)
{
    char text[32];
    snprintf(text, sizeof(text), "%lld", value);
    return add_typed(map, name, "N", cJSON_CreateString(text));
}

int dynamodb_add_bool(cJSON *map, const char *name, int value)
{
    return add_typed(map, name, "BOOL", cJSON_CreateBool(value));
}

const char *dynamodb_get_s(const cJSON *item, const char *name)
{
    return service_json_string(cJSON_GetObjectItemCaseSensitive(item, name), "S");
}

int dynamodb_get_n(const cJSON *item, const char *name, long long *out)
{
    const char *text = service_json_string(cJSON_GetObjectItemCaseSensitive(item, name), "N");
    if (!text)
        return REC_ERR_NOT_FOUND;
    char *end = NULL;
    errno = 0;
    long long v = strtoll(text, &end, 10);
    if (errno || end == text || *end)
        return REC_ERR_INVALID;
    *out = v;
    return 0;
}

/* ---- UpdateExpression builder -------------------------------------------- */

#define UPDATE_EXPRESSION_MAX 4096

void dynamodb_update_init(struct dynamodb_update *u)
{
    memset(u, 0, sizeof(*u));
    u->names = cJSON_CreateObject();
    u->values = cJSON_CreateObject();
    u->failed = !u->names || !u->values ? REC_ERR_NOMEM : 0;
    rec_buf_init(&u->expr, UPDATE_EXPRESSION_MAX);
}

void dynamodb_update_clean_up(struct dynamodb_update *u)
{
    cJSON_Delete(u->names);
    cJSON_Delete(u->values);
    u->names = u->values = NULL;
    rec_buf_clean_up(&u->expr, 0);
}

/* Names the next attribute and writes its clause; the value's placeholder
 * goes to *value (":vN"). */
static void set_clause(struct dynamodb_update *u, const char *name, int if_not_exists, char *value,
                       size_t cap)
{
    char alias[16];
    snprintf(alias, sizeof(alias), "#a%u", u->n);
    snprintf(value, cap, ":v%u", u->n);
    u->n++;
    if (u->failed)
        return;
    if (!cJSON_AddStringToObject(u->names, alias, name)) {
        u->failed = REC_ERR_NOMEM;
        return;
    }
    int rc = if_not_exists
                 ? rec_buf_printf(&u->expr, "%s%s = if_not_exists(%s, %s)", u->n > 1 ? ", " : "SET ",
                                  alias, alias, value)
                 : rec_buf_printf(&u->expr, "%s%s = %s", u->n > 1 ? ", " : "SET ", alias, value);
    if (rc)
        u->failed = rc;
}

void dynamodb_update_set_s(struct dynamodb_update *u, const char *name, const char *value,
                           int if_not_exists)
{
    char v[16];
    set_clause(u, name, if_not_exists, v, sizeof(v));
    if (!u->failed && dynamodb_add_s(u->values, v, value))
        u->failed = REC_ERR_NOMEM;
}

void dynamodb_update_set_n(struct dynamodb_update *u, const char *name, long long value,
                           int if_not_exists)
{
    char v[16];
    set_clause(u, name, if_not_exists, v, sizeof(v));
    if (!u->failed && dynamodb_add_n(u->values, v, value))
        u->failed = REC_ERR_NOMEM;
}

void dynamodb_update_value(struct dynamodb_update *u, const char *placeholder, const char *text,
                           long long number)
{
    if (u->failed)
        return;
    int rc = text ? dynamodb_add_s(u->values, placeholder, text)
                  : dynamodb_add_n(u->values, placeholder, number);
    if (rc)
        u->failed = rc;
}

void dynamodb_update_name(struct dynamodb_update *u, const char *placeholder, const char *name)
{
    if (!u->failed && !cJSON_AddStringToObject(u->names, placeholder, name))
        u->failed = REC_ERR_NOMEM;
}

int dynamodb_update_to_request(struct dynamodb_update *u, cJSON *request)
{
    if (u->failed)
        return u->failed;
    if (!u->n || !u->expr.data)
        return REC_ERR_INVALID;
    if (!cJSON_AddStringToObject(request, "UpdateExpression", u->expr.data))
        return REC_ERR_NOMEM;
    cJSON_AddItemToObject(request, "ExpressionAttributeNames", u->names);
    cJSON_AddItemToObject(request, "ExpressionAttributeValues", u->values);
    u->names = u->values = NULL;
    return 0;
}

/* ---- plain JSON <-> attribute values ---- */

#define PLAIN_DEPTH_MAX 32

/* A new array (array non-zero) or object of convert(member, depth + 1) for
 * each member of src, names kept; NULL when any conversion or allocation
 * fails (nothing leaks). */
static cJSON *convert_members(const cJSON *src, int array, cJSON *(*convert)(const cJSON *, int),
                              int depth)
{
    cJSON *out = array ? cJSON_CreateArray() : cJSON_CreateObject();
    const cJSON *el;
    cJSON_ArrayForEach(el, src)
    {
        cJSON *v = convert(el, depth + 1);
        if (!v || !out || !(array ? cJSON_AddItemToArray(out, v) : cJSON_AddItemToObject(out, el->string, v))) {
            cJSON_Delete(v);
            cJSON_Delete(out);
            return NULL;
        }
    }
    return out;
}

static cJSON *value_of(const cJSON *plain, int depth)
{
    if (depth > PLAIN_DEPTH_MAX)
        return NULL;
    if (cJSON_IsString(plain))
        return typed("S", cJSON_CreateString(plain->valuestring));
    if (cJSON_IsBool(plain))
        return typed("BOOL", cJSON_CreateBool(cJSON_IsTrue(plain)));
    if (cJSON_IsNull(plain))
        return typed("NULL", cJSON_CreateTrue());
    if (cJSON_IsNumber(plain)) {
        char text[40];
        snprintf(text, sizeof(text), "%.17g", plain->valuedouble);
        return typed("N", cJSON_CreateString(text));
    }
    int array = cJSON_IsArray(plain);
    if (!array && !cJSON_IsObject(plain))
        return NULL;
    return typed(array ? "L" : "M", convert_members(plain, array, value_of, depth));
}

cJSON *dynamodb_value_of(const cJSON *plain)
{
    return value_of(plain, 0);
}

static cJSON *plain_of(const cJSON *attr, int depth)
{
    const cJSON *v = attr ? attr->child : NULL;
    if (depth > PLAIN_DEPTH_MAX || !cJSON_IsObject(attr) || !v || v->next)
        return NULL;
    const char *t = v->string;
    if (strcmp(t, "S") == 0 && cJSON_IsString(v))
        return cJSON_CreateString(v->valuestring);
    if (strcmp(t, "N") == 0 && cJSON_IsString(v))
        return cJSON_CreateNumber(strtod(v->valuestring, NULL));
    if (strcmp(t, "BOOL") == 0 && cJSON_IsBool(v))
        return cJSON_CreateBool(cJSON_IsTrue(v));
    if (strcmp(t, "NULL") == 0)
        return cJSON_CreateNull();
    int array = strcmp(t, "L") == 0 && cJSON_IsArray(v);
    if (!array && !(strcmp(t, "M") == 0 && cJSON_IsObject(v)))
        return NULL;
    return convert_members(v, array, plain_of, depth);
}

cJSON *dynamodb_plain_of(const cJSON *attr)
{
    return plain_of(attr, 0);
}

cJSON *dynamodb_item_plain(const cJSON *item)
{
    cJSON map = { .type = cJSON_Object, .child = item ? item->child : NULL, .string = "M" };
    cJSON attr = { .type = cJSON_Object, .child = &map };
    return cJSON_IsObject(item) ? plain_of(&attr, 0) : NULL;
}

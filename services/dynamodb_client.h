/*
 * An Amazon DynamoDB client: the JSON 1.0 protocol over the request layer.
 *
 * Rule sources: Amazon DynamoDB API Reference, "PutItem", "UpdateItem",
 * "GetItem", "DeleteItem", "Query" (POST / with X-Amz-Target
 * DynamoDB_20120810.<Operation> and Content-Type
 * application/x-amz-json-1.0; errors as {"__type":"...#Code","message":...},
 * or XML from some front ends; ConditionalCheckFailedException when a
 * ConditionExpression is false); "Data type descriptors" (an attribute value
 * is {"S":"text"}, {"N":"123"}, {"BOOL":true}, {"M":{...}}, {"L":[...]}).
 * ../shared/SIBLINGS.md §0.2.
 *
 * The caller builds each request document with cJSON (TableName, Key, Item,
 * expressions) using the attribute-value helpers below, and reads the answer
 * document; the client knows the protocol, not our tables.
 */
#ifndef REC_SERVICES_DYNAMODB_CLIENT_H
#define REC_SERVICES_DYNAMODB_CLIENT_H

#include <stdint.h>

#include <cjson/cJSON.h>

#include "common/buf.h"
#include "common/error.h"
#include "services/service.h"

struct dynamodb_client;

/* Creates the client (endpoint override AWS_ENDPOINT_URL_DYNAMODB, then
 * AWS_ENDPOINT_URL). opt may be NULL (everything from the environment).
 * Returns 0 or service_client_new's error. Destroy with
 * dynamodb_client_destroy (NULL ok). */
int dynamodb_client_new(struct dynamodb_client **out, const struct service_options *opt);
void dynamodb_client_destroy(struct dynamodb_client *ddb);

/* Sends one operation ("PutItem", "UpdateItem", "GetItem", "DeleteItem",
 * "Query", ...) with the request document (borrowed; NULL means the caller
 * ran out of memory building it: REC_ERR_NOMEM, nothing sent). deadline_ms
 * is absolute epoch ms (0: none); max_attempts limits tries (0: the
 * request layer's policy). With answer non-NULL, *answer is the answer
 * document (the caller frees it with cJSON_Delete).
 * Returns 0; REC_ERR_CONDITION when the service answered
 * ConditionalCheckFailedException (err filled, not retriable: the item is
 * not as the condition wanted); otherwise service_json_send's errors
 * (throttling and 5xx retriable, other 4xx not). */
int dynamodb_call(struct dynamodb_client *ddb, const char *operation, const cJSON *request,
                  int64_t deadline_ms, unsigned max_attempts, cJSON **answer,
                  struct rec_error *err);

/* Adds name = {"S": value} to an item, key or ExpressionAttributeValues
 * map. Returns 0 or REC_ERR_NOMEM. */
int dynamodb_add_s(cJSON *map, const char *name, const char *value);

/* Adds name = {"N": "<value>"} (DynamoDB numbers travel as decimal text). */
int dynamodb_add_n(cJSON *map, const char *name, long long value);

/* Adds name = {"BOOL": value}. */
int dynamodb_add_bool(cJSON *map, const char *name, int value);

/* The text of an {"S": ...} attribute of item, or NULL when it is missing
 * or of another type. Owned by item. */
const char *dynamodb_get_s(const cJSON *item, const char *name);

/* Reads an {"N": ...} attribute that holds an integer into *out. Returns 0,
 * REC_ERR_NOT_FOUND (missing or another type) or REC_ERR_INVALID (not an
 * integer that fits in long long). */
int dynamodb_get_n(const cJSON *item, const char *name, long long *out);

/* ---- UpdateExpression builder -------------------------------------------- */

/* An UpdateItem's "SET" clause built one attribute at a time, every name
 * through ExpressionAttributeNames (#a0, #a1, ...) so reserved words
 * (status, state, owner, ttl, ...) need no thought, every value through
 * ExpressionAttributeValues (:v0, ...). Rule source: Amazon DynamoDB
 * Developer Guide, "Update expressions" (SET, if_not_exists) and "Reserved
 * words". Storage: the caller's (dynamodb_update_init / _clean_up); the
 * expression is capped at 4 KiB (DynamoDB's own limit on an expression). */
struct dynamodb_update {
    cJSON *names;  /* ExpressionAttributeNames, owned */
    cJSON *values; /* ExpressionAttributeValues, owned */
    struct rec_buf expr;
    unsigned n;    /* attributes set so far */
    int failed;    /* an add failed (out of memory, the cap): the request is refused */
};

void dynamodb_update_init(struct dynamodb_update *u);
void dynamodb_update_clean_up(struct dynamodb_update *u);

/* SET name = value ({"S": value}); if_not_exists: keep a value already
 * stored (SET name = if_not_exists(name, value)). A failure is remembered
 * and reported by dynamodb_update_to_request. */
void dynamodb_update_set_s(struct dynamodb_update *u, const char *name, const char *value,
                           int if_not_exists);

/* SET name = value ({"N": "<value>"}); as dynamodb_update_set_s. */
void dynamodb_update_set_n(struct dynamodb_update *u, const char *name, long long value,
                           int if_not_exists);

/* Adds a value the caller's ConditionExpression names as placeholder
 * (":now"), to the same ExpressionAttributeValues; {"S"} when text is
 * non-NULL, else {"N": number}. */
void dynamodb_update_value(struct dynamodb_update *u, const char *placeholder, const char *text,
                           long long number);

/* Adds a name the caller's ConditionExpression names as placeholder
 * ("#owner"). */
void dynamodb_update_name(struct dynamodb_update *u, const char *placeholder, const char *name);

/* Moves UpdateExpression, ExpressionAttributeNames and
 * ExpressionAttributeValues into request (u is left empty). Returns 0,
 * REC_ERR_INVALID when nothing was set, REC_ERR_NOMEM or REC_ERR_LIMIT when
 * an add failed. */
int dynamodb_update_to_request(struct dynamodb_update *u, cJSON *request);
/* ---- plain JSON <-> attribute values (video call recording) ----
 * What the SDKs' document clients do (AWS SDK for JavaScript v2
 * DynamoDB.DocumentClient, which wrote the seed 004 table): strings S,
 * numbers N, true/false BOOL, null NULL, arrays L, objects M. */

/* The attribute value of a plain JSON value (a new tree the caller frees
 * with cJSON_Delete), or NULL when out of memory or nested deeper than 32. */
cJSON *dynamodb_value_of(const cJSON *plain);

/* The plain JSON of an attribute value (new tree, cJSON_Delete), or NULL
 * when attr is not one of the types above (sets and B are not used here),
 * is nested deeper than 32, or memory ran out. */
cJSON *dynamodb_plain_of(const cJSON *attr);

/* The plain JSON object of a whole item (GetItem's Item, one of Query's
 * Items): each attribute as dynamodb_plain_of. New tree (cJSON_Delete), or
 * NULL as dynamodb_plain_of. */
cJSON *dynamodb_item_plain(const cJSON *item);

#endif

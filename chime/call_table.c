#include "chime/call_table.h"

#include <stdio.h>
#include <string.h>

#include "common/bytes.h"

/* DynamoDB retries inside the request layer's policy; these calls are small. */
#define TABLE_ATTEMPTS 0

int chime_leg_key(enum chime_side side, const char *stream_arn, char *out, size_t cap)
{
    if (side != CHIME_SIDE_UNKNOWN)
        return rec_str_copy(out, cap, side == CHIME_SIDE_CALLER ? "1" : "0") ? REC_ERR_LIMIT : 0;
    if (snprintf(out, cap, "?%s", stream_arn) >= (int)cap) {
        out[0] = '\0';
        return REC_ERR_LIMIT;
    }
    return 0;
}

/* ---- reading items ------------------------------------------------------------ */

static int copy_attr(const cJSON *item, const char *name, char *dst, size_t cap, struct rec_error *err)
{
    const char *v = dynamodb_get_s(item, name);
    if (rec_str_copy(dst, cap, v))
        return rec_error_set(err, REC_ERR_INVALID, 0, "the call table's %s is longer than %zu bytes",
                             name, cap - 1);
    return 0;
}

static int leg_from_item(const cJSON *item, const char *key, struct chime_leg *leg, struct rec_error *err)
{
    memset(leg, 0, sizeof(*leg));
    leg->side = strcmp(key, "1") == 0   ? CHIME_SIDE_CALLER
                : strcmp(key, "0") == 0 ? CHIME_SIDE_OTHER
                                        : CHIME_SIDE_UNKNOWN;
    const char *status = dynamodb_get_s(item, "status");
    leg->ended = status && strcmp(status, "ENDED") == 0;
    int rc = 0;
    REC_TRY(copy_attr(item, "stream_arn", leg->stream_arn, sizeof(leg->stream_arn), err));
    REC_TRY(copy_attr(item, "transaction_id", leg->transaction_id, sizeof(leg->transaction_id), err));
    REC_TRY(copy_attr(item, "start_fragment", leg->start_fragment, sizeof(leg->start_fragment), err));
    REC_TRY(copy_attr(item, "end_fragment", leg->end_fragment, sizeof(leg->end_fragment), err));
    REC_TRY(copy_attr(item, "start_time_iso", leg->start_time, sizeof(leg->start_time), err));
    REC_TRY(copy_attr(item, "end_time_iso", leg->end_time, sizeof(leg->end_time), err));
    REC_TRY(copy_attr(item, "account", leg->account, sizeof(leg->account), err));
    REC_TRY(copy_attr(item, "direction", leg->direction, sizeof(leg->direction), err));
    REC_TRY(copy_attr(item, "from_number", leg->from_number, sizeof(leg->from_number), err));
    REC_TRY(copy_attr(item, "to_number", leg->to_number, sizeof(leg->to_number), err));
    REC_TRY(copy_attr(item, "voice_connector_id", leg->voice_connector_id,
                      sizeof(leg->voice_connector_id), err));
cleanup:
    return rc;
}

#define FILL(field)                                   \
    do {                                              \
        if (!into->field[0])                          \
            memcpy(into->field, from->field, sizeof(into->field)); \
    } while (0)

/* One stream stored under two keys: one leg, the ENDED's end and the known side. */
static void merge_leg(struct chime_leg *into, const struct chime_leg *from)
{
    if (into->side == CHIME_SIDE_UNKNOWN)
        into->side = from->side;
    if (from->ended && !into->ended) {
        into->ended = 1;
        memcpy(into->end_fragment, from->end_fragment, sizeof(into->end_fragment));
        memcpy(into->end_time, from->end_time, sizeof(into->end_time));
    }
    FILL(transaction_id);
    FILL(start_fragment);
    FILL(start_time);
    FILL(account);
    FILL(direction);
    FILL(from_number);
    FILL(to_number);
    FILL(voice_connector_id);
}

static void add_leg(struct chime_call *call, const struct chime_leg *leg)
{
    for (size_t i = 0; i < call->n_legs; i++) {
        if (strcmp(call->legs[i].stream_arn, leg->stream_arn) == 0) {
            merge_leg(&call->legs[i], leg);
            return;
        }
    }
    if (call->n_legs == CHIME_MAX_LEGS) {
        call->ignored_legs++;
        return;
    }
    call->legs[call->n_legs++] = *leg;
}

static void read_claim(const cJSON *item, struct chime_call *call)
{
    const char *state = dynamodb_get_s(item, "state");
    long long lease = 0;
    dynamodb_get_n(item, "lease_until", &lease);
    call->lease_until_ms = lease;
    call->claim = !state                           ? CHIME_CLAIM_NONE
                  : strcmp(state, "done") == 0     ? CHIME_CLAIM_DONE
                  : strcmp(state, "claimed") == 0  ? CHIME_CLAIM_HELD
                                                   : CHIME_CLAIM_FAILED;
}

int chime_call_from_items(const cJSON *items, struct chime_call *call, struct rec_error *err)
{
    memset(call, 0, sizeof(*call));
    const cJSON *item;
    cJSON_ArrayForEach(item, items)
    {
        const char *key = dynamodb_get_s(item, "is_caller");
        if (!key)
            continue;
        if (strcmp(key, CHIME_CLAIM_KEY) == 0) {
            read_claim(item, call);
            continue;
        }
        if (key[0] == '#' || !dynamodb_get_s(item, "stream_arn"))
            continue;
        struct chime_leg leg;
        int rc = leg_from_item(item, key, &leg, err);
        if (rc)
            return rc;
        add_leg(call, &leg);
    }
    return 0;
}

int chime_call_ready(const struct chime_call *call, const struct chime_leg **a,
                     const struct chime_leg **b)
{
    static const enum chime_side order[] = { CHIME_SIDE_CALLER, CHIME_SIDE_OTHER, CHIME_SIDE_UNKNOWN };
    const struct chime_leg *found[2] = { NULL, NULL };
    int n = 0;
    for (size_t o = 0; o < 3 && n < 2; o++)
        for (size_t i = 0; i < call->n_legs && n < 2; i++)
            if (call->legs[i].ended && call->legs[i].side == order[o])
                found[n++] = &call->legs[i];
    if (n < 2)
        return 0;
    *a = found[0];
    *b = found[1];
    return 1;
}

/* ---- writing ------------------------------------------------------------------ */

static cJSON *keyed_request(const struct chime_table *t, const char *call_id, const char *sort_key)
{
    cJSON *req = cJSON_CreateObject();
    cJSON *key = req ? cJSON_AddObjectToObject(req, "Key") : NULL;
    if (!key || !cJSON_AddStringToObject(req, "TableName", t->name) ||
        dynamodb_add_s(key, "call_id", call_id) || dynamodb_add_s(key, "is_caller", sort_key)) {
        cJSON_Delete(req);
        return NULL;
    }
    return req;
}

/* Sends an UpdateItem of u on call_id/sort_key (condition: NULL or a
 * ConditionExpression over u's names and values). */
static int send_update(const struct chime_table *t, const char *call_id, const char *sort_key,
                       struct dynamodb_update *u, const char *condition, int64_t deadline_ms,
                       struct rec_error *err)
{
    cJSON *req = keyed_request(t, call_id, sort_key);
    int rc = req ? dynamodb_update_to_request(u, req) : REC_ERR_NOMEM;
    if (!rc && condition && !cJSON_AddStringToObject(req, "ConditionExpression", condition))
        rc = REC_ERR_NOMEM;
    if (rc)
        rc = rec_error_set(err, rc, rc == REC_ERR_NOMEM, "UpdateItem: cannot build the request: %s",
                           rec_strerror(rc));
    else
        rc = dynamodb_call(t->ddb, "UpdateItem", req, deadline_ms, TABLE_ATTEMPTS, NULL, err);
    cJSON_Delete(req);
    dynamodb_update_clean_up(u);
    return rc;
}

static void set_if(struct dynamodb_update *u, const char *name, const char *value)
{
    if (value && *value)
        dynamodb_update_set_s(u, name, value, 0);
}

int chime_table_store_leg(const struct chime_table *t, const struct chime_vc_event *e, int64_t now_ms,
                          int64_t deadline_ms, struct rec_error *err)
{
    char key[CHIME_LEG_KEY_MAX + 1];
    if (chime_leg_key(e->side, e->stream_arn, key, sizeof(key)))
        return rec_error_set(err, REC_ERR_LIMIT, 0, "the leg's sort key is too long");
    int ended = e->status == CHIME_VC_ENDED;
    struct dynamodb_update u;
    dynamodb_update_init(&u);
    dynamodb_update_set_s(&u, "stream_arn", e->stream_arn, 0);
    dynamodb_update_set_s(&u, "start_fragment", e->start_fragment, 0);
    set_if(&u, "transaction_id", e->transaction_id);
    set_if(&u, "start_time_iso", e->start_time.text);
    if (e->start_time.has_ms) /* the seed's start_time: whole epoch seconds */
        dynamodb_update_set_n(&u, "start_time", e->start_time.ms / 1000, 0);
    set_if(&u, "account", e->account);
    set_if(&u, "direction", e->direction);
    set_if(&u, "from_number", e->from_number);
    set_if(&u, "to_number", e->to_number);
    set_if(&u, "voice_connector_id", e->voice_connector_id);
    if (ended) {
        set_if(&u, "end_fragment", e->current_fragment);
        set_if(&u, "end_time_iso", e->end_time.text);
    }
    /* A STARTED after its ENDED must not make the leg look unfinished. */
    dynamodb_update_set_s(&u, "status", ended ? "ENDED" : "STARTED", !ended);
    dynamodb_update_set_n(&u, "ttl", now_ms / 1000 + t->ttl_seconds, 0);
    return send_update(t, e->call_id, key, &u, NULL, deadline_ms, err);
}

int chime_table_store_failure(const struct chime_table *t, const struct chime_vc_event *e,
                              int64_t now_ms, int64_t deadline_ms, struct rec_error *err)
{
    struct dynamodb_update u;
    dynamodb_update_init(&u);
    dynamodb_update_set_s(&u, "status", "FAILED", 0);
    set_if(&u, "transaction_id", e->transaction_id);
    set_if(&u, "failure_reason", e->failure_reason);
    set_if(&u, "fail_time_iso", e->fail_time.text);
    dynamodb_update_set_n(&u, "ttl", now_ms / 1000 + t->ttl_seconds, 0);
    return send_update(t, e->call_id, CHIME_CALL_KEY, &u, NULL, deadline_ms, err);
}

int chime_table_read(const struct chime_table *t, const char *call_id, int64_t deadline_ms,
                     struct chime_call *call, struct rec_error *err)
{
    cJSON *answer = NULL;
    cJSON *req = cJSON_CreateObject();
    cJSON *values = req ? cJSON_AddObjectToObject(req, "ExpressionAttributeValues") : NULL;
    int rc = REC_ERR_NOMEM;
    if (!values || !cJSON_AddStringToObject(req, "TableName", t->name) ||
        !cJSON_AddStringToObject(req, "KeyConditionExpression", "call_id = :c") ||
        !cJSON_AddBoolToObject(req, "ConsistentRead", 1) || dynamodb_add_s(values, ":c", call_id)) {
        rec_error_set(err, rc, 1, "Query: out of memory");
        goto cleanup;
    }
    /* A call has a handful of small items: one page (1 MB) holds them. */
    rc = dynamodb_call(t->ddb, "Query", req, deadline_ms, TABLE_ATTEMPTS, &answer, err);
    if (!rc)
        rc = chime_call_from_items(cJSON_GetObjectItemCaseSensitive(answer, "Items"), call, err);
cleanup:
    cJSON_Delete(answer);
    cJSON_Delete(req);
    return rc;
}

int chime_table_claim(const struct chime_table *t, const char *call_id, const char *owner,
                      int64_t now_ms, int64_t lease_until_ms, int64_t deadline_ms,
                      struct rec_error *err)
{
    cJSON *req = cJSON_CreateObject();
    cJSON *item = req ? cJSON_AddObjectToObject(req, "Item") : NULL;
    cJSON *names = req ? cJSON_AddObjectToObject(req, "ExpressionAttributeNames") : NULL;
    cJSON *values = req ? cJSON_AddObjectToObject(req, "ExpressionAttributeValues") : NULL;
    int rc = REC_ERR_NOMEM;
    if (!item || !names || !values || !cJSON_AddStringToObject(req, "TableName", t->name) ||
        dynamodb_add_s(item, "call_id", call_id) || dynamodb_add_s(item, "is_caller", CHIME_CLAIM_KEY) ||
        dynamodb_add_s(item, "state", "claimed") || dynamodb_add_s(item, "owner", owner) ||
        dynamodb_add_n(item, "lease_until", lease_until_ms) ||
        dynamodb_add_n(item, "ttl", now_ms / 1000 + t->ttl_seconds) ||
        !cJSON_AddStringToObject(req, "ConditionExpression",
                                 "attribute_not_exists(call_id) OR #st = :failed OR "
                                 "(#st = :claimed AND #lease < :now)") ||
        !cJSON_AddStringToObject(names, "#st", "state") ||
        !cJSON_AddStringToObject(names, "#lease", "lease_until") ||
        dynamodb_add_s(values, ":failed", "failed") || dynamodb_add_s(values, ":claimed", "claimed") ||
        dynamodb_add_n(values, ":now", now_ms)) {
        rec_error_set(err, rc, 1, "PutItem: out of memory");
        goto cleanup;
    }
    rc = dynamodb_call(t->ddb, "PutItem", req, deadline_ms, TABLE_ATTEMPTS, NULL, err);
cleanup:
    cJSON_Delete(req);
    return rc;
}

int chime_table_end_claim(const struct chime_table *t, const char *call_id, const char *owner,
                          int done, const char *wav_key, const char *json_key, const char *reason,
                          int64_t now_ms, int64_t deadline_ms, struct rec_error *err)
{
    struct dynamodb_update u;
    dynamodb_update_init(&u);
    dynamodb_update_set_s(&u, "state", done ? "done" : "failed", 0);
    set_if(&u, "wav_key", wav_key);
    set_if(&u, "json_key", json_key);
    set_if(&u, "reason", reason);
    dynamodb_update_set_n(&u, done ? "recorded_at" : "released_at", now_ms, 0);
    dynamodb_update_name(&u, "#owner", "owner");
    dynamodb_update_value(&u, ":me", owner, 0);
    return send_update(t, call_id, CHIME_CLAIM_KEY, &u, "#owner = :me", deadline_ms, err);
}

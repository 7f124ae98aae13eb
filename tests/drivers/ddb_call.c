/*
 * Test driver: one DynamoDB operation through services/dynamodb_client.h,
 * configured only from the environment as the Lambda function is.
 *
 *   ddb_call [--max-attempts N] OPERATION < request.json
 *
 * Prints one JSON line: rc, error, code (the record's message), retriable,
 * answer (the answer document or null). Exit status 0 on success, 1 on a
 * failed call, 2 for bad usage.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "aws/http.h"
#include "common/error.h"
#include "common/log.h"
#include "services/dynamodb_client.h"

static char *read_stdin(void)
{
    size_t cap = 1 << 16, len = 0;
    char *buf = malloc(cap);
    size_t n;
    while (buf && (n = fread(buf + len, 1, cap - len - 1, stdin)) > 0) {
        len += n;
        if (len + 1 == cap) {
            char *p = realloc(buf, cap *= 2);
            if (!p) {
                free(buf);
                return NULL;
            }
            buf = p;
        }
    }
    if (buf)
        buf[len] = '\0';
    return buf;
}

int main(int argc, char **argv)
{
    unsigned max_attempts = 0;
    int i = 1;
    if (argc > 2 && strcmp(argv[1], "--max-attempts") == 0) {
        max_attempts = (unsigned)atoi(argv[2]);
        i = 3;
    }
    if (i + 1 != argc) {
        fprintf(stderr, "usage: ddb_call [--max-attempts N] OPERATION < request.json\n");
        return 2;
    }
    rec_log_init_from_env();
    rec_http_global_init();
    char *text = read_stdin();
    cJSON *request = text ? cJSON_Parse(text) : NULL;
    free(text);
    struct dynamodb_client *ddb = NULL;
    struct rec_error err;
    rec_error_clear(&err);
    cJSON *answer = NULL;
    int rc = dynamodb_client_new(&ddb, NULL);
    if (rc)
        rec_error_set(&err, rc, 0, "client: %s", rec_strerror(rc));
    else
        rc = dynamodb_call(ddb, argv[i], request, 0, max_attempts, &answer, &err);
    cJSON *out = cJSON_CreateObject();
    cJSON_AddNumberToObject(out, "rc", rc);
    cJSON_AddStringToObject(out, "error", rec_strerror(rc));
    cJSON_AddStringToObject(out, "message", err.message);
    cJSON_AddBoolToObject(out, "retriable", err.retriable);
    cJSON_AddItemToObject(out, "answer", answer ? answer : cJSON_CreateNull());
    char *line = cJSON_PrintUnformatted(out);
    printf("%s\n", line);
    free(line);
    cJSON_Delete(out);
    cJSON_Delete(request);
    dynamodb_client_destroy(ddb);
    rec_http_global_clean_up();
    return rc ? 1 : 0;
}

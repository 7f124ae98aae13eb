/*
 * Test driver: S3 operations through our own request layer, configured only
 * from the environment (AWS_ENDPOINT_URL[_S3], AWS_REGION, AWS_ACCESS_KEY_ID,
 * AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN), as the Lambda function is.
 *
 *   s3_roundtrip [--max-attempts N] [--base-delay-ms N] [--deadline-ms N]
 *                put|get|head|roundtrip BUCKET KEY
 *                [--size N] [--content-type T] [--meta NAME=VALUE] [--sse AES256|aws:kms]
 *                [--max N]
 *
 * put sends N deterministic bytes (default 1000); get reads into memory
 * (capped by --max); roundtrip puts then gets and compares. Each operation
 * prints one JSON line: op, rc, error, status, code, message, retriable,
 * attempts, bytes, sha256. Exit status 0 when every operation succeeded, 1
 * otherwise, 2 for bad usage.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "aws/http.h"
#include "common/clock.h"
#include "common/error.h"
#include "common/log.h"
#include "services/s3_client.h"
#include "sigv4/crypto.h"

#define MAX_META 8

static void report(const char *op, int rc, const struct rec_aws_response *resp, const void *data,
                   size_t len)
{
    char hash[SIGV4_SHA256_HEX_LEN + 1] = "";
    if (data)
        sigv4_sha256_hex(data, len, hash);
    cJSON *j = cJSON_CreateObject();
    cJSON_AddStringToObject(j, "op", op);
    cJSON_AddNumberToObject(j, "rc", rc);
    cJSON_AddStringToObject(j, "error", rec_strerror(rc));
    cJSON_AddNumberToObject(j, "status", (double)resp->status);
    cJSON_AddStringToObject(j, "code", resp->error_code);
    cJSON_AddStringToObject(j, "message", resp->error_message);
    cJSON_AddBoolToObject(j, "retriable", resp->retriable);
    cJSON_AddNumberToObject(j, "attempts", resp->attempts);
    cJSON_AddNumberToObject(j, "bytes", (double)len);
    cJSON_AddStringToObject(j, "sha256", hash);
    const char *ct = rec_aws_response_header(resp, "content-type");
    cJSON_AddStringToObject(j, "content_type", ct ? ct : "");
    const char *meta = rec_aws_response_header(resp, "x-amz-meta-contact-id");
    cJSON_AddStringToObject(j, "meta_contact_id", meta ? meta : "");
    char *text = cJSON_PrintUnformatted(j);
    printf("%s\n", text);
    fflush(stdout);
    free(text);
    cJSON_Delete(j);
}

static int usage(void)
{
    fprintf(stderr, "usage: s3_roundtrip [--max-attempts N] [--base-delay-ms N] [--deadline-ms N] "
                    "put|get|head|roundtrip BUCKET KEY [--size N] [--content-type T] "
                    "[--meta NAME=VALUE] [--sse AES256|aws:kms] [--max N]\n");
    return 2;
}

int main(int argc, char **argv)
{
    rec_log_init_from_env();
    struct rec_s3_config cfg = { 0 };
    rec_aws_retry_policy_default(&cfg.retry);
    long deadline_ms = 0;
    const char *op = NULL, *bucket = NULL, *key = NULL;
    const char *content_type = NULL, *sse = NULL;
    size_t size = 1000, max = 0;
    struct rec_aws_header meta[MAX_META];
    char *meta_copy[MAX_META] = { 0 };
    size_t n_meta = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (a[0] == '-' && a[1] == '-' && !v)
            return usage();
        if (strcmp(a, "--max-attempts") == 0)
            cfg.retry.max_attempts = (unsigned)strtoul(argv[++i], NULL, 10);
        else if (strcmp(a, "--base-delay-ms") == 0)
            cfg.retry.base_delay_ms = cfg.retry.throttle_base_delay_ms =
                (unsigned)strtoul(argv[++i], NULL, 10);
        else if (strcmp(a, "--deadline-ms") == 0)
            deadline_ms = strtol(argv[++i], NULL, 10);
        else if (strcmp(a, "--size") == 0)
            size = strtoul(argv[++i], NULL, 10);
        else if (strcmp(a, "--max") == 0)
            max = strtoul(argv[++i], NULL, 10);
        else if (strcmp(a, "--content-type") == 0)
            content_type = argv[++i];
        else if (strcmp(a, "--sse") == 0)
            sse = argv[++i];
        else if (strcmp(a, "--meta") == 0) {
            char *eq = strchr(argv[++i], '=');
            if (!eq || n_meta == MAX_META)
                return usage();
            meta_copy[n_meta] = strndup(argv[i], (size_t)(eq - argv[i]));
            meta[n_meta] = (struct rec_aws_header){ meta_copy[n_meta], eq + 1 };
            n_meta++;
        } else if (a[0] == '-')
            return usage();
        else if (!op)
            op = a;
        else if (!bucket)
            bucket = a;
        else if (!key)
            key = a;
        else
            return usage();
    }
    if (!op || !bucket || !key)
        return usage();

    struct rec_s3_client *s3 = NULL;
    int rc = rec_s3_client_new(&s3, &cfg);
    if (rc) {
        fprintf(stderr, "s3_roundtrip: cannot create the S3 client: %s\n", rec_strerror(rc));
        return 1;
    }
    int64_t deadline = deadline_ms ? rec_clock_now_ms() + deadline_ms : 0;
    uint8_t *data = malloc(size ? size : 1);
    for (size_t i = 0; i < size; i++)
        data[i] = (uint8_t)(i * 31 + 7);
    struct rec_aws_response resp;
    rec_aws_response_init(&resp);
    int failed = 0;
    if (strcmp(op, "put") == 0 || strcmp(op, "roundtrip") == 0) {
        struct rec_s3_put_options opt = { .content_type = content_type, .metadata = meta,
                                          .n_metadata = n_meta, .sse = sse,
                                          .deadline_ms = deadline };
        rc = rec_s3_put_object(s3, bucket, key, data, size, &opt, &resp, NULL);
        report("put", rc, &resp, data, size);
        failed |= rc != 0;
    }
    if (!failed && (strcmp(op, "get") == 0 || strcmp(op, "roundtrip") == 0)) {
        rc = rec_s3_get_object(s3, bucket, key, max, deadline, &resp, NULL);
        report("get", rc, &resp, rc ? NULL : resp.body.data, rc ? 0 : resp.body.len);
        failed |= rc != 0;
        if (!rc && strcmp(op, "roundtrip") == 0 &&
            (resp.body.len != size || (size && memcmp(resp.body.data, data, size) != 0))) {
            fprintf(stderr, "s3_roundtrip: the object read back differs from what was put\n");
            failed = 1;
        }
    }
    if (strcmp(op, "head") == 0) {
        rc = rec_s3_head_object(s3, bucket, key, deadline, &resp, NULL);
        report("head", rc, &resp, NULL, 0);
        failed |= rc != 0;
    }
    if (strcmp(op, "put") && strcmp(op, "get") && strcmp(op, "head") && strcmp(op, "roundtrip")) {
        fprintf(stderr, "s3_roundtrip: unknown operation %s\n", op);
        failed = 2;
    }
    rec_aws_response_clean_up(&resp);
    rec_s3_client_destroy(s3);
    free(data);
    for (size_t i = 0; i < n_meta; i++)
        free(meta_copy[i]);
    return failed;
}

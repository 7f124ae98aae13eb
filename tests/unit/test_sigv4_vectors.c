/*
 * Checks the SigV4 signer against every vector in tests/vectors/sigv4_vectors.json
 * (computed by botocore, see tests/vectors/gen_sigv4_vectors.py): canonical
 * request, string to sign, signature, signed headers, and either the headers
 * the signer sets or the presigned query. Runs with cwd = repo root.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <cmocka.h>

#include "common/error.h"
#include "sigv4/signer.h"

#define VECTORS_PATH "tests/vectors/sigv4_vectors.json"
#define VECTORS_MAX_BYTES (8 * 1024 * 1024)

static cJSON *g_doc;

static char *read_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    char *buf = malloc(VECTORS_MAX_BYTES + 1);
    size_t n = buf ? fread(buf, 1, VECTORS_MAX_BYTES, f) : 0;
    int too_big = buf && n == VECTORS_MAX_BYTES && fgetc(f) != EOF;
    fclose(f);
    if (!buf || too_big) {
        free(buf);
        return NULL;
    }
    buf[n] = '\0';
    return buf;
}

static int setup(void **state)
{
    (void)state;
    char *text = read_file(VECTORS_PATH);
    if (!text) {
        fprintf(stderr, "cannot read %s (run from the repository root)\n", VECTORS_PATH);
        return -1;
    }
    g_doc = cJSON_Parse(text);
    free(text);
    return g_doc ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    cJSON_Delete(g_doc);
    return 0;
}

static const char *str(const cJSON *obj, const char *key)
{
    const cJSON *it = cJSON_GetObjectItemCaseSensitive(obj, key);
    return cJSON_IsString(it) ? it->valuestring : NULL;
}

static int hexval(char c)
{
    return c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10;
}

/* Splits a query at '&' and sorts the pieces, so two query strings holding the
 * same parameters in different orders compare equal. */
static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static char *sorted_query(const char *q)
{
    char *copy = strdup(q);
    size_t n = 1;
    for (const char *p = q; *p; p++)
        n += *p == '&';
    char **parts = calloc(n, sizeof(*parts));
    size_t k = 0;
    for (char *save = NULL, *t = strtok_r(copy, "&", &save); t; t = strtok_r(NULL, "&", &save))
        parts[k++] = t;
    qsort(parts, k, sizeof(*parts), cmp_str);
    char *out = calloc(strlen(q) + 2, 1);
    for (size_t i = 0; i < k; i++) {
        if (i)
            strcat(out, "&");
        strcat(out, parts[i]);
    }
    free(parts);
    free(copy);
    return out;
}

struct tally {
    int checked;
    int failed;
};

static void report(struct tally *t, const char *id, const char *what, const char *want,
                   const char *got)
{
    t->failed++;
    if (t->failed <= 5)
        fprintf(stderr, "vector %s: %s differs\n--- botocore:\n%s\n--- ours:\n%s\n", id, what,
                want, got ? got : "(null)");
}

static void check_vector(const cJSON *v, struct tally *t)
{
    const char *id = str(v, "id");
    const cJSON *expect = cJSON_GetObjectItemCaseSensitive(v, "expect");
    int presign = strcmp(str(v, "kind"), "presign") == 0;

    struct sigv4_credentials creds;
    assert_int_equal(sigv4_credentials_init(&creds, str(v, "access_key"), str(v, "secret_key"),
                                            str(v, "session_token")),
                     0);
    struct sigv4_signer *signer = NULL;
    assert_int_equal(sigv4_signer_new(&signer, &creds), 0);
    sigv4_credentials_clean_up(&creds);

    const cJSON *hs = cJSON_GetObjectItemCaseSensitive(v, "headers");
    size_t nh = (size_t)cJSON_GetArraySize(hs);
    struct sigv4_header *headers = calloc(nh + 1, sizeof(*headers));
    for (size_t i = 0; i < nh; i++) {
        const cJSON *pair = cJSON_GetArrayItem(hs, (int)i);
        headers[i].name = cJSON_GetArrayItem(pair, 0)->valuestring;
        headers[i].value = cJSON_GetArrayItem(pair, 1)->valuestring;
    }
    const char *hex = str(v, "body_hex");
    size_t body_len = strlen(hex) / 2;
    uint8_t *body = malloc(body_len + 1);
    for (size_t i = 0; i < body_len; i++)
        body[i] = (uint8_t)(hexval(hex[2 * i]) << 4 | hexval(hex[2 * i + 1]));

    struct sigv4_request req = {
        .method = str(v, "method"),
        .path = str(v, "path"),
        .query = str(v, "query"),
        .headers = headers,
        .n_headers = nh,
        .body = body,
        .body_len = body_len,
        .payload_hash = str(v, "payload_hash"),
    };
    struct sigv4_params params = {
        .region = str(v, "region"),
        .service = str(v, "service"),
        .s3 = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(v, "s3")),
    };
    assert_int_equal(sigv4_parse_amz_date(str(v, "date"), &params.time), 0);
    if (presign)
        params.expires_s = (uint32_t)cJSON_GetObjectItemCaseSensitive(v, "expires")->valuedouble;

    struct sigv4_result r;
    sigv4_result_init(&r);
    int rc = presign ? sigv4_presign(signer, &req, &params, &r) : sigv4_sign(signer, &req, &params, &r);
    t->checked++;
    if (rc) {
        report(t, id, "return code", "0", rec_strerror(rc));
        goto done;
    }
    if (strcmp(r.canonical_request.data, str(expect, "canonical_request")) != 0) {
        report(t, id, "canonical request", str(expect, "canonical_request"),
               r.canonical_request.data);
        goto done;
    }
    if (strcmp(r.string_to_sign.data, str(expect, "string_to_sign")) != 0) {
        report(t, id, "string to sign", str(expect, "string_to_sign"), r.string_to_sign.data);
        goto done;
    }
    if (strcmp(r.signature, str(expect, "signature")) != 0) {
        report(t, id, "signature", str(expect, "signature"), r.signature);
        goto done;
    }
    if (strcmp(r.signed_headers.data, str(expect, "signed_headers")) != 0) {
        report(t, id, "signed headers", str(expect, "signed_headers"), r.signed_headers.data);
        goto done;
    }
    if (presign) {
        char *want = sorted_query(str(expect, "presigned_query"));
        char *got = sorted_query(r.presigned_query.data);
        if (strcmp(want, got) != 0)
            report(t, id, "presigned query", want, got);
        free(want);
        free(got);
    } else {
        if (strcmp(r.authorization.data, str(expect, "authorization")) != 0) {
            report(t, id, "authorization", str(expect, "authorization"), r.authorization.data);
            goto done;
        }
        const cJSON *set = cJSON_GetObjectItemCaseSensitive(expect, "set_headers");
        if ((size_t)cJSON_GetArraySize(set) != r.n_set_headers) {
            report(t, id, "number of set headers", "", "");
            goto done;
        }
        for (size_t i = 0; i < r.n_set_headers; i++) {
            const cJSON *pair = cJSON_GetArrayItem(set, (int)i);
            if (strcmp(cJSON_GetArrayItem(pair, 0)->valuestring, r.set_headers[i].name) != 0 ||
                strcmp(cJSON_GetArrayItem(pair, 1)->valuestring, r.set_headers[i].value) != 0) {
                report(t, id, "set header", cJSON_GetArrayItem(pair, 0)->valuestring,
                       r.set_headers[i].name);
                break;
            }
        }
    }
done:
    sigv4_result_clean_up(&r);
    sigv4_signer_destroy(signer);
    free(headers);
    free(body);
}

/* kind: "header" or "presign"; s3: 0 or 1 */
static void run_kind(const char *kind, int s3, int min_count)
{
    const cJSON *vectors = cJSON_GetObjectItemCaseSensitive(g_doc, "vectors");
    assert_true(cJSON_IsArray(vectors));
    struct tally t = { 0, 0 };
    const cJSON *v;
    cJSON_ArrayForEach(v, vectors)
    {
        if (strcmp(str(v, "kind"), kind) != 0 ||
            cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(v, "s3")) != s3)
            continue;
        check_vector(v, &t);
    }
    fprintf(stderr, "# %s%s: %d vectors checked, %d failed\n", kind, s3 ? " (S3)" : "",
            t.checked, t.failed);
    assert_int_equal(t.failed, 0);
    assert_true(t.checked >= min_count);
}

static void header_signing_matches_botocore(void **state)
{
    (void)state;
    run_kind("header", 0, 150);
}

static void s3_header_signing_matches_botocore(void **state)
{
    (void)state;
    run_kind("header", 1, 120);
}

static void s3_presigned_urls_match_botocore(void **state)
{
    (void)state;
    run_kind("presign", 1, 50);
}

static void presigned_urls_match_botocore(void **state)
{
    (void)state;
    run_kind("presign", 0, 30);
}

static void file_holds_at_least_300_vectors(void **state)
{
    (void)state;
    assert_true(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(g_doc, "vectors")) >= 300);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(file_holds_at_least_300_vectors),
        cmocka_unit_test(header_signing_matches_botocore),
        cmocka_unit_test(s3_header_signing_matches_botocore),
        cmocka_unit_test(s3_presigned_urls_match_botocore),
        cmocka_unit_test(presigned_urls_match_botocore),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}

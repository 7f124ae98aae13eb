/*
 * libFuzzer target for the SigV4 canonicaliser and signer.
 *
 * Input layout: byte 0 holds flags (bit 0 S3 rules, bit 1 session token,
 * bit 2 presign, bit 3 precomputed UNSIGNED-PAYLOAD); the rest is split at
 * NUL bytes into method, path, query, then header name/value pairs; a final
 * odd piece is the body. Any byte may appear anywhere else.
 *
 * Beyond "no crash, no leak, no UB", it checks properties that must hold for
 * every input: canonical URIs and queries are pure URI-encoded ASCII, signing
 * is deterministic, and a signature is 64 lower-case hex digits.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/error.h"
#include "sigv4/canonical.h"
#include "sigv4/signer.h"
#include "sigv4/uri_encode.h"

#define MAX_PIECES 64

static void require(int cond)
{
    if (!cond)
        abort();
}

static int hex_digit(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'F') || (c >= 'a' && c <= 'f');
}

/* Every byte is unreserved, one of extra, or part of a %XY escape. */
static void require_encoded(const struct rec_buf *b, const char *extra)
{
    for (size_t i = 0; i < b->len; i++) {
        unsigned char c = (unsigned char)b->data[i];
        if (sigv4_is_unreserved(c) || (c && strchr(extra, c)))
            continue;
        require(c == '%' && i + 2 < b->len && hex_digit(b->data[i + 1]) &&
                hex_digit(b->data[i + 2]));
        i += 2;
    }
}

static void check_pieces(const char *path, const char *query)
{
    struct rec_buf b;
    for (int s3 = 0; s3 <= 1; s3++) {
        rec_buf_init(&b, SIGV4_CANONICAL_LIMIT);
        if (sigv4_canonical_uri(&b, path, strlen(path), s3) == 0)
            require_encoded(&b, "/");
        rec_buf_clean_up(&b, 0);
    }
    rec_buf_init(&b, SIGV4_CANONICAL_LIMIT);
    if (sigv4_canonical_query(&b, query, NULL, 0, 0) == 0)
        require_encoded(&b, "=&");
    rec_buf_clean_up(&b, 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    unsigned flags = data[0];
    /* NUL-terminated copy so pieces can be C strings */
    char *copy = malloc(size);
    if (!copy)
        return 0;
    memcpy(copy, data + 1, size - 1);
    copy[size - 1] = '\0';
    const char *pieces[MAX_PIECES];
    size_t n = 0;
    char *p = copy;
    char *end = copy + size - 1;
    while (n < MAX_PIECES) {
        pieces[n++] = p;
        char *z = memchr(p, '\0', (size_t)(end - p) + 1);
        if (!z || z >= end)
            break;
        p = z + 1;
    }
    const char *method = n > 0 && pieces[0][0] ? pieces[0] : "GET";
    const char *path = n > 1 ? pieces[1] : "/";
    const char *query = n > 2 ? pieces[2] : "";
    check_pieces(path, query);

    struct sigv4_header headers[MAX_PIECES / 2 + 1];
    size_t nh = 0;
    headers[nh++] = (struct sigv4_header){ "Host", "example.amazonaws.com" };
    size_t i = 3;
    for (; i + 1 < n; i += 2)
        headers[nh++] = (struct sigv4_header){ pieces[i], pieces[i + 1] };
    const char *body = i < n ? pieces[i] : "";

    struct sigv4_credentials creds;
    if (sigv4_credentials_init(&creds, "AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
                               (flags & 2) ? "token/+=" : NULL) != 0)
        abort();
    struct sigv4_signer *signer = NULL;
    if (sigv4_signer_new(&signer, &creds) != 0)
        abort();
    struct sigv4_request req = {
        .method = method, .path = path, .query = query, .headers = headers, .n_headers = nh,
        .body = body, .body_len = strlen(body),
        .payload_hash = (flags & 8) ? SIGV4_UNSIGNED_PAYLOAD : NULL,
    };
    struct sigv4_params params = { .region = "us-east-1", .service = (flags & 1) ? "s3" : "svc",
                                   .time = 1440938160, .s3 = flags & 1, .expires_s = 3600 };
    struct sigv4_result a, b;
    sigv4_result_init(&a);
    sigv4_result_init(&b);
    int presign = (flags & 4) != 0;
    int rc1 = presign ? sigv4_presign(signer, &req, &params, &a) : sigv4_sign(signer, &req, &params, &a);
    int rc2 = presign ? sigv4_presign(signer, &req, &params, &b) : sigv4_sign(signer, &req, &params, &b);
    require(rc1 == rc2);
    if (rc1 == 0) {
        require(strlen(a.signature) == 64);
        for (size_t k = 0; k < 64; k++)
            require((a.signature[k] >= '0' && a.signature[k] <= '9') ||
                    (a.signature[k] >= 'a' && a.signature[k] <= 'f'));
        require(strcmp(a.signature, b.signature) == 0);
        require(strcmp(a.canonical_request.data, b.canonical_request.data) == 0);
        if (presign)
            require_encoded(&a.presigned_query, "=&");
    } else {
        require(rc1 == REC_ERR_INVALID || rc1 == REC_ERR_LIMIT);
    }
    sigv4_result_clean_up(&a);
    sigv4_result_clean_up(&b);
    sigv4_signer_destroy(signer);
    sigv4_credentials_clean_up(&creds);
    free(copy);
    return 0;
}

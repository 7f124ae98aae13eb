#include "sigv4/crypto.h"

#include <limits.h>
#include <stdlib.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "common/error.h"

void sigv4_hex_encode(const uint8_t *bytes, size_t len, char *hex)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < len; i++) {
        hex[2 * i] = digits[bytes[i] >> 4];
        hex[2 * i + 1] = digits[bytes[i] & 15];
    }
    hex[2 * len] = '\0';
}

int sigv4_sha256_hex(const void *data, size_t len, char hex[SIGV4_SHA256_HEX_LEN + 1])
{
    uint8_t md[SIGV4_SHA256_LEN];
    unsigned int md_len = 0;
    static const uint8_t empty = 0;
    if (!EVP_Digest(len ? data : &empty, len, md, &md_len, EVP_sha256(), NULL) ||
        md_len != SIGV4_SHA256_LEN)
        return REC_ERR_NOMEM;
    sigv4_hex_encode(md, sizeof(md), hex);
    return 0;
}

int sigv4_sha256_hex_read(int (*read)(void *user, uint64_t offset, void *buf, size_t len), void *user,
                          uint64_t len, char hex[SIGV4_SHA256_HEX_LEN + 1])
{
    enum { PIECE = 64 * 1024 };
    int rc = 0;
    uint8_t md[SIGV4_SHA256_LEN];
    unsigned int md_len = 0;
    uint8_t *buf = malloc(PIECE);
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    if (!buf || !ctx || !EVP_DigestInit_ex(ctx, EVP_sha256(), NULL)) {
        rc = REC_ERR_NOMEM;
        goto cleanup;
    }
    for (uint64_t off = 0; off < len;) {
        size_t n = len - off < PIECE ? (size_t)(len - off) : PIECE;
        if ((rc = read(user, off, buf, n)) != 0)
            goto cleanup;
        if (!EVP_DigestUpdate(ctx, buf, n)) {
            rc = REC_ERR_NOMEM;
            goto cleanup;
        }
        off += n;
    }
    if (!EVP_DigestFinal_ex(ctx, md, &md_len) || md_len != SIGV4_SHA256_LEN) {
        rc = REC_ERR_NOMEM;
        goto cleanup;
    }
    sigv4_hex_encode(md, sizeof(md), hex);
cleanup:
    EVP_MD_CTX_free(ctx);
    free(buf);
    return rc;
}

int sigv4_hmac_sha256(const void *key, size_t key_len, const void *data, size_t len,
                      uint8_t out[SIGV4_SHA256_LEN])
{
    unsigned int out_len = 0;
    static const uint8_t empty = 0;
    if (key_len > INT_MAX)
        return REC_ERR_INVALID;
    if (!HMAC(EVP_sha256(), key_len ? key : &empty, (int)key_len,
              len ? data : &empty, len, out, &out_len) ||
        out_len != SIGV4_SHA256_LEN)
        return REC_ERR_NOMEM;
    return 0;
}

void sigv4_wipe(void *p, size_t len)
{
    if (p && len)
        OPENSSL_cleanse(p, len);
}

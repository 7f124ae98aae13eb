#include "common/base64.h"

#include <stdint.h>
#include <stdlib.h>

#include <openssl/evp.h>

#include "common/error.h"

int rec_base64_decode(const char *text, size_t len, size_t max_text_bytes, unsigned char **out,
                      size_t *out_len)
{
    if (len > max_text_bytes || len > (size_t)INT32_MAX)
        return REC_ERR_LIMIT;
    unsigned char *buf = malloc(len / 4 * 3 + 4);
    EVP_ENCODE_CTX *ctx = EVP_ENCODE_CTX_new();
    int rc = REC_ERR_NOMEM;
    int n = 0, tail = 0;
    if (!buf || !ctx)
        goto cleanup;
    rc = REC_ERR_INVALID;
    EVP_DecodeInit(ctx);
    if (EVP_DecodeUpdate(ctx, buf, &n, (const unsigned char *)text, (int)len) < 0 ||
        EVP_DecodeFinal(ctx, buf + n, &tail) != 1)
        goto cleanup;
    *out_len = (size_t)n + (size_t)tail;
    buf[*out_len] = '\0';
    *out = buf;
    buf = NULL;
    rc = 0;
cleanup:
    EVP_ENCODE_CTX_free(ctx);
    free(buf);
    return rc;
}

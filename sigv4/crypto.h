/*
 * The two primitives Signature Version 4 is built from: SHA-256 (hex-encoded,
 * lower case) and HMAC-SHA256. Thin wrappers over OpenSSL's EVP/HMAC one-shot
 * functions so the rest of sigv4/ never touches OpenSSL types.
 *
 * Rule source: IAM User Guide, "Create a signed AWS API request": HashedPayload
 * and the string to sign use Lowercase(Hex(SHA256(x))); the signing key and
 * the signature use HMAC-SHA256.
 */
#ifndef REC_SIGV4_CRYPTO_H
#define REC_SIGV4_CRYPTO_H

#include <stddef.h>
#include <stdint.h>

#define SIGV4_SHA256_LEN 32
#define SIGV4_SHA256_HEX_LEN 64 /* characters, without the NUL */

/* hex receives 64 lower-case hex characters and a NUL (65 bytes).
 * Returns 0 or REC_ERR_NOMEM (OpenSSL failed to allocate). data may be NULL
 * when len is 0. */
int sigv4_sha256_hex(const void *data, size_t len, char hex[SIGV4_SHA256_HEX_LEN + 1]);

/* Reads len bytes in pieces through read (read(user, offset, buf, n) copies
 * bytes [offset, offset + n) into buf and returns 0 or a negative REC_ERR_*)
 * and writes their SHA-256 as in sigv4_sha256_hex: the payload hash of a
 * body too large to hold in memory (an S3 part spooled to a file). Returns
 * 0, read's error, or REC_ERR_NOMEM. */
int sigv4_sha256_hex_read(int (*read)(void *user, uint64_t offset, void *buf, size_t len), void *user,
                          uint64_t len, char hex[SIGV4_SHA256_HEX_LEN + 1]);

/* out receives the 32-byte HMAC-SHA256 of data under key. Returns 0,
 * REC_ERR_INVALID for a key longer than INT_MAX bytes, or REC_ERR_NOMEM. */
int sigv4_hmac_sha256(const void *key, size_t key_len, const void *data, size_t len,
                      uint8_t out[SIGV4_SHA256_LEN]);

/* Writes 2*len lower-case hex characters and a NUL into hex (2*len+1 bytes). */
void sigv4_hex_encode(const uint8_t *bytes, size_t len, char *hex);

/* Zeroes len bytes in a way the compiler may not remove (OPENSSL_cleanse). */
void sigv4_wipe(void *p, size_t len);

#endif

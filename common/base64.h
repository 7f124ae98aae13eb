/*
 * Base64 decoding (RFC 4648 §4), for event payloads that Lambda's sources
 * deliver as base64 text: Kinesis records' data ("Using Lambda with Kinesis
 * Data Streams") and HTTP API bodies with isBase64Encoded ("Working with AWS
 * Lambda proxy integrations for HTTP APIs", payload format 2.0).
 * OpenSSL's streaming decoder does the work; it accepts line breaks.
 */
#ifndef REC_COMMON_BASE64_H
#define REC_COMMON_BASE64_H

#include <stddef.h>

/* Decodes len bytes of text into *out (heap, NUL-terminated for text
 * payloads; the caller frees it) and *out_len bytes (the NUL not counted).
 * Returns 0; REC_ERR_LIMIT when len passes max_text_bytes (nothing decoded);
 * REC_ERR_INVALID for text that is not base64; REC_ERR_NOMEM. */
int rec_base64_decode(const char *text, size_t len, size_t max_text_bytes, unsigned char **out,
                      size_t *out_len);

#endif

/*
 * URI encoding rules of Signature Version 4.
 *
 * Rule source: IAM User Guide, "Create a signed AWS API request" (Signature
 * Version 4), step "Create a canonical request": UriEncode() keeps the
 * unreserved characters A-Z a-z 0-9 - . _ ~ and writes every other byte as
 * %XY with upper-case hex; path segments are encoded twice for every service
 * except S3, whose paths are encoded once and never normalised ("Authenticating
 * Requests (AWS Signature Version 4)", Amazon S3 API Reference). botocore
 * (auth.py, utils.remove_dot_segments) is the executable reference we test
 * against.
 *
 * Every function appends to a capped rec_buf and returns 0, REC_ERR_LIMIT or
 * REC_ERR_NOMEM (the buffer keeps what was appended before the failure).
 */
#ifndef REC_SIGV4_URI_ENCODE_H
#define REC_SIGV4_URI_ENCODE_H

#include <stddef.h>

#include "common/buf.h"

/* Non-zero for A-Z a-z 0-9 - . _ ~ (RFC 3986 unreserved). */
int sigv4_is_unreserved(unsigned char c);

/* UriEncode(): appends len bytes of s with every byte that is not unreserved
 * written as %XY. keep_slash non-zero leaves '/' as is (for paths, and S3 keys
 * in a path). Bytes are encoded one by one, so UTF-8 comes out as the
 * percent-encoding of its bytes. */
int sigv4_uri_encode(struct rec_buf *out, const char *s, size_t len, int keep_slash);

/* Percent-decoding: %XY (either hex case) becomes one byte; a '%' not followed
 * by two hex digits stays a literal '%'; '+' stays '+' (query strings built by
 * AWS SDKs never use '+' for space). The output may contain NUL bytes. */
int sigv4_uri_decode(struct rec_buf *out, const char *s, size_t len);

/* Removes "." and ".." segments and empty segments ("//") as RFC 3986
 * section 5.2.4 plus AWS's collapsing of consecutive slashes (the behaviour of
 * botocore.utils.remove_dot_segments): "/a/./b//../c/" -> "/a/c/", "/.." -> "/".
 * A trailing slash survives only when a segment remains. Empty input gives
 * "/" (the canonical URI of an empty path). */
int sigv4_normalize_path(struct rec_buf *out, const char *path, size_t len);

/* The canonical URI of a request path as it appears on the request line
 * (already percent-encoded once by whoever built the request).
 *   s3 == 0: normalise (sigv4_normalize_path), then UriEncode keeping '/':
 *            "%20" becomes "%2520" -- the double encoding AWS requires.
 *   s3 != 0: no normalisation; the path is taken as encoded, except that bytes
 *            a wire path may not carry raw (space, non-ASCII, controls and any
 *            other non-unreserved byte except '/' and a '%' that starts a valid
 *            %XY) are encoded, so a hand-written path with a raw space signs
 *            as the "%20" the server sees. A path encoded by an SDK comes out
 *            unchanged. */
int sigv4_canonical_uri(struct rec_buf *out, const char *path, size_t len, int s3);

#endif

/*
 * The canonical request of Signature Version 4, piece by piece.
 *
 * Rule source: IAM User Guide, "Create a signed AWS API request", step 1
 * ("Create a canonical request"):
 *
 *   HTTPMethod \n CanonicalURI \n CanonicalQueryString \n CanonicalHeaders \n
 *   SignedHeaders \n HashedPayload
 *
 * and, for presigned URLs, Amazon S3 API Reference "Authenticating Requests:
 * Using Query Parameters (AWS Signature Version 4)". Where the documents are
 * silent, botocore's auth.SigV4Auth is followed (it is what our test vectors
 * come from):
 *   - query: split at '&', each pair at its first '=', both sides decoded and
 *     re-encoded with UriEncode, sorted by encoded name then encoded value,
 *     a missing value written as "name=";
 *   - headers: names lower-cased, values trimmed with inner whitespace runs
 *     (space, tab, CR, LF, VT, FF) collapsed to one space, repeated names
 *     joined with ',' in request order, sorted by name; hop-by-hop and
 *     proxy-mangled headers are never signed (sigv4_header_is_unsignable).
 *
 * All text is bytes; nothing here assumes UTF-8 beyond passing it through.
 */
#ifndef REC_SIGV4_CANONICAL_H
#define REC_SIGV4_CANONICAL_H

#include <stddef.h>

#include "common/buf.h"

/* A header or a query parameter: NUL-terminated name and value, borrowed. */
struct sigv4_header {
    const char *name;
    const char *value;
};

/* Upper bound on the canonical request and on the intermediate buffers, in
 * bytes; requests whose headers or query exceed it fail with REC_ERR_LIMIT. */
#define SIGV4_CANONICAL_LIMIT (1024 * 1024)

/* Non-zero when name (any case) is a header that must never be signed: it is
 * added, removed or rewritten by HTTP clients and proxies after signing
 * (botocore's SIGNED_HEADERS_BLACKLIST: connection, expect, keep-alive,
 * proxy-authenticate, proxy-authorization, te, trailer, transfer-encoding,
 * upgrade, user-agent, x-amzn-trace-id) or it carries the signature itself
 * (authorization). */
int sigv4_header_is_unsignable(const char *name);

/* Non-zero when name is a non-empty RFC 9110 token (the only legal header
 * field names). */
int sigv4_header_name_valid(const char *name);

/* Appends the canonical query string built from query (the wire query
 * without '?', NULL or "" for none) plus n_extra extra parameters given
 * decoded (e.g. the X-Amz-* parameters of a presigned URL; they are encoded
 * here). When drop_auth_params is non-zero, parameters of query named
 * X-Amz-Algorithm, X-Amz-Credential, X-Amz-Date, X-Amz-Expires,
 * X-Amz-SignedHeaders, X-Amz-Security-Token or X-Amz-Signature are left out
 * (re-presigning a presigned URL replaces them). Empty pieces ("a&&b") are
 * skipped. Returns 0, REC_ERR_LIMIT (more than SIGV4_CANONICAL_LIMIT bytes)
 * or REC_ERR_NOMEM. */
int sigv4_canonical_query(struct rec_buf *out, const char *query,
                          const struct sigv4_header *extra, size_t n_extra, int drop_auth_params);

/* Appends the canonical headers block (each "name:value\n") to canon and the
 * signed headers list ("host;x-amz-date") to signed_names.
 * The request's headers are used except unsignable ones and those whose name
 * (any case) appears in overrides; the overrides are then added as if they
 * were request headers (the signer's X-Amz-Date, X-Amz-Security-Token,
 * X-Amz-Content-SHA256 replace whatever the request carried).
 * Returns 0, REC_ERR_INVALID (a name that is not a token, or no header
 * left to sign), REC_ERR_LIMIT or REC_ERR_NOMEM. */
int sigv4_canonical_headers(struct rec_buf *canon, struct rec_buf *signed_names,
                            const struct sigv4_header *headers, size_t n_headers,
                            const struct sigv4_header *overrides, size_t n_overrides);

/* Appends value with leading and trailing whitespace removed and inner runs
 * collapsed to one space (the Trimall function of the SigV4 documents). */
int sigv4_trimall(struct rec_buf *out, const char *value);

#endif

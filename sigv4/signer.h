/*
 * Signature Version 4 signer: header signing (Authorization) and presigned
 * URLs (query signing).
 *
 * Rule sources: IAM User Guide, "Create a signed AWS API request" (canonical
 * request, string to sign, signing key, signature, Authorization header);
 * Amazon S3 API Reference, "Authenticating Requests: Using Query Parameters
 * (AWS Signature Version 4)" (presigned URLs, X-Amz-Expires at most 604800 s,
 * UNSIGNED-PAYLOAD), and "Signature Calculations for the Authorization Header"
 * (x-amz-content-sha256 required by S3). botocore's SigV4Auth, S3SigV4Auth,
 * SigV4QueryAuth and S3SigV4QueryAuth are the executable reference
 * (tests/vectors/).
 *
 * A request is described as it goes on the wire: method, path and query as on
 * the request line (already percent-encoded once), header fields (Host among
 * them), body bytes. The signer never modifies it: it returns the headers the
 * caller must set (replacing any header of the same name) or, for a presigned
 * URL, the complete query string.
 *
 * The signer is not thread-safe (its signing key cache is unlocked); use one
 * per thread.
 */
#ifndef REC_SIGV4_SIGNER_H
#define REC_SIGV4_SIGNER_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "common/buf.h"
#include "sigv4/canonical.h"
#include "sigv4/credentials.h"

#define SIGV4_ALGORITHM "AWS4-HMAC-SHA256"
#define SIGV4_UNSIGNED_PAYLOAD "UNSIGNED-PAYLOAD"
#define SIGV4_MAX_EXPIRES 604800 /* seconds (7 days), S3 presigned URL limit */

/* One request as it will be sent. Everything is borrowed. */
struct sigv4_request {
    const char *method;   /* "GET", "PUT", ... (used as given; AWS methods are upper case) */
    const char *path;     /* wire path, e.g. "/bucket/my%20key"; "" signs as "/" */
    const char *query;    /* wire query without '?', NULL or "" for none */
    const struct sigv4_header *headers; /* must include Host */
    size_t n_headers;
    const void *body;     /* payload bytes (may be NULL when body_len is 0) */
    size_t body_len;      /* bytes */
    /* NULL: the payload hash is taken from an x-amz-content-sha256 header if
     * the request has one, else SHA-256 of body (presigned S3: always
     * UNSIGNED-PAYLOAD). Otherwise used verbatim: SIGV4_UNSIGNED_PAYLOAD, or a
     * precomputed lower-case hex SHA-256 (a caller that already hashed a large
     * upload part need not hash it again). */
    const char *payload_hash;
};

/* Who and where: the credential scope is date/region/service/aws4_request. */
struct sigv4_params {
    const char *region;   /* e.g. "us-east-1" */
    const char *service;  /* signing name: "s3", "kinesisvideo", "connect" */
    time_t time;          /* signing time, seconds since the epoch (UTC), years 1970-9999 */
    int s3;               /* non-zero: S3 rules (single encoding, no path
                             normalisation, x-amz-content-sha256 always sent) */
    uint32_t expires_s;   /* presigned URLs only: X-Amz-Expires, 1..SIGV4_MAX_EXPIRES */
};

#define SIGV4_MAX_SET_HEADERS 4

/* Everything signing produced. Initialise with sigv4_result_init, free with
 * sigv4_result_clean_up (wipes the copy of the session token). */
struct sigv4_result {
    struct rec_buf canonical_request;
    struct rec_buf string_to_sign;
    struct rec_buf signed_headers;  /* "host;x-amz-date;..." */
    struct rec_buf authorization;   /* header signing: the Authorization value */
    struct rec_buf presigned_query; /* presigning: the full query string (no '?'),
                                       operation parameters + X-Amz-* + X-Amz-Signature */
    char amz_date[17];              /* "YYYYMMDDTHHMMSSZ" */
    char payload_hash[72];          /* hex or "UNSIGNED-PAYLOAD" */
    char signature[65];             /* lower-case hex */
    /* Header signing: headers to set on the request, each replacing any
     * header of the same name (case-insensitive), in this order:
     * X-Amz-Date, X-Amz-Security-Token (with a session token),
     * X-Amz-Content-SHA256 (S3, or an unsigned payload), Authorization.
     * Values point into this struct. */
    struct sigv4_header set_headers[SIGV4_MAX_SET_HEADERS];
    size_t n_set_headers;
    char *token_copy;               /* backing store of the token value */
};

/* Prepares an empty result in the caller's storage (no allocation yet). */
void sigv4_result_init(struct sigv4_result *r);
/* Frees every buffer (wiping the presigned query and the token copy); the
 * result may be used again after sigv4_result_init. */
void sigv4_result_clean_up(struct sigv4_result *r);

struct sigv4_signer;

/* Creates a signer holding a copy of creds. Returns 0, REC_ERR_INVALID (bad
 * credentials) or REC_ERR_NOMEM; *out is set only on success. Destroy with
 * sigv4_signer_destroy, which wipes the credentials and cached keys. */
int sigv4_signer_new(struct sigv4_signer **out, const struct sigv4_credentials *creds);
/* NULL is accepted. */
void sigv4_signer_destroy(struct sigv4_signer *signer);

/* Signs req with an Authorization header. result must be initialised (it is
 * reset first, so one result may be reused). Returns 0, REC_ERR_INVALID (bad
 * params, no signable header, header name not a token), REC_ERR_LIMIT,
 * REC_ERR_NOMEM. */
int sigv4_sign(struct sigv4_signer *signer, const struct sigv4_request *req,
               const struct sigv4_params *params, struct sigv4_result *result);

/* Presigns req: result->presigned_query is the query to send instead of
 * req->query. The request's headers (Host at least) are signed and must be
 * sent unchanged; the session token travels as X-Amz-Security-Token in the
 * query. Errors as sigv4_sign. */
int sigv4_presign(struct sigv4_signer *signer, const struct sigv4_request *req,
                  const struct sigv4_params *params, struct sigv4_result *result);

/* The signing key for (date "YYYYMMDD", region, service):
 * HMAC(HMAC(HMAC(HMAC("AWS4" + secret, date), region), service), "aws4_request").
 * Cached per (date, region, service) in a few slots. Returns 0,
 * REC_ERR_INVALID, REC_ERR_NOMEM. */
int sigv4_signing_key(struct sigv4_signer *signer, const char *date, const char *region,
                      const char *service, uint8_t key[32]);

/* How many signing keys were derived (not taken from the cache) so far; for
 * tests of the cache. */
unsigned long sigv4_signer_derivations(const struct sigv4_signer *signer);

/* Formats t as "YYYYMMDDTHHMMSSZ" (17 bytes with the NUL). Returns 0 or
 * REC_ERR_INVALID (outside years 1970-9999). */
int sigv4_format_amz_date(time_t t, char out[17]);

/* Parses "YYYYMMDDTHHMMSSZ" (exact form, a real calendar time). Returns 0 or
 * REC_ERR_INVALID. */
int sigv4_parse_amz_date(const char *s, time_t *out);

#endif

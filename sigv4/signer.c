#include "sigv4/signer.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/error.h"
#include "common/rfc3339.h"
#include "sigv4/crypto.h"
#include "sigv4/uri_encode.h"

#define KEY_SLOTS 4
#define SCOPE_PART_MAX 64 /* bytes of a region or service name we cache */

struct key_slot {
    int used;
    char date[9];
    char region[SCOPE_PART_MAX];
    char service[SCOPE_PART_MAX];
    uint8_t key[SIGV4_SHA256_LEN];
};

struct sigv4_signer {
    struct sigv4_credentials creds;
    struct key_slot slots[KEY_SLOTS];
    unsigned next_slot;
    unsigned long derivations;
};

void sigv4_result_init(struct sigv4_result *r)
{
    memset(r, 0, sizeof(*r));
    rec_buf_init(&r->canonical_request, SIGV4_CANONICAL_LIMIT);
    rec_buf_init(&r->string_to_sign, SIGV4_CANONICAL_LIMIT);
    rec_buf_init(&r->signed_headers, SIGV4_CANONICAL_LIMIT);
    rec_buf_init(&r->authorization, SIGV4_CANONICAL_LIMIT);
    rec_buf_init(&r->presigned_query, SIGV4_CANONICAL_LIMIT);
}

void sigv4_result_clean_up(struct sigv4_result *r)
{
    rec_buf_clean_up(&r->canonical_request, 0);
    rec_buf_clean_up(&r->string_to_sign, 0);
    rec_buf_clean_up(&r->signed_headers, 0);
    rec_buf_clean_up(&r->authorization, 0);
    /* a presigned query carries the session token */
    rec_buf_clean_up(&r->presigned_query, 1);
    if (r->token_copy) {
        sigv4_wipe(r->token_copy, strlen(r->token_copy));
        free(r->token_copy);
        r->token_copy = NULL;
    }
    r->n_set_headers = 0;
}

static void result_reset(struct sigv4_result *r)
{
    sigv4_result_clean_up(r);
    sigv4_result_init(r);
}

int sigv4_signer_new(struct sigv4_signer **out, const struct sigv4_credentials *creds)
{
    struct sigv4_signer *s = calloc(1, sizeof(*s));
    if (!s)
        return REC_ERR_NOMEM;
    int rc = sigv4_credentials_init(&s->creds, creds->access_key_id, creds->secret_access_key,
                                    creds->session_token);
    if (rc) {
        free(s);
        return rc;
    }
    *out = s;
    return 0;
}

void sigv4_signer_destroy(struct sigv4_signer *signer)
{
    if (!signer)
        return;
    sigv4_credentials_clean_up(&signer->creds);
    sigv4_wipe(signer->slots, sizeof(signer->slots));
    free(signer);
}

unsigned long sigv4_signer_derivations(const struct sigv4_signer *signer)
{
    return signer->derivations;
}

int sigv4_format_amz_date(time_t t, char out[17])
{
    struct tm tm;
    if (t < 0 || !gmtime_r(&t, &tm) || tm.tm_year + 1900 > 9999)
        return REC_ERR_INVALID;
    return strftime(out, 17, "%Y%m%dT%H%M%SZ", &tm) == 16 ? 0 : REC_ERR_INVALID;
}

static int digits(const char *s, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return 0;
}

int sigv4_parse_amz_date(const char *s, time_t *out)
{
    int y, mo, d, h, mi, se;
    if (!s || strlen(s) != 16 || s[8] != 'T' || s[15] != 'Z' || digits(s, 4, &y) ||
        digits(s + 4, 2, &mo) || digits(s + 6, 2, &d) || digits(s + 9, 2, &h) ||
        digits(s + 11, 2, &mi) || digits(s + 13, 2, &se))
        return REC_ERR_INVALID;
    static const int mdays[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    if (y < 1970 || mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] + (mo == 2 && leap) ||
        h > 23 || mi > 59 || se > 59)
        return REC_ERR_INVALID;
    long long secs = rec_days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400LL + h * 3600 + mi * 60 + se;
    if ((long long)(time_t)secs != secs)
        return REC_ERR_INVALID;
    *out = (time_t)secs;
    return 0;
}

/* Region and service go into the credential scope between '/' separators
 * and into the signing key; anything unprintable or a '/' would make a
 * scope the server parses differently from the one we signed. */
static int scope_part_valid(const char *s)
{
    if (!s || !*s || strlen(s) >= SCOPE_PART_MAX)
        return 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if (*p <= 0x20 || *p >= 0x7f || *p == '/')
            return 0;
    return 1;
}

int sigv4_signing_key(struct sigv4_signer *signer, const char *date, const char *region,
                      const char *service, uint8_t key[32])
{
    if (!date || strlen(date) != 8 || !scope_part_valid(region) || !scope_part_valid(service))
        return REC_ERR_INVALID;
    for (unsigned i = 0; i < KEY_SLOTS; i++) {
        struct key_slot *s = &signer->slots[i];
        if (s->used && strcmp(s->date, date) == 0 && strcmp(s->region, region) == 0 &&
            strcmp(s->service, service) == 0) {
            memcpy(key, s->key, SIGV4_SHA256_LEN);
            return 0;
        }
    }
    int rc = 0;
    const char *secret = signer->creds.secret_access_key;
    size_t secret_len = strlen(secret);
    size_t k0_len = 4 + secret_len;
    uint8_t *k0 = malloc(k0_len);
    uint8_t k1[SIGV4_SHA256_LEN], k2[SIGV4_SHA256_LEN], k3[SIGV4_SHA256_LEN];
    if (!k0)
        return REC_ERR_NOMEM;
    memcpy(k0, "AWS4", 4);
    memcpy(k0 + 4, secret, secret_len);
    REC_TRY(sigv4_hmac_sha256(k0, k0_len, date, 8, k1));
    REC_TRY(sigv4_hmac_sha256(k1, sizeof(k1), region, strlen(region), k2));
    REC_TRY(sigv4_hmac_sha256(k2, sizeof(k2), service, strlen(service), k3));
    REC_TRY(sigv4_hmac_sha256(k3, sizeof(k3), "aws4_request", 12, key));
    signer->derivations++;
    struct key_slot *s = &signer->slots[signer->next_slot];
    signer->next_slot = (signer->next_slot + 1) % KEY_SLOTS;
    sigv4_wipe(s, sizeof(*s));
    s->used = 1;
    memcpy(s->date, date, 9);
    snprintf(s->region, sizeof(s->region), "%s", region);
    snprintf(s->service, sizeof(s->service), "%s", service);
    memcpy(s->key, key, SIGV4_SHA256_LEN);
cleanup:
    sigv4_wipe(k0, k0_len);
    free(k0);
    sigv4_wipe(k1, sizeof(k1));
    sigv4_wipe(k2, sizeof(k2));
    sigv4_wipe(k3, sizeof(k3));
    return rc;
}

static const char *find_header(const struct sigv4_request *req, const char *name)
{
    for (size_t i = 0; i < req->n_headers; i++)
        if (req->headers[i].name && strcasecmp(req->headers[i].name, name) == 0)
            return req->headers[i].value ? req->headers[i].value : "";
    return NULL;
}

/* The HashedPayload line: the caller's value, else the request's
 * x-amz-content-sha256, else UNSIGNED-PAYLOAD for presigned S3, else
 * SHA-256 of the body. */
static int resolve_payload_hash(const struct sigv4_request *req, int presign, int s3,
                                char out[72])
{
    const char *given = req->payload_hash;
    if (!given) {
        const char *h = find_header(req, "x-amz-content-sha256");
        if (h) {
            /* The header's value is what the server compares against, so it is
             * what goes into the canonical request (trimmed like any header). */
            struct rec_buf t;
            rec_buf_init(&t, 71);
            int rc = sigv4_trimall(&t, h);
            if (!rc)
                snprintf(out, 72, "%s", t.data ? t.data : "");
            rec_buf_clean_up(&t, 0);
            return rc == REC_ERR_LIMIT ? REC_ERR_INVALID : rc;
        }
    }
    if (!given && presign && s3)
        given = SIGV4_UNSIGNED_PAYLOAD;
    if (given) {
        if (strlen(given) >= 72 || strlen(given) == 0)
            return REC_ERR_INVALID;
        snprintf(out, 72, "%s", given);
        return 0;
    }
    if (req->body_len && !req->body)
        return REC_ERR_INVALID;
    return sigv4_sha256_hex(req->body, req->body_len, out);
}

static int validate(const struct sigv4_request *req, const struct sigv4_params *params)
{
    if (!req || !params || !req->method || !*req->method || !req->path ||
        !scope_part_valid(params->region) || !scope_part_valid(params->service) ||
        (req->n_headers && !req->headers))
        return REC_ERR_INVALID;
    for (const char *p = req->method; *p; p++)
        if (*p <= ' ' || *p >= 0x7f)
            return REC_ERR_INVALID;
    return 0;
}

/* Appends "date/region/service/aws4_request". */
static int append_scope(struct rec_buf *b, const char *amz_date, const struct sigv4_params *p)
{
    return rec_buf_printf(b, "%.8s/%s/%s/aws4_request", amz_date, p->region, p->service);
}

/* Joins the six lines of the canonical request. */
static int build_canonical(struct sigv4_result *r, const struct sigv4_request *req,
                           const struct sigv4_params *params, const struct rec_buf *query,
                           const struct rec_buf *canon_headers)
{
    int rc = 0;
    struct rec_buf *cr = &r->canonical_request;
    REC_TRY(rec_buf_append_str(cr, req->method));
    REC_TRY(rec_buf_append(cr, "\n", 1));
    REC_TRY(sigv4_canonical_uri(cr, req->path, strlen(req->path), params->s3));
    REC_TRY(rec_buf_append(cr, "\n", 1));
    if (query->len)
        REC_TRY(rec_buf_append(cr, query->data, query->len));
    REC_TRY(rec_buf_append(cr, "\n", 1));
    REC_TRY(rec_buf_append(cr, canon_headers->data, canon_headers->len));
    REC_TRY(rec_buf_append(cr, "\n", 1));
    REC_TRY(rec_buf_append(cr, r->signed_headers.data, r->signed_headers.len));
    REC_TRY(rec_buf_append(cr, "\n", 1));
    REC_TRY(rec_buf_append_str(cr, r->payload_hash));
cleanup:
    return rc;
}

/* String to sign and signature from the finished canonical request. */
static int finish_signature(struct sigv4_signer *signer, struct sigv4_result *r,
                            const struct sigv4_params *params)
{
    int rc = 0;
    char cr_hash[SIGV4_SHA256_HEX_LEN + 1];
    uint8_t key[SIGV4_SHA256_LEN], sig[SIGV4_SHA256_LEN];
    char date[9];
    memcpy(date, r->amz_date, 8);
    date[8] = '\0';
    REC_TRY(sigv4_sha256_hex(r->canonical_request.data, r->canonical_request.len, cr_hash));
    struct rec_buf *sts = &r->string_to_sign;
    REC_TRY(rec_buf_printf(sts, "%s\n%s\n", SIGV4_ALGORITHM, r->amz_date));
    REC_TRY(append_scope(sts, r->amz_date, params));
    REC_TRY(rec_buf_printf(sts, "\n%s", cr_hash));
    REC_TRY(sigv4_signing_key(signer, date, params->region, params->service, key));
    REC_TRY(sigv4_hmac_sha256(key, sizeof(key), sts->data, sts->len, sig));
    sigv4_hex_encode(sig, sizeof(sig), r->signature);
cleanup:
    sigv4_wipe(key, sizeof(key));
    return rc;
}

int sigv4_sign(struct sigv4_signer *signer, const struct sigv4_request *req,
               const struct sigv4_params *params, struct sigv4_result *r)
{
    int rc;
    struct rec_buf query, canon_headers;
    rec_buf_init(&query, SIGV4_CANONICAL_LIMIT);
    rec_buf_init(&canon_headers, SIGV4_CANONICAL_LIMIT);
    result_reset(r);
    REC_TRY(validate(req, params));
    REC_TRY(sigv4_format_amz_date(params->time, r->amz_date));
    REC_TRY(resolve_payload_hash(req, 0, params->s3, r->payload_hash));

    r->set_headers[r->n_set_headers++] = (struct sigv4_header){ "X-Amz-Date", r->amz_date };
    if (signer->creds.session_token) {
        r->token_copy = strdup(signer->creds.session_token);
        if (!r->token_copy) {
            rc = REC_ERR_NOMEM;
            goto cleanup;
        }
        r->set_headers[r->n_set_headers++] =
            (struct sigv4_header){ "X-Amz-Security-Token", r->token_copy };
    }
    /* S3 refuses requests without x-amz-content-sha256; other services need it
     * only to learn that the payload is not signed. */
    if (params->s3 || strcmp(r->payload_hash, SIGV4_UNSIGNED_PAYLOAD) == 0)
        r->set_headers[r->n_set_headers++] =
            (struct sigv4_header){ "X-Amz-Content-SHA256", r->payload_hash };

    REC_TRY(sigv4_canonical_headers(&canon_headers, &r->signed_headers, req->headers, req->n_headers,
                                r->set_headers, r->n_set_headers));
    REC_TRY(sigv4_canonical_query(&query, req->query, NULL, 0, 0));
    REC_TRY(build_canonical(r, req, params, &query, &canon_headers));
    REC_TRY(finish_signature(signer, r, params));

    REC_TRY(rec_buf_printf(&r->authorization, "%s Credential=%s/", SIGV4_ALGORITHM,
                       signer->creds.access_key_id));
    REC_TRY(append_scope(&r->authorization, r->amz_date, params));
    REC_TRY(rec_buf_printf(&r->authorization, ", SignedHeaders=%s, Signature=%s",
                       r->signed_headers.data, r->signature));
    r->set_headers[r->n_set_headers++] =
        (struct sigv4_header){ "Authorization", r->authorization.data };
cleanup:
    rec_buf_clean_up(&query, 0);
    rec_buf_clean_up(&canon_headers, 0);
    if (rc)
        result_reset(r);
    return rc;
}

int sigv4_presign(struct sigv4_signer *signer, const struct sigv4_request *req,
                  const struct sigv4_params *params, struct sigv4_result *r)
{
    int rc;
    struct rec_buf query, canon_headers, credential;
    rec_buf_init(&query, SIGV4_CANONICAL_LIMIT);
    rec_buf_init(&canon_headers, SIGV4_CANONICAL_LIMIT);
    rec_buf_init(&credential, 4096);
    result_reset(r);
    REC_TRY(validate(req, params));
    if (params->expires_s < 1 || params->expires_s > SIGV4_MAX_EXPIRES) {
        rc = REC_ERR_INVALID;
        goto cleanup;
    }
    REC_TRY(sigv4_format_amz_date(params->time, r->amz_date));
    REC_TRY(resolve_payload_hash(req, 1, params->s3, r->payload_hash));
    REC_TRY(sigv4_canonical_headers(&canon_headers, &r->signed_headers, req->headers, req->n_headers,
                                NULL, 0));
    REC_TRY(rec_buf_printf(&credential, "%s/", signer->creds.access_key_id));
    REC_TRY(append_scope(&credential, r->amz_date, params));
    char expires[16];
    snprintf(expires, sizeof(expires), "%u", (unsigned)params->expires_s);
    struct sigv4_header auth[6] = {
        { "X-Amz-Algorithm", SIGV4_ALGORITHM },
        { "X-Amz-Credential", credential.data },
        { "X-Amz-Date", r->amz_date },
        { "X-Amz-Expires", expires },
        { "X-Amz-SignedHeaders", r->signed_headers.data },
        { "X-Amz-Security-Token", signer->creds.session_token },
    };
    size_t n_auth = signer->creds.session_token ? 6 : 5;
    REC_TRY(sigv4_canonical_query(&query, req->query, auth, n_auth, 1));
    REC_TRY(build_canonical(r, req, params, &query, &canon_headers));
    REC_TRY(finish_signature(signer, r, params));
    REC_TRY(rec_buf_append(&r->presigned_query, query.data, query.len));
    REC_TRY(rec_buf_printf(&r->presigned_query, "&X-Amz-Signature=%s", r->signature));
cleanup:
    rec_buf_clean_up(&query, 1);
    rec_buf_clean_up(&canon_headers, 0);
    rec_buf_clean_up(&credential, 0);
    if (rc)
        result_reset(r);
    return rc;
}

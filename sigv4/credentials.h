/*
 * AWS credentials and region for signing.
 *
 * Lambda puts the function role's temporary credentials in the environment
 * (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN) and the region
 * in AWS_REGION ("Defined runtime environment variables", AWS Lambda
 * Developer Guide). The Java original read its region from REGION, so that is
 * the fallback.
 *
 * Storage: struct sigv4_credentials lives in the caller's storage; its strings
 * are heap copies owned by it and wiped (OPENSSL_cleanse) by
 * sigv4_credentials_clean_up, so a secret never outlives its holder in freed
 * memory.
 */
#ifndef REC_SIGV4_CREDENTIALS_H
#define REC_SIGV4_CREDENTIALS_H

#include <stddef.h>

struct sigv4_credentials {
    char *access_key_id;     /* e.g. "AKIDEXAMPLE" */
    char *secret_access_key; /* secret */
    char *session_token;     /* secret; NULL for long-term keys */
};

/* Copies the three strings (token may be NULL or "" for none). Access key and
 * secret must be non-empty and free of control characters, and the access key
 * may not contain '/' (it is the first field of the credential scope).
 * Returns 0, REC_ERR_INVALID or REC_ERR_NOMEM; on error creds is left empty
 * and needs no clean-up (calling it anyway is safe). */
int sigv4_credentials_init(struct sigv4_credentials *creds, const char *access_key_id,
                           const char *secret_access_key, const char *session_token);

/* sigv4_credentials_init from AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and
 * (optional) AWS_SESSION_TOKEN. Returns REC_ERR_CONFIG when a required
 * variable is missing or empty, else as sigv4_credentials_init. */
int sigv4_credentials_from_env(struct sigv4_credentials *creds);

/* Wipes and frees the strings; safe on a zeroed or already cleaned struct. */
void sigv4_credentials_clean_up(struct sigv4_credentials *creds);

/* Copies the region from AWS_REGION, else REGION, into out (cap bytes with
 * the NUL). Returns 0, REC_ERR_CONFIG when neither is set (or the value is
 * not a plausible region name: 1-63 of a-z 0-9 -), REC_ERR_LIMIT when it
 * does not fit. */
int sigv4_region_from_env(char *out, size_t cap);

#endif

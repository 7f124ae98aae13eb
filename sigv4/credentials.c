#include "sigv4/credentials.h"

#include <stdlib.h>
#include <string.h>

#include "common/error.h"
#include "sigv4/crypto.h"

static void free_secret(char **s)
{
    if (*s) {
        sigv4_wipe(*s, strlen(*s));
        free(*s);
        *s = NULL;
    }
}

static int printable(const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if (*p < 0x20 || *p == 0x7f)
            return 0;
    return 1;
}

int sigv4_credentials_init(struct sigv4_credentials *creds, const char *access_key_id,
                           const char *secret_access_key, const char *session_token)
{
    creds->access_key_id = creds->secret_access_key = creds->session_token = NULL;
    if (!access_key_id || !*access_key_id || !secret_access_key || !*secret_access_key ||
        !printable(access_key_id) || strchr(access_key_id, '/') || !printable(secret_access_key) ||
        (session_token && !printable(session_token)))
        return REC_ERR_INVALID;
    creds->access_key_id = strdup(access_key_id);
    creds->secret_access_key = strdup(secret_access_key);
    if (session_token && *session_token)
        creds->session_token = strdup(session_token);
    if (!creds->access_key_id || !creds->secret_access_key ||
        (session_token && *session_token && !creds->session_token)) {
        sigv4_credentials_clean_up(creds);
        return REC_ERR_NOMEM;
    }
    return 0;
}

int sigv4_credentials_from_env(struct sigv4_credentials *creds)
{
    const char *ak = getenv("AWS_ACCESS_KEY_ID");
    const char *sk = getenv("AWS_SECRET_ACCESS_KEY");
    creds->access_key_id = creds->secret_access_key = creds->session_token = NULL;
    if (!ak || !*ak || !sk || !*sk)
        return REC_ERR_CONFIG;
    return sigv4_credentials_init(creds, ak, sk, getenv("AWS_SESSION_TOKEN"));
}

void sigv4_credentials_clean_up(struct sigv4_credentials *creds)
{
    free_secret(&creds->access_key_id);
    free_secret(&creds->secret_access_key);
    free_secret(&creds->session_token);
}

int sigv4_region_from_env(char *out, size_t cap)
{
    const char *r = getenv("AWS_REGION");
    if (!r || !*r)
        r = getenv("REGION");
    if (!r || !*r)
        return REC_ERR_CONFIG;
    size_t n = strlen(r);
    if (n > 63)
        return REC_ERR_CONFIG;
    for (size_t i = 0; i < n; i++) {
        char c = r[i];
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'))
            return REC_ERR_CONFIG;
    }
    if (n + 1 > cap)
        return REC_ERR_LIMIT;
    memcpy(out, r, n + 1);
    return 0;
}

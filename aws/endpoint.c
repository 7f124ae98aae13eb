#include "aws/endpoint.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/error.h"

int rec_aws_endpoint_parse(const char *url, struct rec_aws_endpoint *out)
{
    memset(out, 0, sizeof(*out));
    if (!url)
        return REC_ERR_INVALID;
    const char *rest;
    int default_port;
    if (strncasecmp(url, "https://", 8) == 0) {
        strcpy(out->scheme, "https");
        rest = url + 8;
        default_port = 443;
    } else if (strncasecmp(url, "http://", 7) == 0) {
        strcpy(out->scheme, "http");
        rest = url + 7;
        default_port = 80;
    } else {
        return REC_ERR_INVALID;
    }
    size_t auth_len = strcspn(rest, "/?#");
    const char *path = rest + auth_len;
    if (*path == '?' || *path == '#' || strpbrk(path, "?#"))
        return REC_ERR_INVALID;
    if (auth_len == 0 || memchr(rest, '@', auth_len))
        return REC_ERR_INVALID;
    /* host part ends at the port colon; an IPv6 literal is bracketed */
    size_t host_len;
    if (rest[0] == '[') {
        const char *close = memchr(rest, ']', auth_len);
        if (!close)
            return REC_ERR_INVALID;
        host_len = (size_t)(close - rest) + 1;
    } else {
        const char *colon = memchr(rest, ':', auth_len);
        host_len = colon ? (size_t)(colon - rest) : auth_len;
    }
    if (host_len == 0 || host_len >= sizeof(out->host))
        return host_len ? REC_ERR_LIMIT : REC_ERR_INVALID;
    for (size_t i = 0; i < host_len; i++) {
        unsigned char c = (unsigned char)rest[i];
        if (!(isalnum(c) || c == '-' || c == '.' || c == '[' || c == ']' || c == ':' || c == '_'))
            return REC_ERR_INVALID;
        out->host[i] = (char)tolower(c);
    }
    out->host[host_len] = '\0';
    if (host_len < auth_len) {
        if (rest[host_len] != ':' || host_len + 1 == auth_len)
            return REC_ERR_INVALID;
        long port = 0;
        for (size_t i = host_len + 1; i < auth_len; i++) {
            if (!isdigit((unsigned char)rest[i]))
                return REC_ERR_INVALID;
            port = port * 10 + (rest[i] - '0');
            if (port > 65535)
                return REC_ERR_INVALID;
        }
        if (port == 0)
            return REC_ERR_INVALID;
        out->port = (int)port;
    }
    if (out->port && out->port != default_port)
        snprintf(out->authority, sizeof(out->authority), "%s:%d", out->host, out->port);
    else
        snprintf(out->authority, sizeof(out->authority), "%s", out->host);
    size_t path_len = strlen(path);
    while (path_len && path[path_len - 1] == '/')
        path_len--;
    if (path_len >= sizeof(out->base_path))
        return REC_ERR_LIMIT;
    memcpy(out->base_path, path, path_len);
    out->base_path[path_len] = '\0';
    return 0;
}

int rec_aws_endpoint_env_name(const char *service_id, char *out, size_t cap)
{
    static const char prefix[] = "AWS_ENDPOINT_URL_";
    size_t n = strlen(service_id);
    if (sizeof(prefix) + n > cap)
        return REC_ERR_LIMIT;
    memcpy(out, prefix, sizeof(prefix) - 1);
    for (size_t i = 0; i < n; i++) {
        char c = service_id[i];
        out[sizeof(prefix) - 1 + i] = (c == ' ' || c == '-') ? '_' : (char)toupper((unsigned char)c);
    }
    out[sizeof(prefix) - 1 + n] = '\0';
    return 0;
}

static int label_ok(const char *s)
{
    if (!s || !*s || strlen(s) > 63)
        return 0;
    for (const char *p = s; *p; p++)
        if (!(islower((unsigned char)*p) || isdigit((unsigned char)*p) || *p == '-'))
            return 0;
    return 1;
}

int rec_aws_endpoint_resolve(const char *service_id, const char *endpoint_prefix,
                             const char *region, struct rec_aws_endpoint *out)
{
    char var[128];
    const char *url = NULL;
    if (service_id && rec_aws_endpoint_env_name(service_id, var, sizeof(var)) == 0)
        url = getenv(var);
    if (!url || !*url)
        url = getenv("AWS_ENDPOINT_URL");
    if (url && *url) {
        if (rec_aws_endpoint_parse(url, out) != 0)
            return REC_ERR_CONFIG;
        out->overridden = 1;
        return 0;
    }
    if (!label_ok(endpoint_prefix) || !label_ok(region))
        return REC_ERR_INVALID;
    char def[REC_AWS_HOST_MAX + 16];
    snprintf(def, sizeof(def), "https://%s.%s.amazonaws.com%s", endpoint_prefix, region,
             strncmp(region, "cn-", 3) == 0 ? ".cn" : "");
    return rec_aws_endpoint_parse(def, out);
}

/*
 * Where requests for a service go.
 *
 * Default: https://PREFIX.REGION.amazonaws.com (".amazonaws.com.cn" in the
 * cn-* regions), PREFIX being the service's endpoint prefix ("s3",
 * "kinesisvideo", "connect"). Overrides follow the SDKs' "service-specific
 * endpoints" convention (AWS SDKs and Tools Reference Guide, "Service-specific
 * endpoints"): AWS_ENDPOINT_URL_<SERVICE ID> where the service id is upper-cased
 * with spaces as underscores (S3, KINESIS_VIDEO, CONNECT), then
 * AWS_ENDPOINT_URL for every service.
 */
#ifndef REC_AWS_ENDPOINT_H
#define REC_AWS_ENDPOINT_H

#include <stddef.h>

#define REC_AWS_HOST_MAX 256

/* A parsed base URL. */
struct rec_aws_endpoint {
    char scheme[8];                    /* "https" or "http" */
    char host[REC_AWS_HOST_MAX];       /* lower case; an IPv6 literal keeps its brackets */
    int port;                          /* from the URL, 0 when absent */
    char authority[REC_AWS_HOST_MAX + 8]; /* the Host header: host, plus ":port" when
                                            it is not the scheme's default */
    char base_path[512];               /* path of the URL without a trailing '/', usually "" */
    int overridden;                    /* came from AWS_ENDPOINT_URL* */
};

/* Parses "scheme://host[:port][/path]" (http or https only; no user info, query
 * or fragment). Returns 0, REC_ERR_INVALID or REC_ERR_LIMIT (host or path too
 * long). */
int rec_aws_endpoint_parse(const char *url, struct rec_aws_endpoint *out);

/* Writes "AWS_ENDPOINT_URL_" + service_id upper-cased, spaces and dashes as
 * '_' into out (cap bytes). Returns 0 or REC_ERR_LIMIT. */
int rec_aws_endpoint_env_name(const char *service_id, char *out, size_t cap);

/* Resolves the endpoint for a service: the service's variable, then
 * AWS_ENDPOINT_URL, then the default for endpoint_prefix and region.
 * Returns 0, REC_ERR_CONFIG (an override that does not parse), or
 * REC_ERR_INVALID (bad prefix or region). */
int rec_aws_endpoint_resolve(const char *service_id, const char *endpoint_prefix,
                             const char *region, struct rec_aws_endpoint *out);

#endif

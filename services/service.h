/*
 * What every service client shares: where its settings come from, and the
 * one way a JSON call is sent.
 *
 * The service clients (services/kvs_client.h, services/s3_client.h,
 * services/connect_client.h) stand side by side on the request layer
 * (aws/http.h); each implements the API reference pages it cites and
 * nothing of our application. A client reports a failure through the
 * caller's struct rec_error (common/error.h) and returns answers' data
 * through struct rec_aws_response (status, headers, body).
 *
 * JSON calls: the rest-json services (Kinesis Video, Connect) take a POST
 * with a JSON document to an operation's path, and the JSON 1.0 services
 * (DynamoDB) a POST to "/" naming the operation in X-Amz-Target (botocore's
 * service models, "protocol"; SIBLINGS.md §0.2). Adding such a call is:
 * build the request document with cJSON, call service_json_send, read the
 * answer's fields.
 */
#ifndef REC_SERVICES_SERVICE_H
#define REC_SERVICES_SERVICE_H

#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "aws/http.h"
#include "common/error.h"

/* Settings a caller may give a service client instead of the environment
 * (region from AWS_REGION then REGION, credentials from AWS_ACCESS_KEY_ID,
 * AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN, endpoint from
 * AWS_ENDPOINT_URL_<SERVICE> then AWS_ENDPOINT_URL then the default). Every
 * field is optional (NULL / 0: as in the environment or the layer's
 * default); everything is copied by the client. */
struct service_options {
    const char *region;
    const struct sigv4_credentials *credentials;
    const char *endpoint_url;
    size_t max_response_bytes;         /* cap on an answer held in memory; 0: 16 MiB */
    struct rec_aws_retry_policy retry; /* zero: aws/retry.h defaults */
    const char *endpoint_prefix;       /* default host label when it is not the signing
                                          name ("media-pipelines-chime", "cognito-idp";
                                          botocore's endpointPrefix); NULL: signing name */
};

/* Creates the request-layer client of one service: service_id names the
 * endpoint override (aws/endpoint.h), signing_name the SigV4 service, s3
 * selects S3's signing rules. opt may be NULL. Returns 0 or the error of
 * rec_aws_client_new (REC_ERR_CONFIG: no region or credentials in the
 * environment, or an endpoint override that does not parse). Destroy with
 * rec_aws_client_destroy. */
int service_client_new(struct rec_aws_client **out, const char *service_id,
                       const char *signing_name, int s3, const struct service_options *opt);

/* One JSON call. Everything is borrowed for the call. */
struct service_json_request {
    const char *operation;    /* the API's name ("GetDataEndpoint"): names failures */
    const char *endpoint_url; /* NULL: the client's endpoint; else a base URL
                                 (Kinesis Video's data plane: GetDataEndpoint's answer) */
    const char *path;         /* the operation's path ("/getMedia"); "/" for JSON 1.0 */
    const char *target;       /* X-Amz-Target for JSON 1.0 ("DynamoDB_20120810.PutItem"),
                                 NULL for rest-json */
    const char *content_type; /* NULL: "application/json" (rest-json); JSON 1.0 wants
                                 "application/x-amz-json-1.0" */
    const cJSON *body;        /* the request document; NULL: the caller ran out of
                                 memory building it (REC_ERR_NOMEM, nothing sent) */
    rec_aws_body_fn on_body;  /* NULL: a 2xx answer is collected in resp->body */
    void *user;               /* for on_body */
    long idle_ms;             /* with on_body: the stall limit (0: the client's) */
    int64_t deadline_ms;      /* absolute, Unix epoch ms; 0: none */
    unsigned max_attempts;    /* 0: the client's retry policy; 2 = one retry at most
                                 (callers with a few seconds, like a contact flow's) */
    const char *method;       /* NULL: "POST". "GET" and "DELETE" send no body (body
                                 must be NULL): rest-json reads and deletes name their
                                 resource in the path (Chime SDK Media Pipelines,
                                 Connect DescribeUser) */
    int not_found;            /* non-zero: a 404 answer returns REC_ERR_NOT_FOUND (not
                                 retriable) instead of REC_ERR_AWS, for callers to
                                 whom "no such resource" is an answer */
};

/* Prints req->body (none for GET and DELETE), sends it (retrying as aws/http.h says) and fills resp.
 * With answer non-NULL and a collected 2xx body, *answer is that body parsed
 * (the caller frees it with cJSON_Delete; NULL on failure). Returns 0, or
 * on failure a negative REC_ERR_* with err filled by rec_aws_error_from_send
 * ("Operation: status Code: message (request id X)"), or REC_ERR_INVALID
 * (not retriable) when the 2xx answer is not a JSON object, REC_ERR_NOMEM. */
int service_json_send(struct rec_aws_client *client, const struct service_json_request *req,
                      struct rec_aws_response *resp, cJSON **answer, struct rec_error *err);

/* The string member name of a JSON object, or NULL when it is missing or
 * not a string. The string belongs to obj. */
const char *service_json_string(const cJSON *obj, const char *name);

#endif

/*
 * The seed's Recording API on the wire: API Gateway HTTP API requests
 * (payload format 2.0, AWS_IAM authorization) in, the seed's envelopes out.
 *
 * Rule sources: API Gateway Developer Guide, "Working with AWS Lambda proxy
 * integrations for HTTP APIs" (version "2.0", routeKey, headers with
 * lower-case names, body a string, isBase64Encoded, queryStringParameters,
 * requestContext.authorizer.iam; the answer {statusCode, headers, body});
 * the seed's LambdaUtility.js and RecordingService.js for fields, status
 * codes and messages (VIDEO.md §1.2-§1.7).
 */
#ifndef REC_VIDEO_API_H
#define REC_VIDEO_API_H

#include <cjson/cJSON.h>

#include "common/buf.h"
#include "common/error.h"

#define VIDEO_MEETING_ID_MAX 257 /* bytes with the NUL; the seed's ids are 2..64 */
#define VIDEO_CONTACT_ID_MAX 257
#define VIDEO_URL_MAX 2049
#define VIDEO_SUB_MAX 129
#define VIDEO_POOL_MAX 129
#define VIDEO_API_BODY_MAX (1024 * 1024) /* bytes of a request body read */

enum video_route {
    VIDEO_ROUTE_UNKNOWN = 0,
    VIDEO_ROUTE_START,   /* POST /recording */
    VIDEO_ROUTE_STOP,    /* DELETE /recording */
    VIDEO_ROUTE_SUMMARY, /* GET /recording-summary */
};

/* One API request, read. Strings are "" when the request lacks them (the
 * routes answer the seed's 400s). */
struct video_api_request {
    enum video_route route;
    char external_meeting_id[VIDEO_MEETING_ID_MAX];
    char connect_contact_id[VIDEO_CONTACT_ID_MAX];
    char playback_url[VIDEO_URL_MAX];   /* videoRecordingPlaybackURL as the client sent it */
    char user_pool_id[VIDEO_POOL_MAX];  /* from the CognitoSignIn amr entry */
    char sub[VIDEO_SUB_MAX];            /* the Cognito user the identity pool attested */
    int too_long;                       /* a field did not fit: answer 400 */
};

/* Non-zero when event is an HTTP API payload 2.0 request
 * ("version":"2.0" and requestContext.http). */
int video_api_is_request(const cJSON *event);

/* Reads event into *out. The body (base64 when isBase64Encoded) is parsed as
 * JSON only when the content-type header contains application/json (any
 * case: the seed's parseEventBody); otherwise its fields are absent. The
 * caller's identity comes from the amr entry
 * "cognito-idp.<region>.amazonaws.com/<poolId>:CognitoSignIn:<sub>" of
 * requestContext.authorizer.iam.cognitoIdentity.amr (absent: "").
 * Returns 0 (a request with missing or over-long fields is still read; see
 * too_long), REC_ERR_NOMEM. Never fails on the client's input. */
int video_api_read(const cJSON *event, struct video_api_request *out, struct rec_error *err);

/* Writes the Lambda answer for API Gateway into out (replacing it):
 * {"statusCode":status,"headers":{"Content-Type":"application/json"},
 *  "body":"<text>"} where the body text is, for status 200,
 * {"success":success,"data":data,"reqId":req_id}, and otherwise
 * {"message":message,"reqId":req_id} (LambdaUtility.js). data is borrowed
 * (may be NULL: no data member). Returns 0, REC_ERR_NOMEM, REC_ERR_LIMIT. */
int video_api_answer(struct rec_buf *out, int status, const char *success, const cJSON *data,
                     const char *message, const char *req_id);

#endif

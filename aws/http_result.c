/* What an attempt's outcome means (aws/http.h, rec_aws_send's contract),
 * and the error record of a failed send. Retry classes: aws/retry.h. */
#include <stdio.h>
#include <string.h>

#include "aws/error_parse.h"
#include "aws/http_internal.h"
#include "common/clock.h"
#include "common/error.h"

int http_is_2xx(long status)
{
    return status >= 200 && status <= 299;
}

void http_set_transport_error(struct rec_aws_response *resp, const char *code, const char *msg)
{
    snprintf(resp->error_code, sizeof(resp->error_code), "%s", code);
    snprintf(resp->error_message, sizeof(resp->error_message), "%s", msg);
}

/* The service answered non-2xx: its code and message, or the status and
 * reason phrase when the body names none (HEAD answers have no body). */
static int classify_answer(const struct http_xfer *x, struct rec_aws_response *resp)
{
    rec_aws_parse_error(rec_aws_response_header(resp, "x-amzn-ErrorType"), resp->body.data,
                        resp->body.len, resp->error_code, sizeof(resp->error_code),
                        resp->error_message, sizeof(resp->error_message));
    if (!resp->error_code[0])
        snprintf(resp->error_code, sizeof(resp->error_code), "%ld", resp->status);
    if (!resp->error_message[0])
        snprintf(resp->error_message, sizeof(resp->error_message), "%s", x->reason);
    resp->retriable = rec_aws_is_retriable(resp->status, resp->error_code, 0);
    return REC_ERR_AWS;
}

/* No usable answer: connect, TLS, reset, or a stall. */
static int classify_transport(CURLcode cc, const struct http_xfer *x, struct rec_aws_response *resp)
{
    resp->stalled = cc == CURLE_ABORTED_BY_CALLBACK && x->stalled;
    char msg[CURL_ERROR_SIZE + 128];
    snprintf(msg, sizeof(msg), x->detail[0] ? "%s: %s" : "%s", curl_easy_strerror(cc), x->detail);
    http_set_transport_error(resp, resp->stalled ? "Stalled" : "TransportError", msg);
    /* a certificate that does not verify will not verify next time either */
    resp->retriable = !(cc == CURLE_PEER_FAILED_VERIFICATION || cc == CURLE_SSL_CACERT_BADFILE ||
                        cc == CURLE_SSL_CERTPROBLEM || cc == CURLE_SSL_ISSUER_ERROR);
    return REC_ERR_HTTP;
}

int http_classify(CURLcode cc, const struct http_xfer *x, int64_t deadline_ms,
                  struct rec_aws_response *resp)
{
    if (cc == CURLE_WRITE_ERROR && resp->stopped)
        return 0;
    if ((cc == CURLE_WRITE_ERROR || cc == CURLE_ABORTED_BY_CALLBACK) && x->cb_error) {
        resp->retriable = 0;
        return x->cb_error;
    }
    if (cc == CURLE_WRITE_ERROR && x->over_cap) {
        http_set_transport_error(resp, "ResponseTooLarge", "the response body passed the in-memory cap");
        resp->retriable = 0;
        return REC_ERR_LIMIT;
    }
    if (cc == CURLE_OK)
        return http_is_2xx(resp->status) ? 0 : classify_answer(x, resp);
    if (cc == CURLE_OPERATION_TIMEDOUT && deadline_ms && rec_clock_now_ms() >= deadline_ms - 5) {
        http_set_transport_error(resp, "DeadlineExceeded", "the deadline passed during the request");
        resp->retriable = 1;
        return REC_ERR_TIMEOUT;
    }
    if (cc == CURLE_OUT_OF_MEMORY)
        return REC_ERR_NOMEM;
    if (cc == CURLE_URL_MALFORMAT || cc == CURLE_UNSUPPORTED_PROTOCOL) {
        http_set_transport_error(resp, "InvalidURL", curl_easy_strerror(cc));
        return REC_ERR_INVALID;
    }
    return classify_transport(cc, x, resp);
}

int rec_aws_error_from_send(struct rec_error *err, const char *operation, int rc,
                            const struct rec_aws_response *resp)
{
    if (rc == 0)
        return 0;
    static const struct rec_aws_response none; /* a failure before any response */
    if (!resp)
        resp = &none;
    char status[24] = "";
    if (resp->status)
        snprintf(status, sizeof(status), "%ld ", resp->status);
    int has_msg = resp->error_message[0] != '\0', has_rid = resp->request_id[0] != '\0';
    return rec_error_set(err, rc, resp->retriable, "%s: %s%s%s%s%s%s%s",
                         operation && *operation ? operation : "AWS request", status,
                         resp->error_code[0] ? resp->error_code : rec_strerror(rc),
                         has_msg ? ": " : "", resp->error_message,
                         has_rid ? " (request id " : "", resp->request_id, has_rid ? ")" : "");
}

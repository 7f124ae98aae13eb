/*
 * Service error code and message from an AWS error response.
 *
 * REST-JSON services (Kinesis Video, Connect) put the code in the
 * x-amzn-ErrorType header ("Code:http://internal..." -- the part after ':' is
 * dropped) and/or the body {"__type": "prefix#Code", "message": "..."}
 * ("message" or "Message"; the part up to '#' is dropped). REST-XML services
 * (S3) answer <Error><Code>..</Code><Message>..</Message></Error>; query
 * services wrap that in <ErrorResponse>. Precedence (botocore's parsers.py,
 * RestJSONParser._inject_error_code): header, then body "code"/"Code", then
 * "__type"; for XML the first <Code> element.
 * Rule sources: AWS SDK behaviour (botocore), "Error responses" in the
 * Amazon S3 API Reference, "Common Errors" in the service API references.
 */
#ifndef REC_AWS_ERROR_PARSE_H
#define REC_AWS_ERROR_PARSE_H

#include <stddef.h>

/* Fills code (code_cap bytes) and message (msg_cap bytes) from the
 * x-amzn-ErrorType header value (NULL if absent) and the body (len bytes,
 * need not be NUL-terminated). Whatever is not found is left "" -- for a body
 * that is neither (HEAD responses have none) the caller falls back to the
 * HTTP status. Values are truncated to fit; XML entities (&lt; &gt; &amp;
 * &quot; &apos;) are decoded; control characters become spaces so a message
 * can be logged on one line. Never fails. */
void rec_aws_parse_error(const char *error_type_header, const char *body, size_t len, char *code,
                         size_t code_cap, char *message, size_t msg_cap);

#endif

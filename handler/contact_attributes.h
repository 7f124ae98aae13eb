/*
 * Amazon Connect UpdateContactAttributes: stores the recording URLs on the
 * contact.
 *
 * Rule source: Amazon Connect API Reference, "UpdateContactAttributes"
 * (POST /contact/attributes with InstanceId, InitialContactId, Attributes;
 * the attributes map holds at most 32,768 UTF-8 bytes in all).
 */
#ifndef REC_HANDLER_CONTACT_ATTRIBUTES_H
#define REC_HANDLER_CONTACT_ATTRIBUTES_H

#include <stddef.h>
#include <stdint.h>

#include "aws/http.h"

#define CONTACT_ATTRIBUTES_MAX_BYTES 32768

/* Sends one UpdateContactAttributes with the n name/value pairs (values may
 * be ""). client: signing_name "connect". Returns 0; REC_ERR_LIMIT (names and
 * values over 32,768 bytes; nothing sent); or rec_aws_send's error with resp
 * filled (resp->retriable). */
int contact_attributes_update(struct rec_aws_client *client, const char *instance_id,
                              const char *initial_contact_id, const char *const *names,
                              const char *const *values, size_t n, int64_t deadline_ms,
                              struct rec_aws_response *resp);

#endif

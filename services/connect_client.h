/*
 * Amazon Connect API calls.
 *
 * Rule source: Amazon Connect API Reference, "UpdateContactAttributes"
 * (POST /contact/attributes {InstanceId, InitialContactId, Attributes}; the
 * attributes map holds at most 32,768 UTF-8 bytes of keys and values in
 * all). GetContactAttributes and Start/Stop/Suspend/ResumeContactRecording
 * ("POST /contact/start-recording" and its siblings) are the same kind of
 * call: a JSON document POSTed to the operation's path, one function each
 * over service_json_send (services/service.h).
 *
 * One client per thread (aws/http.h).
 */
#ifndef REC_SERVICES_CONNECT_CLIENT_H
#define REC_SERVICES_CONNECT_CLIENT_H

#include <stddef.h>
#include <stdint.h>

#include "aws/http.h"
#include "common/error.h"
#include "services/service.h"

/* The most bytes of attribute names and values one contact may hold
 * (UpdateContactAttributes, "Attributes"). */
#define CONNECT_ATTRIBUTES_MAX_BYTES 32768

struct connect_client;

/* A contact attribute; both strings borrowed, UTF-8, value may be "". */
struct connect_attribute {
    const char *name;
    const char *value;
};

/* Creates the client; opt may be NULL (the environment; endpoint override
 * AWS_ENDPOINT_URL_CONNECT / AWS_ENDPOINT_URL). Returns 0 or
 * service_client_new's error. Destroy with connect_client_destroy (NULL is
 * accepted). */
int connect_client_new(struct connect_client **out, const struct service_options *opt);
void connect_client_destroy(struct connect_client *connect);

/* UpdateContactAttributes: sets the n attributes on the contact
 * initial_contact_id of instance_id (the instance id, not its ARN).
 * deadline_ms: absolute epoch ms, 0 for none; resp is the caller's,
 * reused. Returns 0, or with err filled: REC_ERR_LIMIT (not retriable,
 * nothing sent) when names and values pass CONNECT_ATTRIBUTES_MAX_BYTES;
 * rec_aws_send's errors (ThrottlingException and 5xx retriable). */
int connect_update_contact_attributes(struct connect_client *connect, const char *instance_id,
                                      const char *initial_contact_id,
                                      const struct connect_attribute *attrs, size_t n,
                                      int64_t deadline_ms, struct rec_aws_response *resp,
                                      struct rec_error *err);

/* ---- users (video call recording, VIDEO.md §3.3) ----
 * Rule sources: Amazon Connect API Reference, "DescribeUser"
 * (GET /users/{InstanceId}/{UserId} -> {"User":{Id, Arn, Username,
 * SecurityProfileIds, HierarchyGroupId?, ...}}) and
 * "DescribeUserHierarchyGroup" (GET /user-hierarchy-groups/{InstanceId}/
 * {HierarchyGroupId} -> {"HierarchyGroup":{Id, Arn, Name, LevelId,
 * HierarchyPath:{LevelOne..LevelFive:{Id, Arn, Name}}}}). */

/* DescribeUser: *user is the answer's "User" object, detached (the caller
 * frees it with cJSON_Delete). Ids are path segments and must be plain
 * identifiers (no '/', '?', '%', '#', space: REC_ERR_INVALID, nothing sent).
 * Returns 0; REC_ERR_NOT_FOUND (not retriable) for a 404
 * ResourceNotFoundException; REC_ERR_INVALID when the answer has no User;
 * service_json_send's errors otherwise. */
int connect_describe_user(struct connect_client *connect, const char *instance_id, const char *user_id,
                          int64_t deadline_ms, cJSON **user, struct rec_error *err);

/* DescribeUserHierarchyGroup: *group is the answer's "HierarchyGroup"
 * object, detached (cJSON_Delete). Errors as connect_describe_user. */
int connect_describe_user_hierarchy_group(struct connect_client *connect, const char *instance_id,
                                          const char *group_id, int64_t deadline_ms, cJSON **group,
                                          struct rec_error *err);

#endif

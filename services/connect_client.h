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
/* ---- contact recording control and attribute reads -------------------------
 *
 * Rule source: Amazon Connect API Reference, "StartContactRecording" (POST
 * /contact/start-recording {InstanceId, ContactId, InitialContactId,
 * VoiceRecordingConfiguration:{VoiceRecordingTrack}}: one-time, a Start
 * after a Stop is refused), "StopContactRecording", "SuspendContactRecording"
 * and "ResumeContactRecording" (POST /contact/stop-recording,
 * /contact/suspend-recording, /contact/resume-recording {InstanceId,
 * ContactId, InitialContactId}); each answers 200 with {}. IAM actions
 * connect:StartContactRecording etc. on the contact's ARN. Errors:
 * InvalidRequestException, InvalidParameterException (400),
 * ResourceNotFoundException (404), InternalServiceException (500). */

/* Which recording operation. */
enum connect_recording_op {
    CONNECT_RECORDING_START,
    CONNECT_RECORDING_STOP,
    CONNECT_RECORDING_SUSPEND,
    CONNECT_RECORDING_RESUME,
};

/* One recording call; strings borrowed for the call. */
struct connect_recording_call {
    const char *instance_id;        /* the instance id, not its ARN */
    const char *contact_id;         /* the contact being recorded */
    const char *initial_contact_id; /* its initial contact */
    const char *voice_track;        /* Start: "FROM_AGENT", "TO_AGENT" or "ALL"; others: unused */
    int64_t deadline_ms;            /* absolute epoch ms, 0 for none */
};

/* Sends one of the four recording calls. resp is the caller's, reused: on
 * failure resp->status is the service's HTTP status (0: no answer) and
 * resp->request_id its request id. Returns 0 or service_json_send's errors
 * (REC_ERR_AWS with the service's code and message in err; throttling and
 * 5xx retriable, after the client's retries). */
int connect_contact_recording(struct connect_client *connect, enum connect_recording_op op,
                              const struct connect_recording_call *call,
                              struct rec_aws_response *resp, struct rec_error *err);

/* GetContactAttributes (GET /contact/attributes/{InstanceId}/{InitialContactId},
 * answer {"Attributes":{name:value}}; IAM connect:GetContactAttributes on
 * the contact's ARN): *answer gets the parsed answer document (free with
 * cJSON_Delete; read its "Attributes" object). The ids are percent-encoded
 * here. Returns 0, REC_ERR_INVALID (not retriable) when an id is empty or
 * the answer has no Attributes object, or service_json_send's errors. */
int connect_get_contact_attributes(struct connect_client *connect, const char *instance_id,
                                   const char *initial_contact_id, int64_t deadline_ms,
                                   struct rec_aws_response *resp, cJSON **answer,
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

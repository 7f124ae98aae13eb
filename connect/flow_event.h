/*
 * The Amazon Connect flow event ("Invoke AWS Lambda function" block) of the
 * recording control handler, read into the recording call it asks for.
 *
 * Event: {"Details":{"ContactData":{...},"Parameters":{...}},"Name":"ContactFlowEvent"}
 * (AWS Lambda Developer Guide, "Using Lambda with Amazon Connect";
 * Amazon Connect Administrator Guide, "Invoke AWS Lambda function block").
 *
 * Resolution rules (../shared/SIBLINGS.md §2.3, issue 14):
 *   operation      Parameters.operation, trimmed, any case: START, STOP,
 *                  PAUSE (SUSPEND is the same), RESUME
 *   ContactId      ContactData.RelatedContactId when non-empty (the
 *                  step-by-step guide runs on a related contact), else
 *                  Parameters.contactId, else ContactData.ContactId
 *   InitialContactId Parameters.initialContactId, else
 *                  ContactData.InitialContactId, else the ContactId
 *   InstanceId     the caller's (env INSTANCE_ID), else the id after
 *                  "instance/" in ContactData.InstanceARN
 *   VoiceRecordingTrack Parameters.voiceRecordingTrack, trimmed, any case:
 *                  FROM_AGENT, TO_AGENT, ALL; missing or anything else: ALL
 *                  (a recording is never lost to a typo; the answer says so)
 * Empty strings and JSON null count as missing.
 */
#ifndef REC_CONNECT_FLOW_EVENT_H
#define REC_CONNECT_FLOW_EVENT_H

#include <stddef.h>

#include "common/error.h"

/* Longest ids accepted, bytes (StartContactRecording: ContactId and
 * InitialContactId 1..256, InstanceId 1..100). */
#define FLOW_CONTACT_ID_MAX 256
#define FLOW_INSTANCE_ID_MAX 100
/* The longest operation text echoed back in an answer, bytes. */
#define FLOW_OPERATION_MAX 63

enum flow_operation {
    FLOW_OP_MISSING, /* no operation parameter */
    FLOW_OP_UNKNOWN, /* one we do not know */
    FLOW_OP_START,   /* StartContactRecording */
    FLOW_OP_STOP,    /* StopContactRecording */
    FLOW_OP_PAUSE,   /* SuspendContactRecording */
    FLOW_OP_RESUME,  /* ResumeContactRecording */
};

struct flow_request {
    enum flow_operation op;
    /* For the answer: START/STOP/PAUSE/RESUME for a known operation (PAUSE
     * also for SUSPEND), else the trimmed text as given ("" when missing or
     * longer than FLOW_OPERATION_MAX). */
    char operation[FLOW_OPERATION_MAX + 1];
    char contact_id[FLOW_CONTACT_ID_MAX + 1];
    char initial_contact_id[FLOW_CONTACT_ID_MAX + 1];
    char instance_id[FLOW_INSTANCE_ID_MAX + 1];
    const char *voice_track; /* "FROM_AGENT", "TO_AGENT" or "ALL" (static) */
    int track_replaced;      /* a voiceRecordingTrack was given and is not one of them */
    /* Why no AWS call can be made (an id missing or too long), "" if none:
     * answered as a 400 to the flow, not as a Lambda error. */
    char problem[200];
};

/* Reads the event (len bytes of JSON) into *out (caller's storage).
 * instance_id: the configured instance (env INSTANCE_ID), NULL or "" to
 * take it from the event. Returns 0 (out->op and out->problem say whether
 * a call can be made), or REC_ERR_INVALID (not retriable) with err filled
 * when the event is not JSON or has no Details object: the only case that
 * is a Lambda error. */
int flow_event_parse(const char *json, size_t len, const char *instance_id,
                     struct flow_request *out, struct rec_error *err);

#endif

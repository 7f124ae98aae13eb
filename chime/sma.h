/*
 * The SIP media application's on-demand recording: an invocation event in,
 * the actions out (seed 003; ../shared/SIBLINGS.md §4 lists the seed's
 * decisions and action JSON, which this keeps, and its bugs, which this
 * fixes).
 *
 * Rule sources: Amazon Chime SDK Developer Guide, "Understanding telephony
 * events for SIP media application Lambdas" (InvocationEventType,
 * CallDetails.Participants, ActionData), "Responding to invocations with
 * action lists" ({"SchemaVersion":"1.0","Actions":[...]}, at most 10
 * actions), and the action pages (PlayAudio, PlayAudioAndGetDigits,
 * CallAndBridge, ReceiveDigits, Start/Pause/Resume/StopCallRecording,
 * Hangup).
 *
 * The seed's rule for direction: the call is "Outbound" when its first
 * participant's From is SOURCE_PHONE (the owner calls in to dial out),
 * otherwise "Inbound" (someone calls the owner). The recorded leg is leg B
 * for outbound calls and leg A for inbound ones.
 *
 * Fixes of the seed (README "SIP media application"):
 *  - Pause/Resume/StopCallRecording act on the recorded leg, not always A;
 *  - when the "unable to connect" prompt itself fails, the answer is the
 *    Hangup alone (the seed answered the prompt again: a loop);
 *  - RINGING gets an empty action list in the envelope (the seed answered
 *    a bare list);
 *  - DIGITS_RECEIVED with one participant answers an empty list (the seed
 *    failed reading Participants[1]);
 *  - INVALID_LAMBDA_RESPONSE's ErrorType/ErrorMessage are read at the top
 *    level or in ActionData.
 */
#ifndef REC_CHIME_SMA_H
#define REC_CHIME_SMA_H

#include <stddef.h>

#include <cjson/cJSON.h>

#include "common/error.h"

#define SMA_MAX_ACTIONS 10 /* per response (action list limit) */
#define SMA_TEXT_MAX 255

/* The seed's environment (all borrowed). */
struct sma_config {
    const char *wav_bucket;       /* WAV_BUCKET: the prompts */
    const char *recording_bucket; /* RECORDING_BUCKET: StartCallRecording's destination */
    const char *source_phone;     /* SOURCE_PHONE: the owner's E.164 number */
};

/* The prompt played when a call cannot be connected. */
#define SMA_UNABLE_TO_CONNECT_PROMPT "we_were_unable_to_connect_your_call.wav"

/* What the call records table should learn from an event. */
enum sma_call_update {
    SMA_UPDATE_NONE = 0,
    SMA_UPDATE_ANSWERED, /* the bridge succeeded: direction, caller, callee, startTime */
    SMA_UPDATE_ENDED,    /* the last participant hung up: endTime */
};

struct sma_decision {
    cJSON *response; /* {"SchemaVersion":"1.0","Actions":[...]}, owned */
    enum sma_call_update update;
    char event_type[SMA_TEXT_MAX + 1];
    char transaction_id[SMA_TEXT_MAX + 1]; /* CallDetails.TransactionId: the table's callID */
    char direction[16];                    /* "Inbound" or "Outbound" */
    char caller[SMA_TEXT_MAX + 1];         /* Participants[0].From */
    char callee[SMA_TEXT_MAX + 1];         /* Participants[0].To */
    char note[SMA_TEXT_MAX + 1];           /* for the log: what was odd ("" if nothing) */
    /* ACTION_FAILED only: the failed action's Type (ActionData.Type) when it
     * is one this application sends ("PlayAudio", "CallAndBridge",
     * "StartCallRecording", ...; static), else "Other"; NULL for every other
     * event. A metric dimension, so never the event's own text. */
    const char *failed_action;
};

/* Decides the answer to one invocation event (parsed JSON; NULL is a
 * malformed event). Every event gets a response: a malformed one (no
 * CallDetails or participants, fields of the wrong type or too long) an
 * empty action list, with note saying why. Returns 0, or REC_ERR_NOMEM
 * (d->response NULL). Free with sma_decision_clean_up. */
int sma_decide(const struct sma_config *cfg, const cJSON *event, struct sma_decision *d);

void sma_decision_clean_up(struct sma_decision *d);

#endif

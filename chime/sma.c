#include "chime/sma.h"

#include <stdio.h>
#include <string.h>

#include "common/bytes.h"
#include "services/service.h"

/* What a decision reads of the event. */
struct call {
    const char *type;
    const char *call_a, *call_b; /* Participants[0|1].CallId, NULL if absent */
    const char *from, *to;       /* Participants[0] */
    const cJSON *participants;
    const cJSON *action_data;
    int outbound;
};

/* The actions being built; nomem once an allocation failed. */
struct build {
    const struct sma_config *cfg;
    cJSON *actions;
    int nomem;
};

/* ---- actions (the seed's JSON, SIBLINGS.md §4.2) --------------------------------- */

static cJSON *add_obj(struct build *b, cJSON *parent, const char *name)
{
    cJSON *o = parent ? cJSON_AddObjectToObject(parent, name) : NULL;
    b->nomem |= !o;
    return o;
}

static void add_str(struct build *b, cJSON *obj, const char *name, const char *value)
{
    b->nomem |= !obj || !cJSON_AddStringToObject(obj, name, value ? value : "");
}

static void add_num(struct build *b, cJSON *obj, const char *name, double value)
{
    b->nomem |= !obj || !cJSON_AddNumberToObject(obj, name, value);
}

/* Appends {"Type": type, "Parameters": {}} and returns its Parameters. */
static cJSON *action(struct build *b, const char *type)
{
    cJSON *a = cJSON_CreateObject();
    if (!a || !cJSON_AddItemToArray(b->actions, a)) {
        cJSON_Delete(a);
        b->nomem = 1;
        return NULL;
    }
    add_str(b, a, "Type", type);
    return add_obj(b, a, "Parameters");
}

static void audio_source(struct build *b, cJSON *params, const char *name, const char *key)
{
    cJSON *src = add_obj(b, params, name);
    add_str(b, src, "Type", "S3");
    add_str(b, src, "BucketName", b->cfg->wav_bucket);
    add_str(b, src, "Key", key);
}

/* PlayAudio to a call leg by CallId, or by ParticipantTag when tag is set. */
static void play_audio(struct build *b, const char *call_id, const char *tag, const char *key)
{
    cJSON *p = action(b, "PlayAudio");
    add_str(b, p, tag ? "ParticipantTag" : "CallId", tag ? tag : call_id);
    audio_source(b, p, "AudioSource", key);
}

static void play_audio_and_get_digits(struct build *b)
{
    cJSON *p = action(b, "PlayAudioAndGetDigits");
    add_num(b, p, "MinNumberOfDigits", 10);
    add_num(b, p, "MaxNumberOfDigits", 15);
    add_num(b, p, "Repeat", 3);
    add_num(b, p, "InBetweenDigitsDurationInMilliseconds", 2500);
    add_num(b, p, "RepeatDurationInMilliseconds", 5000);
    cJSON *term = p ? cJSON_AddArrayToObject(p, "TerminatorDigits") : NULL;
    cJSON *hash = cJSON_CreateString("#");
    if (!term || !hash || !cJSON_AddItemToArray(term, hash)) {
        cJSON_Delete(term ? NULL : hash);
        b->nomem = 1;
    }
    audio_source(b, p, "AudioSource", "enterNumberToDial.wav");
    audio_source(b, p, "FailureAudioSource", "sorryIDidntGetThat.wav");
}

static void call_and_bridge(struct build *b, const char *caller_id, const char *destination)
{
    cJSON *p = action(b, "CallAndBridge");
    add_num(b, p, "CallTimeoutSeconds", 30);
    add_str(b, p, "CallerIdNumber", caller_id);
    cJSON *eps = p ? cJSON_AddArrayToObject(p, "Endpoints") : NULL;
    cJSON *ep = cJSON_CreateObject();
    if (!eps || !ep || !cJSON_AddItemToArray(eps, ep)) {
        cJSON_Delete(ep);
        b->nomem = 1;
        return;
    }
    add_str(b, ep, "Uri", destination);
    add_str(b, ep, "BridgeEndpointType", "PSTN");
}

static void receive_digits(struct build *b, const char *call_id)
{
    cJSON *p = action(b, "ReceiveDigits");
    add_str(b, p, "InputDigitsRegex", "[5-7]");
    add_str(b, p, "CallId", call_id);
    add_num(b, p, "InBetweenDigitsDurationInMilliseconds", 1000);
    add_num(b, p, "FlushDigitsDurationInMilliseconds", 10000);
}

static void start_call_recording(struct build *b, const char *call_id)
{
    char location[512];
    snprintf(location, sizeof(location), "%s/originalAudio", b->cfg->recording_bucket);
    cJSON *p = action(b, "StartCallRecording");
    add_str(b, p, "CallId", call_id);
    add_str(b, p, "Track", "BOTH");
    cJSON *dest = add_obj(b, p, "Destination");
    add_str(b, dest, "Type", "S3");
    add_str(b, dest, "Location", location);
}

/* Pause/Resume/StopCallRecording and Hangup: CallId (and Hangup's "0"). */
static void call_action(struct build *b, const char *type, const char *call_id)
{
    cJSON *p = action(b, type);
    add_str(b, p, "CallId", call_id);
    if (strcmp(type, "Hangup") == 0)
        add_str(b, p, "SipResponseCode", "0"); /* a string, as the seed sends it */
}

/* ---- decisions ---------------------------------------------------------------------- */

static void new_call(struct build *b, const struct call *c)
{
    if (c->outbound) {
        play_audio_and_get_digits(b);
        return;
    }
    play_audio(b, c->call_a, NULL, "thisCallIsBeingRecorded.wav");
    play_audio(b, NULL, "LEG-A", "connectingYou.wav");
    call_and_bridge(b, c->from, b->cfg->source_phone);
    receive_digits(b, c->call_a);
}

static void action_successful(struct build *b, const struct call *c, struct sma_decision *d)
{
    const char *type = service_json_string(c->action_data, "Type");
    if (!type)
        return;
    if (strcmp(type, "PlayAudioAndGetDigits") == 0) {
        char dest[64];
        const char *digits = service_json_string(c->action_data, "ReceivedDigits");
        snprintf(dest, sizeof(dest), "+1%.40s", digits ? digits : "");
        play_audio(b, NULL, "LEG-A", "connectingYou.wav");
        call_and_bridge(b, b->cfg->source_phone, dest);
    } else if (strcmp(type, "CallAndBridge") == 0) {
        d->update = SMA_UPDATE_ANSWERED;
        const char *recorded = c->outbound ? c->call_b : c->call_a;
        if (c->outbound)
            play_audio(b, c->call_a, NULL, "thisCallIsBeingRecorded.wav");
        start_call_recording(b, recorded);
        receive_digits(b, recorded);
    }
    /* Answer, Hangup and anything else: nothing to do. */
}

static void digits_received(struct build *b, const struct call *c, struct sma_decision *d)
{
    static const struct {
        const char *digit, *prompt, *action;
    } ops[] = { { "5", "recordingPaused.wav", "PauseCallRecording" },
                { "6", "recordingResumed.wav", "ResumeCallRecording" },
                { "7", "recordingStopped.wav", "StopCallRecording" } };
    const char *digits = service_json_string(c->action_data, "ReceivedDigits");
    if (!c->call_b) { /* not bridged (or B gone): no recording to act on */
        snprintf(d->note, sizeof(d->note), "digits with one participant: nothing to do");
        return;
    }
    const char *recorded = c->outbound ? c->call_b : c->call_a;
    for (size_t i = 0; digits && i < sizeof(ops) / sizeof(ops[0]); i++) {
        if (strcmp(digits, ops[i].digit) != 0)
            continue;
        play_audio(b, NULL, "LEG-A", ops[i].prompt);
        play_audio(b, NULL, "LEG-B", ops[i].prompt);
        call_action(b, ops[i].action, recorded);
        receive_digits(b, recorded);
    }
}

static void hangup(struct build *b, const struct call *c, struct sma_decision *d)
{
    const cJSON *p;
    cJSON_ArrayForEach(p, c->participants)
    {
        const char *status = service_json_string(p, "Status");
        if (status && strcmp(status, "Connected") == 0) {
            call_action(b, "Hangup", service_json_string(p, "CallId"));
            return;
        }
    }
    d->update = SMA_UPDATE_ENDED;
}

/* The fields of an error answer: at the top level (the seed) or in ActionData (the docs). */
static void error_note(const cJSON *event, const struct call *c, struct sma_decision *d)
{
    const cJSON *where = service_json_string(event, "ErrorType") ? event : c->action_data;
    const char *type = service_json_string(where, "ErrorType");
    const char *msg = service_json_string(where, "ErrorMessage");
    if (!msg)
        msg = service_json_string(c->action_data, "Error");
    snprintf(d->note, sizeof(d->note), "%s: %s", type ? type : "error", msg ? msg : "(no message)");
}

/* The actions this application sends (the failed_action names). */
static const char *const our_actions[] = { "PlayAudio", "PlayAudioAndGetDigits", "CallAndBridge",
                                           "ReceiveDigits", "StartCallRecording", "PauseCallRecording",
                                           "ResumeCallRecording", "StopCallRecording", "Hangup" };

static const char *known_action(const char *type)
{
    for (size_t i = 0; type && i < sizeof(our_actions) / sizeof(our_actions[0]); i++)
        if (strcmp(type, our_actions[i]) == 0)
            return our_actions[i];
    return "Other";
}

/* ACTION_FAILED, INVALID_LAMBDA_RESPONSE and anything else: the prompt and
 * a hangup, or the hangup alone when the prompt is what failed. */
static void unable_to_connect(struct build *b, const cJSON *event, const struct call *c,
                              struct sma_decision *d)
{
    error_note(event, c, d);
    const char *failed = service_json_string(c->action_data, "Type");
    if (strcmp(c->type, "ACTION_FAILED") == 0)
        d->failed_action = known_action(failed);
    if (!c->call_a)
        return;
    const cJSON *params = cJSON_GetObjectItemCaseSensitive(c->action_data, "Parameters");
    const char *key = service_json_string(cJSON_GetObjectItemCaseSensitive(params, "AudioSource"), "Key");
    int prompt_failed = failed && strcmp(failed, "PlayAudio") == 0 && key &&
                        strcmp(key, SMA_UNABLE_TO_CONNECT_PROMPT) == 0;
    if (!prompt_failed)
        play_audio(b, c->call_a, NULL, SMA_UNABLE_TO_CONNECT_PROMPT);
    call_action(b, "Hangup", c->call_a);
}

/* ---- the event ------------------------------------------------------------------------ */

static void copy(char *dst, size_t cap, const char *src, struct sma_decision *d, const char *what)
{
    if (rec_str_copy(dst, cap, src) && !d->note[0])
        snprintf(d->note, sizeof(d->note), "%s is longer than %zu bytes", what, cap - 1);
}

static int read_call(const cJSON *event, const struct sma_config *cfg, struct call *c,
                     struct sma_decision *d)
{
    memset(c, 0, sizeof(*c));
    c->type = service_json_string(event, "InvocationEventType");
    const cJSON *details = cJSON_GetObjectItemCaseSensitive(event, "CallDetails");
    c->participants = cJSON_GetObjectItemCaseSensitive(details, "Participants");
    c->action_data = cJSON_GetObjectItemCaseSensitive(event, "ActionData");
    const cJSON *a = cJSON_GetArrayItem(c->participants, 0);
    c->call_a = service_json_string(a, "CallId");
    c->call_b = service_json_string(cJSON_GetArrayItem(c->participants, 1), "CallId");
    c->from = service_json_string(a, "From");
    c->to = service_json_string(a, "To");
    c->outbound = c->from && cfg->source_phone && strcmp(c->from, cfg->source_phone) == 0;
    copy(d->event_type, sizeof(d->event_type), c->type, d, "InvocationEventType");
    copy(d->transaction_id, sizeof(d->transaction_id), service_json_string(details, "TransactionId"), d,
         "TransactionId");
    copy(d->caller, sizeof(d->caller), c->from, d, "From");
    copy(d->callee, sizeof(d->callee), c->to, d, "To");
    snprintf(d->direction, sizeof(d->direction), "%s", c->outbound ? "Outbound" : "Inbound");
    if (!c->type || !cJSON_IsArray(c->participants) || !c->call_a || d->note[0]) {
        if (!d->note[0])
            snprintf(d->note, sizeof(d->note), "malformed event: no InvocationEventType, "
                                               "CallDetails.Participants or CallId");
        return REC_ERR_INVALID;
    }
    return 0;
}

static void decide(struct build *b, const cJSON *event, const struct call *c, struct sma_decision *d)
{
    if (strcmp(c->type, "NEW_INBOUND_CALL") == 0)
        new_call(b, c);
    else if (strcmp(c->type, "ACTION_SUCCESSFUL") == 0)
        action_successful(b, c, d);
    else if (strcmp(c->type, "DIGITS_RECEIVED") == 0)
        digits_received(b, c, d);
    else if (strcmp(c->type, "HANGUP") == 0)
        hangup(b, c, d);
    else if (strcmp(c->type, "RINGING") != 0)
        unable_to_connect(b, event, c, d);
}

int sma_decide(const struct sma_config *cfg, const cJSON *event, struct sma_decision *d)
{
    memset(d, 0, sizeof(*d));
    struct build b = { .cfg = cfg };
    d->response = cJSON_CreateObject();
    if (!d->response || !cJSON_AddStringToObject(d->response, "SchemaVersion", "1.0") ||
        !(b.actions = cJSON_AddArrayToObject(d->response, "Actions")))
        goto nomem;
    struct call c;
    if (read_call(event, cfg, &c, d) == 0)
        decide(&b, event, &c, d);
    if (b.nomem)
        goto nomem;
    return 0;
nomem:
    sma_decision_clean_up(d);
    return REC_ERR_NOMEM;
}

void sma_decision_clean_up(struct sma_decision *d)
{
    cJSON_Delete(d->response);
    d->response = NULL;
}

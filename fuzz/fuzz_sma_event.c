/*
 * libFuzzer target for the SIP media application's decisions
 * (chime/sma.h): any bytes as an invocation event. Every event must get a
 * response in the envelope ({"SchemaVersion":"1.0","Actions":[...]}) with
 * at most SMA_MAX_ACTIONS actions, each with a Type and Parameters, that
 * prints and parses back; a call record update needs the direction; a
 * failed action (a metric dimension) is named only for ACTION_FAILED and
 * only with one of the application's own action names or "Other".
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "chime/sma.h"

/* The failed_action names chime/sma.h allows. */
static int is_ours(const char *name)
{
    static const char *const names[] = { "PlayAudio", "PlayAudioAndGetDigits", "CallAndBridge",
                                         "ReceiveDigits", "StartCallRecording", "PauseCallRecording",
                                         "ResumeCallRecording", "StopCallRecording", "Hangup", "Other" };
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        if (strcmp(name, names[i]) == 0)
            return 1;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    cJSON *event = cJSON_ParseWithLength((const char *)data, size);
    struct sma_config cfg = { "prompts", "recordings", "+15555550100" };
    struct sma_decision d;
    if (sma_decide(&cfg, event, &d) != 0) {
        cJSON_Delete(event);
        return 0; /* out of memory only */
    }
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(d.response, "SchemaVersion");
    const cJSON *actions = cJSON_GetObjectItemCaseSensitive(d.response, "Actions");
    if (!cJSON_IsString(v) || strcmp(v->valuestring, "1.0") != 0 || !cJSON_IsArray(actions) ||
        cJSON_GetArraySize(actions) > SMA_MAX_ACTIONS)
        abort();
    const cJSON *a;
    cJSON_ArrayForEach(a, actions)
    {
        if (!cJSON_IsString(cJSON_GetObjectItemCaseSensitive(a, "Type")) ||
            !cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(a, "Parameters")))
            abort();
    }
    if (d.update != SMA_UPDATE_NONE && !d.direction[0])
        abort();
    if (d.failed_action && (strcmp(d.event_type, "ACTION_FAILED") != 0 ||
                            !is_ours(d.failed_action)))
        abort();
    char *text = cJSON_PrintUnformatted(d.response);
    cJSON *back = text ? cJSON_Parse(text) : NULL;
    if (text && !back)
        abort();
    cJSON_Delete(back);
    cJSON_free(text);
    sma_decision_clean_up(&d);
    cJSON_Delete(event);
    return 0;
}

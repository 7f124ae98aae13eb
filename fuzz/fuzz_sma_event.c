/*
 * libFuzzer target for the SIP media application's decisions
 * (chime/sma.h): any bytes as an invocation event. Every event must get a
 * response in the envelope ({"SchemaVersion":"1.0","Actions":[...]}) with
 * at most SMA_MAX_ACTIONS actions, each with a Type and Parameters, that
 * prints and parses back; a call record update needs the direction.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "chime/sma.h"

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

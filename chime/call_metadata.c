#include "chime/call_metadata.h"

#include <stdio.h>
#include <string.h>

int chime_call_id_ok(const char *id)
{
    size_t n = id ? strlen(id) : 0;
    if (n == 0 || n > CHIME_ID_MAX)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (id[i] < 0x21 || id[i] > 0x7e || id[i] == '/' || id[i] == '\\')
            return 0;
    return 1;
}

int chime_object_key(const char *prefix, const char *call_id, const char *suffix, char *out,
                     size_t cap)
{
    const char *p = prefix ? prefix : "";
    while (*p == '/')
        p++;
    size_t n = strlen(p);
    while (n && p[n - 1] == '/')
        n--;
    int w = snprintf(out, cap, "%.*s%s%s%s", (int)n, p, n ? "/" : "", call_id, suffix);
    if (w < 0 || (size_t)w >= cap) {
        if (cap)
            out[0] = '\0';
        return REC_ERR_LIMIT;
    }
    return 0;
}

/* The leg whose events give the seed's nine keys: the isCaller leg, else
 * the left one. */
static const struct chime_leg *info_leg(const struct chime_call_record *r)
{
    for (int i = 0; i < 2; i++)
        if (r->legs[i].leg->side == CHIME_SIDE_CALLER)
            return r->legs[i].leg;
    return r->legs[0].channel == 0 ? r->legs[0].leg : r->legs[1].leg;
}

static int add_seed_keys(cJSON *o, const char *call_id, const struct chime_leg *l)
{
    return cJSON_AddStringToObject(o, "account", l->account) &&
           cJSON_AddStringToObject(o, "callId", call_id) &&
           cJSON_AddStringToObject(o, "transactionId", l->transaction_id) &&
           cJSON_AddStringToObject(o, "direction", l->direction) &&
           cJSON_AddStringToObject(o, "fromNumber", l->from_number) &&
           cJSON_AddStringToObject(o, "toNumber", l->to_number) &&
           cJSON_AddStringToObject(o, "voiceConnectorId", l->voice_connector_id) &&
           cJSON_AddStringToObject(o, "startTime", l->start_time) &&
           cJSON_AddStringToObject(o, "endTime", l->end_time);
}

static cJSON *leg_json(const struct chime_leg_record *lr)
{
    const struct chime_leg *l = lr->leg;
    cJSON *o = cJSON_CreateObject();
    int ok = o && cJSON_AddStringToObject(o, "streamArn", l->stream_arn) &&
             cJSON_AddStringToObject(o, "side", chime_side_name(l->side)) &&
             (l->side == CHIME_SIDE_UNKNOWN ? cJSON_AddNullToObject(o, "isCaller") != NULL
                                            : cJSON_AddBoolToObject(o, "isCaller",
                                                                    l->side == CHIME_SIDE_CALLER) != NULL) &&
             cJSON_AddNumberToObject(o, "channel", lr->channel) &&
             cJSON_AddStringToObject(o, "startFragmentNumber", l->start_fragment) &&
             cJSON_AddStringToObject(o, "endFragmentNumber", l->end_fragment) &&
             cJSON_AddStringToObject(o, "firstFragment", lr->first_fragment ? lr->first_fragment : "") &&
             cJSON_AddStringToObject(o, "lastFragment", lr->last_fragment ? lr->last_fragment : "") &&
             cJSON_AddStringToObject(o, "startTime", l->start_time) &&
             cJSON_AddStringToObject(o, "endTime", l->end_time) &&
             cJSON_AddNumberToObject(o, "leadSamples", (double)lr->lead_samples) &&
             cJSON_AddNumberToObject(o, "samples", (double)lr->samples);
    if (!ok) {
        cJSON_Delete(o);
        return NULL;
    }
    return o;
}

static int add_keys(cJSON *o, const struct chime_call_record *r)
{
    if (r->wav_key)
        return cJSON_AddStringToObject(o, "wavKey", r->wav_key) != NULL;
    cJSON *keys = cJSON_AddArrayToObject(o, "wavKeys");
    for (int i = 0; keys && i < 2; i++) {
        cJSON *k = r->mono_keys[i] ? cJSON_CreateString(r->mono_keys[i]) : cJSON_CreateNull();
        if (!k || !cJSON_AddItemToArray(keys, k)) {
            cJSON_Delete(k);
            return 0;
        }
    }
    return keys != NULL;
}

cJSON *chime_call_metadata(const struct chime_call_record *r)
{
    cJSON *o = cJSON_CreateObject();
    cJSON *legs = NULL;
    int ok = o && add_seed_keys(o, r->call_id, info_leg(r)) &&
             (legs = cJSON_AddArrayToObject(o, "legs")) != NULL;
    /* legs in channel order: left first */
    for (int c = 0; ok && c < 2; c++) {
        const struct chime_leg_record *lr = r->legs[0].channel == c ? &r->legs[0] : &r->legs[1];
        cJSON *l = leg_json(lr);
        ok = l && cJSON_AddItemToArray(legs, l);
        if (!ok)
            cJSON_Delete(l);
    }
    ok = ok && cJSON_AddNumberToObject(o, "sampleRate", r->sample_rate) &&
         cJSON_AddNumberToObject(o, "channels", r->channels) &&
         cJSON_AddStringToObject(o, "channelAssignment", r->arbitrary ? "arbitrary" : "isCaller") &&
         add_keys(o, r);
    if (!ok) {
        cJSON_Delete(o);
        return NULL;
    }
    return o;
}

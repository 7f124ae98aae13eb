/*
 * What a recorded Voice Connector call leaves in S3 besides the audio: the
 * object names and the call's metadata JSON.
 *
 * Keys (project issue 10): "<prefix>/<callId>.wav" and
 * "<prefix>/<callId>.json", the prefix (RECORDING_BUCKET_PREFIX) without
 * leading or trailing '/'; without a prefix the keys are "<callId>.wav"
 * and "<callId>.json" (the seed wrote "/<callId>.json", a key starting with
 * '/'). Legs at different rates get "<callId>_left.wav" and
 * "<callId>_right.wav" instead of the stereo file.
 *
 * The JSON keeps the seed's nine keys with their meaning (account, callId,
 * transactionId, direction, fromNumber, toNumber, voiceConnectorId,
 * startTime, endTime: from the isCaller leg's events;
 * ../shared/SIBLINGS.md §3.3) and adds legs (per leg: streamArn, side,
 * isCaller, channel, startFragmentNumber/endFragmentNumber asked for,
 * firstFragment/lastFragment read, startTime/endTime, leadSamples,
 * samples), sampleRate, channels, channelAssignment ("isCaller" or
 * "arbitrary") and wavKey (or wavKeys for two mono files).
 */
#ifndef REC_CHIME_CALL_METADATA_H
#define REC_CHIME_CALL_METADATA_H

#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "chime/call_table.h"

/* Non-zero when a callId can name objects: 1..128 printable ASCII
 * characters without '/' or '\\' (S3 keys and metadata stay plain). */
int chime_call_id_ok(const char *call_id);

/* "<prefix>/<callId><suffix>" (no '/' when the prefix is empty) into out
 * (cap bytes). Returns 0 or REC_ERR_LIMIT. */
int chime_object_key(const char *prefix, const char *call_id, const char *suffix, char *out,
                     size_t cap);

/* One leg as recorded. */
struct chime_leg_record {
    const struct chime_leg *leg;
    int channel;               /* 0 left, 1 right */
    const char *first_fragment, *last_fragment; /* read; "" when none */
    uint64_t lead_samples;     /* silence before it in the stereo file */
    uint64_t samples;          /* its own samples (its mono file) */
};

struct chime_call_record {
    const char *call_id;
    struct chime_leg_record legs[2];
    uint32_t sample_rate;      /* Hz; 0 when the legs' rates differ */
    unsigned channels;         /* 2, or 1 for two mono files */
    int arbitrary;             /* the channels were assigned by stream ARN */
    const char *wav_key;       /* the stereo file, or NULL */
    const char *mono_keys[2];  /* left, right mono files when there is no stereo one */
};

/* The metadata document (the caller frees it with cJSON_Delete), or NULL
 * when out of memory. */
cJSON *chime_call_metadata(const struct chime_call_record *r);

#endif

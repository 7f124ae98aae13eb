/*
 * ChimeVoiceConnectorRecorder's configuration, from the environment the SAM
 * template sets (the seed's variables, ../shared/SIBLINGS.md §3.3-3.4, plus
 * ours; rules in handler/env_config.h).
 *
 *   CALL_TABLE               required: the DynamoDB table of call legs
 *   RECORDING_BUCKET         required: the bucket of the WAV and JSON
 *   RECORDING_BUCKET_PREFIX  key prefix; '/' around it is dropped ("")
 *   VOICECONNECTOR_ID        when set, other connectors' events are ignored
 *   CHANNEL_ORDER            caller-left (default) or caller-right
 *   S3_SSE_KMS_KEY_ID        SSE-KMS key; empty: SSE-S3 (AES256)
 *   CHIME_WORK_DIR           where legs are staged (/tmp/chime-recorder):
 *                            8 kHz audio takes 57.6 MB per leg and hour
 *   CALL_TABLE_TTL_DAYS      items expire this long after their last write (7)
 *   MULTIPART_PART_BYTES, KVS_IDLE_TIMEOUT_MS, GET_MEDIA_MAX_CALLS (per leg),
 *   FRAGMENT_LIST_BATCH      every KVS-reading handler's (handler/stream_recording.h)
 *   DEADLINE_START_RESERVE_MS  no recording starts with less time left (60000)
 *   DEADLINE_FINISH_RESERVE_MS reading stops this long before the deadline,
 *                            leaving time for the stereo upload (60000)
 *   KVS_READ_MODE            getmedia (default here), auto or fragment-list,
 *                            the Connect handler's values and rule
 *                            (handler/stream_recording.h); the list needs the
 *                            ENDED event's currentFragmentNumber and both
 *                            times. README "Reading a leg" has the measurement
 * MEDIA_INSIGHT_PIPELINE_ARN (the seed's) is not used: a warning says so.
 */
#ifndef REC_HANDLER_CHIME_VC_CONFIG_H
#define REC_HANDLER_CHIME_VC_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#include "chime/stereo.h"
#include "chime/vc_event.h"
#include "common/error.h"
#include "handler/stream_recording.h"

#define CHIME_CONFIG_NAME_MAX 255  /* DynamoDB table names are 3..255 characters */
#define CHIME_CONFIG_BUCKET_MAX 63 /* S3 bucket names are 3..63 characters */
#define CHIME_CONFIG_PREFIX_MAX 511
#define CHIME_CONFIG_KMS_KEY_MAX 2047
#define CHIME_CONFIG_DIR_MAX 3000

struct chime_vc_config {
    char table[CHIME_CONFIG_NAME_MAX + 1];
    char bucket[CHIME_CONFIG_BUCKET_MAX + 1];
    char prefix[CHIME_CONFIG_PREFIX_MAX + 1];
    char voice_connector_id[CHIME_ID_MAX + 1]; /* "" = any */
    enum chime_channel_order order;
    char kms_key_id[CHIME_CONFIG_KMS_KEY_MAX + 1];
    char work_dir[CHIME_CONFIG_DIR_MAX + 1];
    int64_t ttl_seconds;
    struct stream_recording_knobs knobs;
};

/* Reads the variables above into *cfg (caller's storage). Returns 0, or
 * REC_ERR_CONFIG with err naming the variable. */
int chime_vc_config_from_env(struct chime_vc_config *cfg, struct rec_error *err);

#endif

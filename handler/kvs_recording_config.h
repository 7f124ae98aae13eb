/*
 * ProcessKvsRecording's configuration, from the environment the SAM
 * template sets (the original's variables, REFERENCE.md §1, plus ours).
 *
 *   RECORDINGS_BUCKET_NAME   required: the bucket
 *   RECORDINGS_KEY_PREFIX    key prefix, e.g. "recordings/" (default "")
 *   CLOUDFRONT_DOMAIN        required: URL prefix stored on the contact, with
 *                            https:// (a trailing '/' is dropped)
 *   START_SELECTOR_TYPE      FRAGMENT_NUMBER (the CTR's start fragment) or,
 *                            anything else, NOW (the original's rule)
 *   S3_SSE_KMS_KEY_ID        SSE-KMS key; empty: SSE-S3 (AES256)
 *   S3_OBJECT_ACL            canned ACL; empty: none. Public ACLs only when
 *                            set here on purpose
 *   MULTIPART_PART_BYTES, KVS_IDLE_TIMEOUT_MS, GET_MEDIA_MAX_CALLS,
 *   FRAGMENT_LIST_BATCH      every KVS-reading handler's (handler/stream_recording.h)
 *   DEADLINE_START_RESERVE_MS  no new recording starts with less time left (30000)
 *   DEADLINE_FINISH_RESERVE_MS reading stops this long before the deadline,
 *                            leaving time to upload and report (15000)
 *   KVS_READ_MODE            auto (default), getmedia or fragment-list
 *                            (kvs/media_session.h; README "The bounded reader")
 *   PAUSE_MARGIN_MS          silence this long before and after each paused span
 *                            of recordingPausedSpans (1000; recorder/redaction.h)
 *   OUTPUT_FORMAT            wav (default), flac, mp3 or opus (audio/audio_format.h:
 *                            the objects' extension and Content-Type follow)
 *   OUTPUT_BITRATE_KBPS      mp3 and opus only: kbps per channel (the stereo mix
 *                            gets twice); empty: mp3 24, opus 12. Connect's audio
 *                            is 8 kHz: mp3 takes 24 or 32, opus 6 to 256. Set for
 *                            wav or flac it is an init error, not ignored
 *   UPLOAD_SPOOL_DIR         where the uploads keep the parts they have not sent
 *                            (s3/part_spool.h; default /tmp, Lambda's only
 *                            writable directory: 2 parts of MULTIPART_PART_BYTES
 *                            per output)
 */
#ifndef REC_HANDLER_KVS_RECORDING_CONFIG_H
#define REC_HANDLER_KVS_RECORDING_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#include "audio/audio_format.h"
#include "common/error.h"
#include "handler/stream_recording.h"

/* Longest values accepted, bytes. */
#define KVS_RECORDING_BUCKET_MAX 63   /* S3 bucket names are 3..63 characters */
#define KVS_RECORDING_PREFIX_MAX 511
#define KVS_RECORDING_URL_MAX 511
#define KVS_RECORDING_KMS_KEY_MAX 2047 /* a key ARN or alias ARN */
#define KVS_RECORDING_ACL_MAX 63
#define KVS_RECORDING_SPOOL_DIR_MAX 1023
/* The rate of Connect's audio tracks (REFERENCE.md §3), which the output
 * format's bitrate is checked against at init. */
#define KVS_RECORDING_CONNECT_RATE 8000

struct kvs_recording_config {
    char bucket[KVS_RECORDING_BUCKET_MAX + 1];
    char key_prefix[KVS_RECORDING_PREFIX_MAX + 1];
    char cloudfront_domain[KVS_RECORDING_URL_MAX + 1];
    int start_by_fragment;
    char kms_key_id[KVS_RECORDING_KMS_KEY_MAX + 1];
    char object_acl[KVS_RECORDING_ACL_MAX + 1];
    struct stream_recording_knobs knobs;
    int64_t pause_margin_ms;
    struct audio_encoding encoding;
    char spool_dir[KVS_RECORDING_SPOOL_DIR_MAX + 1];
};

/* Reads the variables above into *cfg (caller's storage). Returns 0, or
 * REC_ERR_CONFIG with err naming the variable (handler/env_config.h). */
int kvs_recording_config_from_env(struct kvs_recording_config *cfg, struct rec_error *err);

#endif

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
 *   MULTIPART_PART_BYTES     part size and PutObject threshold (16 MiB; min 5 MiB)
 *   KVS_IDLE_TIMEOUT_MS      a GetMedia idle this long is at the live edge (5000)
 *   DEADLINE_START_RESERVE_MS  no new recording starts with less time left (30000)
 *   DEADLINE_FINISH_RESERVE_MS reading stops this long before the deadline,
 *                            leaving time to upload and report (15000)
 *   GET_MEDIA_MAX_CALLS      GetMedia calls per recording, resumes included (50);
 *                            also the GetMediaForFragmentList calls
 *   KVS_READ_MODE            auto (default), getmedia or fragment-list
 *                            (kvs/media_session.h; README "The bounded reader")
 *   FRAGMENT_LIST_BATCH      fragments per GetMediaForFragmentList (1..1000, 1000)
 */
#ifndef REC_HANDLER_KVS_RECORDING_CONFIG_H
#define REC_HANDLER_KVS_RECORDING_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#include "common/error.h"
#include "kvs/media_session.h"

/* Longest values accepted, bytes. */
#define KVS_RECORDING_BUCKET_MAX 63   /* S3 bucket names are 3..63 characters */
#define KVS_RECORDING_PREFIX_MAX 511
#define KVS_RECORDING_URL_MAX 511
#define KVS_RECORDING_KMS_KEY_MAX 2047 /* a key ARN or alias ARN */
#define KVS_RECORDING_ACL_MAX 63

struct kvs_recording_config {
    char bucket[KVS_RECORDING_BUCKET_MAX + 1];
    char key_prefix[KVS_RECORDING_PREFIX_MAX + 1];
    char cloudfront_domain[KVS_RECORDING_URL_MAX + 1];
    int start_by_fragment;
    char kms_key_id[KVS_RECORDING_KMS_KEY_MAX + 1];
    char object_acl[KVS_RECORDING_ACL_MAX + 1];
    size_t part_bytes;
    long idle_ms;
    int64_t start_reserve_ms;
    int64_t finish_reserve_ms;
    unsigned max_get_media_calls;
    enum media_read_mode read_mode;
    unsigned fragment_batch;
};

/* Reads the variables above into *cfg (caller's storage). Returns 0, or
 * REC_ERR_CONFIG with err naming the variable (handler/env_config.h). */
int kvs_recording_config_from_env(struct kvs_recording_config *cfg, struct rec_error *err);

#endif

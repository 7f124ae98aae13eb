/*
 * The recording handler's configuration, from the environment the SAM
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
 *   GET_MEDIA_MAX_CALLS      GetMedia calls per recording, resumes included (50)
 */
#ifndef REC_HANDLER_RECORDER_CONFIG_H
#define REC_HANDLER_RECORDER_CONFIG_H

#include <stddef.h>
#include <stdint.h>

struct recorder_config {
    char bucket[64];
    char key_prefix[512];
    char cloudfront_domain[512];
    int start_by_fragment;
    char kms_key_id[256];
    char object_acl[64];
    size_t part_bytes;
    long idle_ms;
    int64_t start_reserve_ms;
    int64_t finish_reserve_ms;
    unsigned max_get_media_calls;
};

/* Reads the variables above into *cfg. Returns 0, or REC_ERR_CONFIG with a
 * reason naming the variable (reason_len bytes, NUL-terminated). */
int recorder_config_from_env(struct recorder_config *cfg, char *reason, size_t reason_len);

#endif

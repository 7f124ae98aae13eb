/*
 * An S3 object written as a byte sink (audio/byte_sink.h): PutObject for
 * small objects, a multipart upload streamed as the bytes arrive for large
 * ones, so memory stays flat however long the call.
 *
 * An encoder rewrites its header (the first bytes: WAV's sizes, FLAC's
 * STREAMINFO, MP3's Info frame) when it closes, so part 1 (the first
 * part_size bytes) is held and uploaded last, with the final header; parts
 * 2, 3, ... are uploaded as soon as they fill. At most two parts are held,
 * part 1 and the one filling, and they are held in a spool file
 * (s3/part_spool.h: unlinked, in /tmp by default), not in memory: memory
 * stays at 64 KiB of staging per upload whatever the part size, /tmp holds
 * 2 x part_size per upload. A part is read from the spool as it is sent, so
 * a retried request sends the same bytes again. Seeks may only go back
 * into part 1 (byte_sink's header-region promise) or to the end.
 *
 * The S3 calls are the S3 client's (services/s3_client.h: PutObject and
 * CreateMultipartUpload describe the object with the same headers); this
 * module is only the streaming. Rule sources: Amazon S3 API Reference,
 * "UploadPart" (parts may be uploaded in any order; every part but the last
 * at least 5 MiB; at most 10,000 parts), "CompleteMultipartUpload",
 * "AbortMultipartUpload"; "Protecting data with server-side encryption"
 * (x-amz-server-side-encryption on every upload).
 */
#ifndef REC_S3_UPLOAD_SINK_H
#define REC_S3_UPLOAD_SINK_H

#include <stddef.h>
#include <stdint.h>

#include "audio/byte_sink.h"
#include "common/error.h"
#include "services/s3_client.h"

#define S3_UPLOAD_DEFAULT_PART (16u * 1024u * 1024u)
#define S3_UPLOAD_MIN_PART (5u * 1024u * 1024u)
#define S3_UPLOAD_MAX_PARTS REC_S3_MAX_PARTS
#define S3_UPLOAD_MAX_METADATA 8 /* user metadata headers one upload may carry */

struct s3_upload_config {
    struct rec_s3_client *s3;  /* borrowed */
    const char *bucket;        /* copied */
    const char *key;           /* copied; raw (s3_client encodes it) */
    /* The rest are borrowed for the sink's life. */
    const char *content_type;  /* e.g. "audio/wav"; NULL: application/octet-stream */
    const char *contact_id;    /* x-amz-meta-contact-id (printable ASCII); NULL for none */
    const char *sse;           /* "AES256" or "aws:kms"; NULL: "AES256" */
    const char *kms_key_id;    /* with aws:kms; NULL: the account's default key */
    const char *acl;           /* canned ACL; NULL: none (private) */
    size_t part_size;          /* bytes; 0: 16 MiB; at least 5 MiB. Objects up to
                                  this size go up with one PutObject */
    int64_t deadline_ms;       /* for every request; 0: none */
    /* One more x-amz-meta-NAME whose value is only final once the object
     * is complete (how many ms of a recording were silenced): late_value
     * (late_user) is asked when PutObject is sent at commit; its string must
     * live until the sink is closed. A multipart upload cannot take it (S3
     * fixes an object's metadata at CreateMultipartUpload): it is left out
     * and status->late_meta_left_out says so. NULL name: none. */
    const char *late_meta_name;
    const char *(*late_value)(void *late_user);
    void *late_user;
    const char *spool_dir;     /* where the held parts are spooled; NULL: /tmp */
    /* Other user metadata (names without the x-amz-meta- prefix, printable
     * ASCII values; a Chime call's call-id, transaction-id,
     * voice-connector-id), sent instead of contact_id when n_metadata > 0; at most
     * S3_UPLOAD_MAX_METADATA.
     * Borrowed for the sink's life. */
    const struct rec_aws_header *metadata;
    size_t n_metadata;
};

/* What happened, filled as the upload goes and final after close. */
struct s3_upload_status {
    uint64_t bytes;          /* object size once committed */
    unsigned parts;          /* parts uploaded (0: PutObject) */
    int committed;           /* the object exists */
    int aborted;             /* a multipart upload was started and aborted */
    int late_meta_left_out;  /* the late metadata could not be stored (multipart) */
    struct rec_error err;    /* the first failure ("s3://BUCKET/KEY: UploadPart: 503
                                SlowDown: ..."); err.retriable: whether trying the
                                whole upload again may succeed */
};

/* Opens the sink into *out. status (caller's storage) must outlive the sink.
 * Returns 0, REC_ERR_INVALID (part_size under 5 MiB, missing bucket/key),
 * REC_ERR_NOMEM, or REC_ERR_IO (no spool file in spool_dir; status->err
 * says why, retriable). Nothing is sent until the first part fills or the sink is
 * committed. Closing with commit uploads the rest and completes the upload;
 * closing without commit aborts the multipart upload. A failed commit
 * aborts too, so no partial object or open upload is ever left behind.
 * The sink's write and close return REC_ERR_IO, or for a failed S3 call
 * its REC_ERR_AWS / REC_ERR_HTTP / REC_ERR_TIMEOUT; status->err says why. */
int s3_upload_sink_open(const struct s3_upload_config *cfg, struct s3_upload_status *status,
                        struct byte_sink *out);

#endif

/*
 * One span of one KVS stream recorded into S3 objects: the recorder
 * (recorder/recorder.h) fed by a media session (kvs/media_session.h), its
 * outputs streamed to S3 upload sinks (s3/upload_sink.h) as it reads. The
 * piece every KVS-reading handler shares; it knows no Connect or Chime rule
 * (the caller names the tracks, the call tag and the keys).
 *
 * Failure rules (the outcome is the caller's, handler/outcome.h):
 *  - a failure that may pass (GetMedia/GetDataEndpoint throttling or 5xx,
 *    network, the reading deadline, an upload that may succeed later):
 *    everything is discarded (uploads aborted, no object, no open multipart
 *    upload), err is retriable;
 *  - a failure that never will (a 4xx answer, malformed media, a track we
 *    cannot decode, a cap): every complete block read is kept (the outputs
 *    with audio are committed), err says what went wrong, not retriable.
 *
 * How the stream is read (job->read_mode, KVS_READ_MODE):
 *  - MEDIA_READ_GET_MEDIA: GetMedia from the start fragment (or NOW);
 *  - MEDIA_READ_FRAGMENT_LIST: ListFragments + GetMediaForFragmentList when
 *    the job names its span (start and stop fragments, both timestamps,
 *    reading by fragment); a span ListFragments does not cover yet is a
 *    retriable failure. A job without a span is read with GetMedia;
 *  - MEDIA_READ_AUTO: as MEDIA_READ_FRAGMENT_LIST, except that a span not
 *    listed is read with GetMedia at once (nothing was read yet), which
 *    then gives the authoritative answer.
 * The recorder sees the same bytes either way, so the objects are the same.
 */
#ifndef REC_HANDLER_STREAM_RECORDING_H
#define REC_HANDLER_STREAM_RECORDING_H

#include <stddef.h>
#include <stdint.h>

#include "common/error.h"
#include "kvs/endpoint_cache.h"
#include "kvs/media_session.h"
#include "recorder/recorder.h"
#include "services/kvs_client.h"
#include "services/s3_client.h"

/* The process-lifetime clients a recording uses (borrowed). */
struct stream_recording_clients {
    struct kvs_client *kvs;
    struct kvs_endpoint_cache *endpoints;
    struct rec_s3_client *s3;
};

/* Creates the clients above from the environment (services/kvs_client.h,
 * kvs/endpoint_cache.h, services/s3_client.h) into *c, the caller's
 * storage. Returns 0, or the failing client's error with err naming it
 * ("S3 client: ..."); free with stream_recording_clients_destroy, also
 * after a failure. */
int stream_recording_clients_new(struct stream_recording_clients *c, struct rec_error *err);

/* Frees what stream_recording_clients_new created (NULL members are fine). */
void stream_recording_clients_destroy(struct stream_recording_clients *c);

/* How a KVS-reading handler reads and uploads, from the environment: the
 * same variables, ranges and rules for every handler (handler/env_config.h);
 * only the defaults marked "handler's" differ.
 *   MULTIPART_PART_BYTES       part size and PutObject threshold (16 MiB; min 5 MiB)
 *   KVS_IDLE_TIMEOUT_MS        a GetMedia idle this long is at the live edge (5000)
 *   DEADLINE_START_RESERVE_MS  no recording starts with less time left (handler's)
 *   DEADLINE_FINISH_RESERVE_MS reading stops this long before the deadline,
 *                              leaving time to upload (handler's)
 *   GET_MEDIA_MAX_CALLS        GetMedia calls per recording, resumes included
 *                              (50); also the GetMediaForFragmentList calls
 *   KVS_READ_MODE              auto, getmedia or fragment-list (handler's)
 *   FRAGMENT_LIST_BATCH        fragments per GetMediaForFragmentList (1..1000, 1000) */
struct stream_recording_knobs {
    size_t part_bytes;
    long idle_ms;
    int64_t start_reserve_ms;
    int64_t finish_reserve_ms;
    unsigned max_get_media_calls;
    enum media_read_mode read_mode;
    unsigned fragment_batch;
};

/* Reads the variables above into *out, the handler's defaults for those
 * unset or empty. Returns 0, or REC_ERR_CONFIG with err naming the
 * variable. */
int stream_recording_knobs_from_env(int64_t start_reserve_ms, int64_t finish_reserve_ms,
                                    enum media_read_mode read_mode, struct stream_recording_knobs *out,
                                    struct rec_error *err);

/* Where the outputs go. Strings borrowed for the run. */
struct stream_recording_upload {
    const char *bucket;
    const char *keys[RECORDER_OUTPUTS]; /* raw keys; NULL for an output not wanted */
    const char *content_type;           /* "audio/wav", "audio/flac", ... */
    const char *contact_id;             /* x-amz-meta-contact-id; NULL: none */
    const char *kms_key_id;             /* SSE-KMS key; NULL/"": SSE-S3 (AES256) */
    const char *acl;                    /* canned ACL; NULL/"": none */
    size_t part_bytes;                  /* multipart part size; 0: 16 MiB */
    /* Non-zero: x-amz-meta-redacted-ms on each object, the ms its audio
     * was silenced (recorder/redaction.h; the mix: the more of its two
     * tracks). Only an object stored with one PutObject can carry it
     * (s3/upload_sink.h): see stream_recording_result.redacted_meta_left_out. */
    int redacted_ms_metadata;
    const char *spool_dir;              /* held parts' directory; NULL/"": /tmp */
};

struct stream_recording_job {
    const struct stream_recording_clients *clients;
    const char *stream_arn;
    int start_by_fragment;      /* GetMedia from start_fragment (else NOW) */
    struct recorder_options recorder; /* tracks, call tag and id, fragment range,
                                         outputs wanted, encoder; its sinks are set here */
    long idle_ms;               /* the live edge: a GetMedia idle this long */
    unsigned max_calls;         /* GetMedia calls, resumes included (also the
                                   GetMediaForFragmentList calls) */
    enum media_read_mode read_mode; /* see read_media's rule below */
    int64_t start_ms, stop_ms;  /* the span's timestamps (epoch ms; 0: unknown) */
    unsigned fragment_batch;    /* fragments per GetMediaForFragmentList (1..1000) */
    int64_t read_deadline_ms;   /* absolute epoch ms: reading stops (retriable); 0: none */
    int64_t deadline_ms;        /* absolute epoch ms for the uploads; 0: none */
    struct stream_recording_upload upload;
    const char *log_name, *log_value; /* a field for the session's log lines */
    /* Outputs to local files instead of S3 (a Chime leg staged in /tmp,
     * audio/file_sink.h): with .open set the recorder opens its outputs
     * there and upload is not used; committed[] and bytes[] then stay 0
     * (stats.output[] tells what was kept). */
    struct recorder_sinks local_sinks;
};

struct stream_recording_result {
    int committed[RECORDER_OUTPUTS]; /* the object exists */
    uint64_t bytes[RECORDER_OUTPUTS]; /* its size, bytes */
    struct recorder_stats stats;      /* what was read (valid after a run that got
                                         as far as creating the recorder) */
    struct media_session_result session;
    int redacted_meta_left_out; /* an object went up in parts without redacted-ms */
    const char *read_with;            /* "GetMedia" or "GetMediaForFragmentList" (static) */
};

/* Runs the job. out is the caller's storage, filled in every case. Returns
 * 0 when nothing failed, else the failure's code with err filled as the
 * rules above say (committed[] tells what was kept). */
int stream_recording_run(const struct stream_recording_job *job, struct stream_recording_result *out,
                         struct rec_error *err);

#endif

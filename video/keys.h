/*
 * Names of a video recording: its id, times, S3 keys, ARNs and the playback
 * URL stored on the contact. Pure functions; nothing is sent.
 *
 * Key layout (../shared/VIDEO.md §3.5, a deliberate change from the seed's
 * RECORDINGS/<Y>/<M>/<D>/<H>/<ext>_<id>_<ts>_UTC.mp4):
 *   captures/<YYYY>/<MM>/<DD>/<recordingId>             capture chunks (lifecycle rule)
 *   RECORDINGS/<YYYY>/<MM>/<DD>/<HH>/<recordingId>      concatenation destination;
 *       the MP4 lands in .../audio/<pipelineId>.mp4 (and .../composited-video/)
 * Only [A-Za-z0-9/_-]: the SinkArn pattern ^arn[\/\:\-\_\.a-zA-Z0-9]+$ holds and
 * the meeting's free-text externalMeetingId never reaches a key or an ARN
 * (VIDEO.md §5 pitfall 14). Dates are UTC, zero-padded, from createdAt.
 */
#ifndef REC_VIDEO_KEYS_H
#define REC_VIDEO_KEYS_H

#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"

#define VIDEO_ID_MAX 37        /* a UUID, 36 characters, with the NUL */
#define VIDEO_KEY_MAX 1025     /* an S3 key, 1024 bytes, with the NUL */
#define VIDEO_FOLDER_MAX 32

#define VIDEO_CAPTURE_ROOT "captures/"
#define VIDEO_RECORDING_ROOT "RECORDINGS/"

/* A new recordingId: a random (version 4) UUID in lower-case hex from
 * OpenSSL's CSPRNG (RFC 9562 §5.4). Returns 0 or REC_ERR_IO. */
int video_new_recording_id(char out[VIDEO_ID_MAX]);

/* Non-zero when s is a UUID (8-4-4-4-12 hex, either case): recording and
 * pipeline ids, nothing else, go into keys and DynamoDB index keys. */
int video_is_uuid(const char *s);

/* The capture prefix and the recording (concatenation) prefix above, for a
 * recording created at created_ms. Replace out's contents. Returns 0,
 * REC_ERR_INVALID (not a UUID), REC_ERR_LIMIT, REC_ERR_NOMEM. */
int video_capture_prefix(int64_t created_ms, const char *recording_id, struct rec_buf *out);
int video_recording_prefix(int64_t created_ms, const char *recording_id, struct rec_buf *out);

/* Reads a key under RECORDINGS/ as laid out above:
 * RECORDINGS/<YYYY>/<MM>/<DD>/<HH>/<recordingId>/<folder>/<file>.mp4. Copies
 * the recordingId and folder ("audio", "composited-video", ...). Returns 0, or
 * REC_ERR_NOT_FOUND for any other key (another application's object, a
 * .txt artifact): not ours to touch. */
int video_parse_recording_key(const char *key, char recording_id[VIDEO_ID_MAX],
                              char folder[VIDEO_FOLDER_MAX]);

/* arn:aws:chime::<account>:meeting:<meetingId> (CreateMediaCapturePipeline
 * SourceArn: no region). Replaces out. Returns 0, REC_ERR_INVALID (account
 * not 12 digits, meeting not a UUID), REC_ERR_LIMIT, REC_ERR_NOMEM. */
int video_meeting_arn(const char *account, const char *meeting_id, struct rec_buf *out);

/* arn:aws:s3:::<bucket>/<prefix> (SinkArn and Destination). Replaces out. */
int video_s3_arn(const char *bucket, const char *prefix, struct rec_buf *out);

/* arn:aws:chime:<region>:<account>:media-pipeline/<id>: what a capture
 * answer without MediaPipelineArn stands for (VIDEO.md §3.5, UNVERIFIED
 * equivalence). Replaces out. */
int video_pipeline_arn(const char *region, const char *account, const char *pipeline_id,
                       struct rec_buf *out);

/* The account id of a Lambda function ARN (its fifth field, 12 digits)
 * into out (13 bytes). Returns 0 or REC_ERR_INVALID. */
int video_account_of_arn(const char *function_arn, char out[13]);

/* The URL stored on the contact as videoRecordingPlaybackURL
 * (VIDEO.md §3.5): with base set, base + "/recording/" + the meeting id
 * URI-encoded (the client's value ignored); else the client's value when it
 * starts with allowed_prefix (non-empty). Replaces out. Returns 0;
 * REC_ERR_NOT_FOUND when there is nothing acceptable to store (no base and
 * the client's URL missing or outside the prefix); REC_ERR_LIMIT. */
int video_playback_url(const char *base, const char *allowed_prefix, const char *external_meeting_id,
                       const char *client_url, struct rec_buf *out);

#endif

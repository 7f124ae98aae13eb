/*
 * Amazon Chime SDK media pipelines: the capture and concatenation calls a
 * server-side meeting recording needs.
 *
 * Rule sources: Amazon Chime SDK API Reference, "CreateMediaCapturePipeline"
 * (POST /sdk-media-capture-pipelines, 201), "DeleteMediaCapturePipeline"
 * (DELETE /sdk-media-capture-pipelines/{mediaPipelineId}, 204),
 * "CreateMediaConcatenationPipeline" (POST /sdk-media-concatenation-pipelines,
 * 201);
 * botocore's chime-sdk-media-pipelines 2021-07-15 model: rest-json, endpoint
 * prefix media-pipelines-chime, SigV4 signing name "chime", errors
 * {"Code","Message"} with x-amzn-ErrorType; ResourceLimitExceededException
 * is a 400 and not retried, ThrottledClientException (429) and 5xx are.
 * ../shared/VIDEO.md §2.
 *
 * The client knows the wire shapes, not our recordings: the caller names the
 * meeting, the S3 destinations and the idempotency tokens.
 */
#ifndef REC_SERVICES_MEDIA_PIPELINES_CLIENT_H
#define REC_SERVICES_MEDIA_PIPELINES_CLIENT_H

#include <stdint.h>

#include "common/error.h"
#include "services/service.h"

/* Bytes with the NUL of a MediaPipelineId (a GUID, 36 characters) and of a
 * MediaPipelineArn (Arn: at most 1024 characters). */
#define MEDIA_PIPELINE_ID_MAX 64
#define MEDIA_PIPELINE_ARN_MAX 1025

struct media_pipelines_client;

/* The pipeline a create call made, copied out of the answer. */
struct media_pipeline {
    char id[MEDIA_PIPELINE_ID_MAX];
    char arn[MEDIA_PIPELINE_ARN_MAX]; /* "" when the answer had none (legacy answers,
                                         aws/amazon-chime-sdk-js#2605) */
    char status[32];                  /* "Initializing", "InProgress", ... */
};

/* What a capture records (CreateMediaCapturePipeline's
 * ChimeSdkMeetingConfiguration.ArtifactsConfiguration). Strings borrowed. */
struct media_capture_request {
    const char *source_arn;     /* arn:aws:chime::ACCOUNT:meeting:MEETING_ID */
    const char *sink_arn;       /* arn:aws:s3:::bucket/prefix (^arn[/:\-_.a-zA-Z0-9]+$) */
    const char *client_token;   /* 2..64 of [-_a-zA-Z0-9]: a retry makes no second pipeline */
    const char *audio_mux_type; /* "AudioWithCompositedVideo", "AudioOnly", ... */
    const char *layout;         /* GridView ContentShareLayout: "PresenterOnly",
                                   "Horizontal", "Vertical", "ActiveSpeakerOnly";
                                   NULL: no CompositedVideo section */
    const char *resolution;     /* "FHD" or "HD" */
    int64_t deadline_ms;        /* absolute epoch ms; 0: none */
};

/* Creates the client (region from opt, else the environment; endpoint
 * override AWS_ENDPOINT_URL_CHIME_SDK_MEDIA_PIPELINES, then
 * AWS_ENDPOINT_URL). Returns 0 or service_client_new's error. Destroy with
 * media_pipelines_client_destroy (NULL ok). */
int media_pipelines_client_new(struct media_pipelines_client **out, const struct service_options *opt);
void media_pipelines_client_destroy(struct media_pipelines_client *mp);

/* The region the client signs for (the pipelines' control region). */
const char *media_pipelines_client_region(const struct media_pipelines_client *mp);

/* CreateMediaCapturePipeline with an S3 sink, video and content disabled
 * (the composited video carries them). Fills *out. Returns 0;
 * REC_ERR_INVALID (not retriable) when the answer has no MediaPipelineId;
 * service_json_send's errors otherwise (err names the Code and Message:
 * "S3 Bucket policy not valid/present for Sink ..." is a 400). */
int media_capture_create(struct media_pipelines_client *mp, const struct media_capture_request *req,
                         struct media_pipeline *out, struct rec_error *err);

/* DeleteMediaCapturePipeline. Returns 0 (204); REC_ERR_NOT_FOUND (not
 * retriable, err filled) for a 404: the pipeline already ended, which
 * callers treat as stopped (VIDEO.md §2.4); else service_json_send's errors. */
int media_capture_delete(struct media_pipelines_client *mp, const char *pipeline_id,
                         int64_t deadline_ms, struct rec_error *err);

/* CreateMediaConcatenationPipeline of one capture into one S3 destination,
 * with the Audio and CompositedVideo artifacts enabled (Audio must be; the
 * five others disabled). capture_arn: the capture pipeline's ARN (created
 * less than 30 days ago); destination_arn: arn:aws:s3:::bucket/prefix.
 * Returns and fills as media_capture_create. */
int media_concat_create(struct media_pipelines_client *mp, const char *capture_arn,
                        const char *destination_arn, const char *client_token,
                        int64_t deadline_ms, struct media_pipeline *out, struct rec_error *err);

#endif

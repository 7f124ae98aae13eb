#include "services/media_pipelines_client.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "common/bytes.h"

struct media_pipelines_client {
    struct rec_aws_client *http;
};

int media_pipelines_client_new(struct media_pipelines_client **out, const struct service_options *opt)
{
    struct media_pipelines_client *c = calloc(1, sizeof(*c));
    if (!c)
        return REC_ERR_NOMEM;
    struct service_options o = opt ? *opt : (struct service_options){ 0 };
    o.endpoint_prefix = "media-pipelines-chime";
    int rc = service_client_new(&c->http, "Chime SDK Media Pipelines", "chime", 0, &o);
    if (rc) {
        free(c);
        return rc;
    }
    *out = c;
    return 0;
}

void media_pipelines_client_destroy(struct media_pipelines_client *mp)
{
    if (!mp)
        return;
    rec_aws_client_destroy(mp->http);
    free(mp);
}

const char *media_pipelines_client_region(const struct media_pipelines_client *mp)
{
    return rec_aws_client_region(mp->http);
}

/* {"State": state} under name in parent; NULL on allocation failure. */
static cJSON *add_state(cJSON *parent, const char *name, const char *state)
{
    cJSON *o = cJSON_AddObjectToObject(parent, name);
    return o && cJSON_AddStringToObject(o, "State", state) ? o : NULL;
}

/* The capture's ArtifactsConfiguration (VIDEO.md §2.3). */
static int capture_artifacts(cJSON *doc, const struct media_capture_request *req)
{
    cJSON *meeting = cJSON_AddObjectToObject(doc, "ChimeSdkMeetingConfiguration");
    cJSON *art = meeting ? cJSON_AddObjectToObject(meeting, "ArtifactsConfiguration") : NULL;
    cJSON *audio = art ? cJSON_AddObjectToObject(art, "Audio") : NULL;
    if (!audio || !cJSON_AddStringToObject(audio, "MuxType", req->audio_mux_type) ||
        !add_state(art, "Video", "Disabled") || !add_state(art, "Content", "Disabled"))
        return REC_ERR_NOMEM;
    if (!req->layout)
        return 0;
    cJSON *cv = cJSON_AddObjectToObject(art, "CompositedVideo");
    cJSON *grid = NULL;
    if (!cv || !cJSON_AddStringToObject(cv, "Layout", "GridView") ||
        !cJSON_AddStringToObject(cv, "Resolution", req->resolution) ||
        !(grid = cJSON_AddObjectToObject(cv, "GridViewConfiguration")) ||
        !cJSON_AddStringToObject(grid, "ContentShareLayout", req->layout))
        return REC_ERR_NOMEM;
    return 0;
}

/* Copies the pipeline object member of answer into *out. */
static int read_pipeline(const cJSON *answer, const char *member, const char *op,
                         struct media_pipeline *out, struct rec_error *err)
{
    const cJSON *p = cJSON_GetObjectItemCaseSensitive(answer, member);
    const char *id = service_json_string(p, "MediaPipelineId");
    const char *arn = service_json_string(p, "MediaPipelineArn");
    const char *status = service_json_string(p, "Status");
    memset(out, 0, sizeof(*out));
    if (!id || rec_str_copy(out->id, sizeof(out->id), id) ||
        rec_str_copy(out->arn, sizeof(out->arn), arn ? arn : "") ||
        rec_str_copy(out->status, sizeof(out->status), status ? status : ""))
        return rec_error_set(err, REC_ERR_INVALID, 0, "%s: the answer has no usable %s.MediaPipelineId",
                             op, member);
    return 0;
}

/* Sends a create call (201 + {member: {...}}) and reads its pipeline. */
static int create_call(struct media_pipelines_client *mp, const char *op, const char *path,
                       const cJSON *doc, const char *member, int64_t deadline_ms,
                       struct media_pipeline *out, struct rec_error *err)
{
    struct rec_aws_response resp;
    rec_aws_response_init(&resp);
    cJSON *answer = NULL;
    struct service_json_request req = { .operation = op, .path = path, .body = doc,
                                        .deadline_ms = deadline_ms };
    int rc = service_json_send(mp->http, &req, &resp, &answer, err);
    if (!rc)
        rc = read_pipeline(answer, member, op, out, err);
    cJSON_Delete(answer);
    rec_aws_response_clean_up(&resp);
    return rc;
}

int media_capture_create(struct media_pipelines_client *mp, const struct media_capture_request *req,
                         struct media_pipeline *out, struct rec_error *err)
{
    cJSON *doc = cJSON_CreateObject();
    int ok = doc && cJSON_AddStringToObject(doc, "SourceType", "ChimeSdkMeeting") &&
             cJSON_AddStringToObject(doc, "SourceArn", req->source_arn) &&
             cJSON_AddStringToObject(doc, "SinkType", "S3Bucket") &&
             cJSON_AddStringToObject(doc, "SinkArn", req->sink_arn) &&
             cJSON_AddStringToObject(doc, "ClientRequestToken", req->client_token) &&
             capture_artifacts(doc, req) == 0;
    int rc = create_call(mp, "CreateMediaCapturePipeline", "/sdk-media-capture-pipelines",
                         ok ? doc : NULL, "MediaCapturePipeline", req->deadline_ms, out, err);
    cJSON_Delete(doc);
    return rc;
}

int media_capture_delete(struct media_pipelines_client *mp, const char *pipeline_id,
                         int64_t deadline_ms, struct rec_error *err)
{
    char path[128];
    if (snprintf(path, sizeof(path), "/sdk-media-capture-pipelines/%s", pipeline_id) >= (int)sizeof(path) ||
        strpbrk(pipeline_id, "/?#% "))
        return rec_error_set(err, REC_ERR_INVALID, 0, "DeleteMediaCapturePipeline: bad pipeline id");
    struct rec_aws_response resp;
    rec_aws_response_init(&resp);
    struct service_json_request req = { .operation = "DeleteMediaCapturePipeline", .path = path,
                                        .method = "DELETE", .deadline_ms = deadline_ms, .not_found = 1 };
    int rc = service_json_send(mp->http, &req, &resp, NULL, err);
    rec_aws_response_clean_up(&resp);
    return rc;
}

/* The concatenation's one source (VIDEO.md §2.5: all seven artifact states
 * are required; Audio must be Enabled). */
static int concat_source(cJSON *doc, const char *capture_arn)
{
    static const char *const disabled[] = { "Video", "Content", "DataChannel", "TranscriptionMessages",
                                            "MeetingEvents" };
    cJSON *sources = cJSON_AddArrayToObject(doc, "Sources");
    cJSON *src = cJSON_CreateObject();
    if (!sources || !src || !cJSON_AddItemToArray(sources, src)) {
        cJSON_Delete(src);
        return REC_ERR_NOMEM;
    }
    cJSON *cfg = NULL, *meeting = NULL, *art = NULL;
    int ok = cJSON_AddStringToObject(src, "Type", "MediaCapturePipeline") &&
             (cfg = cJSON_AddObjectToObject(src, "MediaCapturePipelineSourceConfiguration")) &&
             cJSON_AddStringToObject(cfg, "MediaPipelineArn", capture_arn) &&
             (meeting = cJSON_AddObjectToObject(cfg, "ChimeSdkMeetingConfiguration")) &&
             (art = cJSON_AddObjectToObject(meeting, "ArtifactsConfiguration")) &&
             add_state(art, "Audio", "Enabled");
    for (size_t i = 0; ok && i < sizeof(disabled) / sizeof(disabled[0]); i++)
        ok = add_state(art, disabled[i], "Disabled") != NULL;
    return ok && add_state(art, "CompositedVideo", "Enabled") ? 0 : REC_ERR_NOMEM;
}

static int concat_sink(cJSON *doc, const char *destination_arn)
{
    cJSON *sinks = cJSON_AddArrayToObject(doc, "Sinks");
    cJSON *sink = cJSON_CreateObject();
    if (!sinks || !sink || !cJSON_AddItemToArray(sinks, sink)) {
        cJSON_Delete(sink);
        return REC_ERR_NOMEM;
    }
    cJSON *cfg = NULL;
    return cJSON_AddStringToObject(sink, "Type", "S3Bucket") &&
                   (cfg = cJSON_AddObjectToObject(sink, "S3BucketSinkConfiguration")) &&
                   cJSON_AddStringToObject(cfg, "Destination", destination_arn)
               ? 0
               : REC_ERR_NOMEM;
}

int media_concat_create(struct media_pipelines_client *mp, const char *capture_arn,
                        const char *destination_arn, const char *client_token,
                        int64_t deadline_ms, struct media_pipeline *out, struct rec_error *err)
{
    cJSON *doc = cJSON_CreateObject();
    int ok = doc && cJSON_AddStringToObject(doc, "ClientRequestToken", client_token) &&
             concat_source(doc, capture_arn) == 0 && concat_sink(doc, destination_arn) == 0;
    int rc = create_call(mp, "CreateMediaConcatenationPipeline", "/sdk-media-concatenation-pipelines",
                         ok ? doc : NULL, "MediaConcatenationPipeline", deadline_ms, out, err);
    cJSON_Delete(doc);
    return rc;
}

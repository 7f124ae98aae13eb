/*
 * libFuzzer target: an HTTP API payload 2.0 request and an EventBridge event
 * as the video recording handler reads them (video/api.h, video/events.h).
 * Invariants: reading never fails on the client's input (only out of
 * memory), every copied field is NUL-terminated within its array, an
 * answer can always be made from what was read, and a followed event's
 * ids are UUIDs.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "common/buf.h"
#include "video/api.h"
#include "video/events.h"
#include "video/keys.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    cJSON *doc = cJSON_ParseWithLength((const char *)data, size);
    if (!doc)
        return 0;
    struct rec_error err;
    rec_error_clear(&err);
    struct video_api_request req;
    if (video_api_is_request(doc) && video_api_read(doc, &req, &err) == 0) {
        if (memchr(req.external_meeting_id, 0, sizeof(req.external_meeting_id)) == NULL ||
            memchr(req.sub, 0, sizeof(req.sub)) == NULL)
            abort();
        struct rec_buf out;
        rec_buf_init(&out, 1 << 20);
        if (video_api_answer(&out, 400, "", NULL, req.external_meeting_id, req.sub) != 0)
            abort();
        cJSON *back = cJSON_Parse(out.data);
        if (!back)
            abort();
        cJSON_Delete(back);
        rec_buf_clean_up(&out, 0);
    }
    struct video_event ev;
    rec_error_clear(&err);
    if (video_event_read(doc, &ev, &err) == 0) {
        if ((ev.kind == VIDEO_EVENT_PIPELINE_STATE && !video_is_uuid(ev.pipeline_id)) ||
            (ev.meeting_id[0] && !video_is_uuid(ev.meeting_id)))
            abort();
        char rid[VIDEO_ID_MAX], folder[VIDEO_FOLDER_MAX];
        if (ev.kind == VIDEO_EVENT_OBJECT_CREATED && video_parse_recording_key(ev.key, rid, folder) == 0 &&
            !video_is_uuid(rid))
            abort();
    } else if (err.code != REC_ERR_INVALID || err.retriable) {
        abort();
    }
    cJSON_Delete(doc);
    return 0;
}

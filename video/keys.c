#include "video/keys.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include <openssl/rand.h>

#include "common/error.h"
#include "sigv4/uri_encode.h"

int video_new_recording_id(char out[VIDEO_ID_MAX])
{
    unsigned char b[16];
    if (RAND_bytes(b, sizeof(b)) != 1)
        return REC_ERR_IO;
    b[6] = (unsigned char)((b[6] & 0x0f) | 0x40); /* version 4 */
    b[8] = (unsigned char)((b[8] & 0x3f) | 0x80); /* variant 10 */
    snprintf(out, VIDEO_ID_MAX,
             "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", b[0], b[1], b[2],
             b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]);
    return 0;
}

int video_is_uuid(const char *s)
{
    static const char shape[] = "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx";
    if (!s || strlen(s) != sizeof(shape) - 1)
        return 0;
    for (size_t i = 0; shape[i]; i++) {
        char c = s[i];
        int hex = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
        if (shape[i] == '-' ? c != '-' : !hex)
            return 0;
    }
    return 1;
}

static int utc_of(int64_t epoch_ms, struct tm *tm)
{
    time_t t = (time_t)(epoch_ms / 1000);
    return epoch_ms >= 0 && gmtime_r(&t, tm) && tm->tm_year + 1900 <= 9999 ? 0 : REC_ERR_INVALID;
}

/* root + date path + recordingId; with_hour adds <HH>/. */
static int dated_prefix(const char *root, int with_hour, int64_t created_ms, const char *recording_id,
                        struct rec_buf *out)
{
    struct tm tm;
    if (!video_is_uuid(recording_id) || utc_of(created_ms, &tm))
        return REC_ERR_INVALID;
    rec_buf_reset(out);
    int rc = rec_buf_printf(out, "%s%04d/%02d/%02d/", root, tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
    if (!rc && with_hour)
        rc = rec_buf_printf(out, "%02d/", tm.tm_hour);
    return rc ? rc : rec_buf_append_str(out, recording_id);
}

int video_capture_prefix(int64_t created_ms, const char *recording_id, struct rec_buf *out)
{
    return dated_prefix(VIDEO_CAPTURE_ROOT, 0, created_ms, recording_id, out);
}

int video_recording_prefix(int64_t created_ms, const char *recording_id, struct rec_buf *out)
{
    return dated_prefix(VIDEO_RECORDING_ROOT, 1, created_ms, recording_id, out);
}

/* Takes the next '/'-terminated segment of *p into seg (cap bytes). */
static int segment(const char **p, char *seg, size_t cap)
{
    const char *slash = strchr(*p, '/');
    size_t n = slash ? (size_t)(slash - *p) : 0;
    if (!slash || n == 0 || n >= cap)
        return REC_ERR_NOT_FOUND;
    memcpy(seg, *p, n);
    seg[n] = '\0';
    *p = slash + 1;
    return 0;
}

int video_parse_recording_key(const char *key, char recording_id[VIDEO_ID_MAX],
                              char folder[VIDEO_FOLDER_MAX])
{
    static const int widths[] = { 4, 2, 2, 2 }; /* YYYY/MM/DD/HH */
    char seg[VIDEO_ID_MAX];
    const char *p = key;
    if (!key || strncmp(key, VIDEO_RECORDING_ROOT, strlen(VIDEO_RECORDING_ROOT)) != 0)
        return REC_ERR_NOT_FOUND;
    p += strlen(VIDEO_RECORDING_ROOT);
    for (size_t i = 0; i < sizeof(widths) / sizeof(widths[0]); i++)
        if (segment(&p, seg, sizeof(seg)) || strlen(seg) != (size_t)widths[i] ||
            strspn(seg, "0123456789") != strlen(seg))
            return REC_ERR_NOT_FOUND;
    if (segment(&p, recording_id, VIDEO_ID_MAX) || !video_is_uuid(recording_id) ||
        segment(&p, folder, VIDEO_FOLDER_MAX))
        return REC_ERR_NOT_FOUND;
    size_t n = strlen(p);
    if (n <= 4 || strchr(p, '/') || strcmp(p + n - 4, ".mp4") != 0)
        return REC_ERR_NOT_FOUND;
    return 0;
}

int video_meeting_arn(const char *account, const char *meeting_id, struct rec_buf *out)
{
    if (!account || strlen(account) != 12 || strspn(account, "0123456789") != 12 || !video_is_uuid(meeting_id))
        return REC_ERR_INVALID;
    rec_buf_reset(out);
    return rec_buf_printf(out, "arn:aws:chime::%s:meeting:%s", account, meeting_id);
}

int video_s3_arn(const char *bucket, const char *prefix, struct rec_buf *out)
{
    rec_buf_reset(out);
    return rec_buf_printf(out, "arn:aws:s3:::%s/%s", bucket, prefix);
}

int video_pipeline_arn(const char *region, const char *account, const char *pipeline_id,
                       struct rec_buf *out)
{
    if (!video_is_uuid(pipeline_id))
        return REC_ERR_INVALID;
    rec_buf_reset(out);
    return rec_buf_printf(out, "arn:aws:chime:%s:%s:media-pipeline/%s", region, account, pipeline_id);
}

int video_account_of_arn(const char *function_arn, char out[13])
{
    const char *p = function_arn;
    for (int field = 0; p && field < 4; field++)
        p = (p = strchr(p, ':')) ? p + 1 : NULL;
    if (!p || strspn(p, "0123456789") != 12 || p[12] != ':')
        return REC_ERR_INVALID;
    memcpy(out, p, 12);
    out[12] = '\0';
    return 0;
}

int video_playback_url(const char *base, const char *allowed_prefix, const char *external_meeting_id,
                       const char *client_url, struct rec_buf *out)
{
    rec_buf_reset(out);
    if (base && *base) {
        size_t n = strlen(base);
        while (n && base[n - 1] == '/')
            n--;
        int rc = rec_buf_printf(out, "%.*s/recording/", (int)n, base);
        return rc ? rc : sigv4_uri_encode(out, external_meeting_id, strlen(external_meeting_id), 0);
    }
    if (!allowed_prefix || !*allowed_prefix || !client_url ||
        strncmp(client_url, allowed_prefix, strlen(allowed_prefix)) != 0)
        return REC_ERR_NOT_FOUND;
    return rec_buf_append_str(out, client_url);
}

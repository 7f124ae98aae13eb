#include "audio/byte_sink.h"

#include "common/error.h"

int byte_sink_write(struct byte_sink *s, const void *bytes, size_t len)
{
    if (!s->ops)
        return REC_ERR_STATE;
    if (len == 0)
        return 0;
    /* Rewriting bytes already written is only allowed inside the header
     * region: everything after it may have been streamed out already. */
    if (s->pos < s->len && (len > BYTE_SINK_HEADER_REGION || s->pos > BYTE_SINK_HEADER_REGION - len))
        return REC_ERR_STATE;
    int rc = s->ops->write(s->impl, s->pos, bytes, len);
    if (rc)
        return rc;
    s->pos += len;
    if (s->pos > s->len)
        s->len = s->pos;
    return 0;
}

int byte_sink_seek(struct byte_sink *s, uint64_t offset)
{
    if (!s->ops)
        return REC_ERR_STATE;
    if (offset == s->pos)
        return 0;
    /* The promise that lets an upload stream everything past the header. */
    if (offset >= BYTE_SINK_HEADER_REGION && offset != s->len)
        return REC_ERR_STATE;
    int rc = s->ops->seek(s->impl, offset);
    if (rc)
        return rc;
    s->pos = offset;
    return 0;
}

uint64_t byte_sink_tell(const struct byte_sink *s)
{
    return s->pos;
}

int byte_sink_close(struct byte_sink *s, int commit)
{
    if (!s->ops)
        return 0;
    int rc = s->ops->close(s->impl, commit);
    s->ops = NULL;
    s->impl = NULL;
    return rc;
}

#include "recorder/track_decoder.h"

#include <stdio.h>
#include <string.h>

#include "common/error.h"

void track_decoder_init(struct track_decoder *d, const char *label, size_t max_block_bytes)
{
    memset(d, 0, sizeof(*d));
    d->label = label;
    rec_buf_init(&d->scratch, max_block_bytes);
}

static void refuse(struct track_decoder *d, const char *why)
{
    d->refused = 1;
    snprintf(d->why, sizeof(d->why), "%s: %.160s", d->label, why);
}

void track_decoder_update(struct track_decoder *d, const struct track_entry *t,
                          const struct track_mime *mime)
{
    d->present = 1;
    memcpy(d->codec_id, t->codec_id, sizeof(d->codec_id)); /* same size: whole */
    if (d->refused)
        return;
    struct track_codec c;
    if (track_codec_resolve(t, mime, &c) != 0) {
        refuse(d, c.why);
        return;
    }
    if (d->resolved && c.rate != d->codec.rate) {
        char why[160];
        snprintf(why, sizeof(why), "rate changed from %u Hz to %u Hz mid-stream", d->codec.rate,
                 c.rate);
        refuse(d, why);
        return;
    }
    d->codec = c;
    d->resolved = 1;
}

int track_decoder_usable(const struct track_decoder *d)
{
    return d->resolved && !d->refused;
}

int track_decoder_to_s16le(struct track_decoder *d, struct rec_bytes in, struct rec_bytes *out)
{
    *out = rec_bytes_of(NULL, 0);
    if (!track_decoder_usable(d))
        return REC_ERR_STATE;
    if (in.len % 2)
        return REC_ERR_INVALID;
    if (d->codec.layout != PCM_S16BE) {
        *out = in;
        return 0;
    }
    rec_buf_reset(&d->scratch);
    int rc = rec_buf_append(&d->scratch, in.ptr, in.len);
    if (rc)
        return rc;
    uint8_t *p = (uint8_t *)d->scratch.data;
    pcm_to_s16le(PCM_S16BE, p, in.len, p);
    *out = rec_bytes_of(p, in.len);
    return 0;
}

void track_decoder_clean_up(struct track_decoder *d)
{
    rec_buf_clean_up(&d->scratch, 0);
}

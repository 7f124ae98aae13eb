#include "audio/wav_writer.h"

#include <string.h>

#include "common/error.h"

enum { WAVE_FORMAT_PCM = 1, BITS = 16, DS64_BODY = 28 };

static void put16(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

static void put32(uint8_t *p, uint32_t v)
{
    put16(p, v & 0xFFFF);
    put16(p + 2, v >> 16);
}

static void put64(uint8_t *p, uint64_t v)
{
    put32(p, (uint32_t)v);
    put32(p + 4, (uint32_t)(v >> 32));
}

/* Builds the 80-byte header for data_bytes of samples. */
static void build_header(const struct wav_writer *w, uint64_t data_bytes, uint8_t h[WAV_HEADER_BYTES])
{
    uint64_t riff_size = WAV_HEADER_BYTES - 8 + data_bytes;
    int rf64 = riff_size > 0xFFFFFFFFu;
    uint32_t block_align = 2u * w->channels;
    memset(h, 0, WAV_HEADER_BYTES);
    memcpy(h, rf64 ? "RF64" : "RIFF", 4);
    put32(h + 4, rf64 ? 0xFFFFFFFFu : (uint32_t)riff_size);
    memcpy(h + 8, "WAVE", 4);
    memcpy(h + 12, rf64 ? "ds64" : "JUNK", 4);
    put32(h + 16, DS64_BODY);
    if (rf64) {
        put64(h + 20, riff_size);
        put64(h + 28, data_bytes);
        put64(h + 36, data_bytes / block_align); /* sampleCount: frames */
        put32(h + 44, 0);                        /* no table entries */
    }
    memcpy(h + 48, "fmt ", 4);
    put32(h + 52, 16);
    put16(h + 56, WAVE_FORMAT_PCM);
    put16(h + 58, w->channels);
    put32(h + 60, w->rate);
    put32(h + 64, w->rate * block_align);
    put16(h + 68, block_align);
    put16(h + 70, BITS);
    memcpy(h + 72, "data", 4);
    put32(h + 76, rf64 ? 0xFFFFFFFFu : (uint32_t)data_bytes);
}

int wav_writer_init(struct wav_writer *w, struct byte_sink *sink, uint32_t rate, unsigned channels)
{
    if (rate == 0 || rate > 768000 || channels == 0 || channels > 8)
        return REC_ERR_INVALID;
    *w = (struct wav_writer){ .sink = sink, .rate = rate, .channels = (uint16_t)channels };
    uint8_t h[WAV_HEADER_BYTES];
    build_header(w, 0, h);
    return byte_sink_write(sink, h, sizeof(h));
}

int wav_writer_write_s16le(struct wav_writer *w, const uint8_t *s16le, size_t n_frames)
{
    if (w->finished)
        return REC_ERR_STATE;
    size_t bytes = n_frames * 2u * w->channels;
    int rc = byte_sink_write(w->sink, s16le, bytes);
    if (rc == 0)
        w->data_bytes += bytes;
    return rc;
}

int wav_writer_write_silence(struct wav_writer *w, uint64_t n_frames)
{
    static const uint8_t zeros[16384];
    if (w->finished)
        return REC_ERR_STATE;
    uint64_t bytes = n_frames * 2u * w->channels;
    while (bytes > 0) {
        size_t chunk = bytes < sizeof(zeros) ? (size_t)bytes : sizeof(zeros);
        int rc = byte_sink_write(w->sink, zeros, chunk);
        if (rc)
            return rc;
        w->data_bytes += chunk;
        bytes -= chunk;
    }
    return 0;
}

uint64_t wav_writer_frames(const struct wav_writer *w)
{
    return w->data_bytes / (2u * w->channels);
}

int wav_writer_finish(struct wav_writer *w)
{
    if (w->finished)
        return REC_ERR_STATE;
    w->finished = 1;
    uint8_t h[WAV_HEADER_BYTES];
    build_header(w, w->data_bytes, h);
    uint64_t end = byte_sink_tell(w->sink);
    int rc = byte_sink_seek(w->sink, 0);
    if (rc == 0)
        rc = byte_sink_write(w->sink, h, sizeof(h));
    if (rc == 0)
        rc = byte_sink_seek(w->sink, end);
    return rc;
}

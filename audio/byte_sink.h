/*
 * A byte sink: where an output file's bytes go.
 *
 * The WAV writer writes through this small interface so the same code can
 * write a local file (kvs2wav, audio/file_sink.h) or, in the Lambda, an S3
 * multipart upload that keeps only its first part in memory and uploads it
 * last. That works because of one promise, checked here for every sink:
 *
 *   Seeks only ever go back into the header region, the first
 *   BYTE_SINK_HEADER_REGION bytes, or forward to the current end.
 *
 * (The WAV writer's only seek rewrites its 80-byte header at the end and
 * then returns to the end; libsndfile's FLAC and MP3 writers rewrite
 * STREAMINFO, bytes 8..41, and LAME's Info frame, the first frame, the same
 * way: audio/sndfile_encoder.h.) An implementation may therefore stream
 * every byte past the header region out as soon as it is written.
 *
 * Storage: struct byte_sink is plain data in the caller's storage; impl is
 * owned by the sink and freed by byte_sink_close.
 */
#ifndef REC_AUDIO_BYTE_SINK_H
#define REC_AUDIO_BYTE_SINK_H

#include <stddef.h>
#include <stdint.h>

/* Bytes at the start of the output that may be rewritten later (4 KiB; far
 * less than S3's 5 MiB minimum part size, which an upload keeps in memory). */
#define BYTE_SINK_HEADER_REGION 4096u

struct byte_sink_ops {
    /* Writes len bytes at the current position. 0 or a negative REC_ERR_*
     * (REC_ERR_IO for a failed write). */
    int (*write)(void *impl, uint64_t pos, const void *bytes, size_t len);
    /* Moves to offset (bytes from the start). Only offsets the header-region
     * promise allows reach the implementation. 0 or REC_ERR_*. */
    int (*seek)(void *impl, uint64_t offset);
    /* Ends the output and frees impl. commit != 0 makes it permanent (file:
     * rename into place; upload: complete it), 0 discards it (file: unlink;
     * upload: abort). Returns 0 or REC_ERR_* (a failed commit leaves nothing
     * behind). */
    int (*close)(void *impl, int commit);
};

struct byte_sink {
    const struct byte_sink_ops *ops; /* NULL when closed / never opened */
    void *impl;
    uint64_t pos; /* current position, bytes */
    uint64_t len; /* bytes in the output so far (highest position written) */
};

/* Writes len bytes at the current position and advances it. Returns 0,
 * REC_ERR_STATE on a closed sink, or the implementation's error. */
int byte_sink_write(struct byte_sink *s, const void *bytes, size_t len);

/* Moves to offset. Returns 0, REC_ERR_STATE when offset breaks the
 * header-region promise above (nothing moves), or the implementation's
 * error. */
int byte_sink_seek(struct byte_sink *s, uint64_t offset);

/* The current position in bytes. */
uint64_t byte_sink_tell(const struct byte_sink *s);

/* Closes (commit or discard, see byte_sink_ops.close) and marks s closed.
 * Safe on a closed sink (returns 0). */
int byte_sink_close(struct byte_sink *s, int commit);

#endif

/*
 * Where an S3 upload keeps the parts it has not sent yet: an unlinked file
 * in a spool directory (Lambda: /tmp) instead of memory.
 *
 * Why: S3 wants every part but the last to be at least 5 MiB ("UploadPart",
 * Amazon S3 API Reference), the upload sink keeps part 1 (the header the
 * encoder rewrites at the end) until the end, and a part that fails must be
 * sent again from data still held. Three outputs of one call held that way
 * in memory cost about 100 MB; in the spool they cost 64 KiB each of
 * staging, and /tmp holds two parts per output (2 x 16 MiB by default: a
 * four-hour call's 920 MB of WAVs never has to fit).
 *
 * The file is unlinked as soon as it is created (O_TMPFILE where the file
 * system has it), so nothing is left in the directory whatever happens to
 * the process. Bytes are addressed by file offset; appends that follow each
 * other are staged in memory and written in 64 KiB pieces.
 *
 * Storage: struct part_spool is the caller's (part_spool_open /
 * part_spool_close); it owns the descriptor and the staging buffer.
 * Errors: REC_ERR_IO with errno's words in msg (a full or read-only /tmp).
 */
#ifndef REC_S3_PART_SPOOL_H
#define REC_S3_PART_SPOOL_H

#include <stddef.h>
#include <stdint.h>

#include "aws/http.h"
#include "sigv4/crypto.h"

#define PART_SPOOL_STAGE (64u * 1024u) /* bytes staged in memory before a write(2) */
#define PART_SPOOL_DEFAULT_DIR "/tmp"  /* Lambda's only writable directory */

struct part_spool {
    int fd;              /* -1 when closed */
    uint8_t *stage;      /* PART_SPOOL_STAGE bytes */
    size_t staged;       /* bytes in stage */
    uint64_t stage_at;   /* file offset of stage[0] */
    char msg[160];       /* why the last call failed */
};

/* Creates the spool file in dir (NULL or "": PART_SPOOL_DEFAULT_DIR).
 * Returns 0, REC_ERR_NOMEM or REC_ERR_IO (dir missing, not writable). */
int part_spool_open(struct part_spool *sp, const char *dir);

/* Writes len bytes at file offset off (staged when they follow the staged
 * bytes). Returns 0 or REC_ERR_IO (the disk is full). */
int part_spool_write(struct part_spool *sp, uint64_t off, const void *bytes, size_t len);

/* Lower-case hex SHA-256 of the len bytes at off (what x-amz-content-sha256
 * signs), read back from the file. Returns 0, REC_ERR_IO or REC_ERR_NOMEM. */
int part_spool_sha256(struct part_spool *sp, uint64_t off, uint64_t len,
                      char hex[SIGV4_SHA256_HEX_LEN + 1]);

/* A request body (aws/http.h) reading the bytes from file offset base of
 * sp: src->read(user, o, buf, n) copies [base + o, base + o + n). The spool
 * is flushed first. view is the caller's storage and must outlive the
 * request. Returns 0 or REC_ERR_IO. */
struct part_spool_view {
    struct part_spool *sp;
    uint64_t base;
    struct rec_aws_body_source src;
};
int part_spool_view(struct part_spool *sp, uint64_t base, struct part_spool_view *view);

/* Tells the kernel the len bytes at off are no longer needed in its page
 * cache (a part that went up). Advice only. */
void part_spool_forget(struct part_spool *sp, uint64_t off, uint64_t len);

/* Closes the file (its bytes go with it) and frees the stage. Safe twice. */
void part_spool_close(struct part_spool *sp);

#endif

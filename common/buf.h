/*
 * A growable byte buffer with a hard cap (curl's lib/ rule: every buffer that
 * grows has a limit).
 *
 * Storage: the struct lives in the caller's storage (rec_buf_init /
 * rec_buf_clean_up); the bytes are heap-owned by the buffer. data is always
 * NUL-terminated after a successful append so text can be used as a C string
 * (the NUL is not counted in len).
 */
#ifndef REC_COMMON_BUF_H
#define REC_COMMON_BUF_H

#include <stddef.h>

struct rec_buf {
    char *data;    /* NULL until the first append */
    size_t len;    /* bytes used, excluding the terminating NUL */
    size_t cap;    /* bytes allocated */
    size_t limit;  /* the most len may ever reach, in bytes */
};

/* Prepares an empty buffer that may grow to at most limit bytes. */
void rec_buf_init(struct rec_buf *buf, size_t limit);

/* Frees the bytes and leaves the buffer empty (safe to call twice). If wipe
 * is non-zero the bytes are zeroed first (for secrets). */
void rec_buf_clean_up(struct rec_buf *buf, int wipe);

/* Appends len bytes. Returns 0, REC_ERR_LIMIT when len would pass the limit
 * (nothing is appended), or REC_ERR_NOMEM. */
int rec_buf_append(struct rec_buf *buf, const void *bytes, size_t len);

/* Appends a NUL-terminated string; errors as rec_buf_append. */
int rec_buf_append_str(struct rec_buf *buf, const char *s);

/* Appends printf-formatted text; errors as rec_buf_append, REC_ERR_INVALID
 * on a bad format. */
int rec_buf_printf(struct rec_buf *buf, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Empties the buffer, keeping its allocation. */
void rec_buf_reset(struct rec_buf *buf);

/* Cuts the contents back to their first len bytes (no-op when len is not
 * shorter): undoes appends that must not stay partial. */
void rec_buf_truncate(struct rec_buf *buf, size_t len);

/* Changes the most bytes the buffer may hold from now on. Returns 0, or
 * REC_ERR_LIMIT when it already holds more than limit (nothing changes). */
int rec_buf_set_limit(struct rec_buf *buf, size_t limit);

/* The buffer's limit in bytes. */
size_t rec_buf_limit(const struct rec_buf *buf);

#endif

/*
 * A view of borrowed bytes, and the one bounded copy out of it.
 *
 * Tags, frames and JSON fields reach us as (pointer, length) pairs owned by
 * someone else (the Matroska reader's buffer, cJSON's tree). struct rec_bytes
 * carries such a pair as one value; it owns nothing and is valid as long as
 * the bytes it points at. Text in it need not be NUL-terminated.
 *
 * Copying into fixed storage never truncates silently: rec_bytes_copy_str
 * either copies all of it or copies nothing and says REC_ERR_LIMIT, so a
 * value that does not fit is an error the caller names, not a shorter value
 * that might compare equal to something else.
 */
#ifndef REC_COMMON_BYTES_H
#define REC_COMMON_BYTES_H

#include <stddef.h>
#include <stdint.h>

struct rec_bytes {
    const uint8_t *ptr; /* NULL only when len is 0 */
    size_t len;         /* bytes */
};

/* A view of a NUL-terminated string (NULL gives the empty view). */
struct rec_bytes rec_bytes_of_str(const char *s);

/* A view of len bytes at p. */
struct rec_bytes rec_bytes_of(const void *p, size_t len);

/* Non-zero when the view holds exactly the bytes of s (NULL s is ""). */
int rec_bytes_eq_str(struct rec_bytes b, const char *s);

/* Copies the view into dst (cap bytes, cap >= 1) as a NUL-terminated
 * string. Returns 0; REC_ERR_LIMIT when len + 1 > cap (dst is set to "");
 * REC_ERR_INVALID when the bytes hold a NUL (dst set to ""). */
int rec_bytes_copy_str(struct rec_bytes b, char *dst, size_t cap);

/* rec_bytes_copy_str for a C string source (NULL copies ""). */
int rec_str_copy(char *dst, size_t cap, const char *src);

#endif

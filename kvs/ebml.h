/*
 * EBML primitives: variable-size integers (VINTs), element IDs and element
 * headers, integer and float bodies. Pure functions over byte spans; no state,
 * no allocation. The Matroska reader (kvs/mkv_reader.c) builds on them.
 *
 * Rules from RFC 8794 (EBML): §4 "Variable-Size Integer", §5 "Element ID",
 * §6 "Element Data Size" (unknown size = every VINT_DATA bit set, §6.2),
 * §7.1 "Signed Integer Element", §7.2 "Unsigned Integer Element",
 * §7.3 "Float Element".
 */
#ifndef REC_KVS_EBML_H
#define REC_KVS_EBML_H

#include <stddef.h>
#include <stdint.h>

/* Width in bytes (1..8) of the VINT whose first byte is `first`: one plus its
 * count of leading zero bits (RFC 8794 §4.1). 0 when first == 0x00, which
 * would announce a VINT wider than the 8 bytes EBML allows. */
static inline unsigned ebml_vint_width(uint8_t first)
{
    return first ? (unsigned)__builtin_clz((unsigned)first) - (unsigned)(8 * sizeof(unsigned) - 8) + 1
                 : 0;
}

/* VINT_DATA of the width-byte VINT at p (the caller guarantees width bytes,
 * 1..8). *all_ones (may be NULL) is set to 1 when every data bit is set: for
 * an element size that means "unknown size" (RFC 8794 §6.2). */
static inline uint64_t ebml_vint_value(const uint8_t *p, unsigned width, int *all_ones)
{
    uint64_t v = p[0] & (0xFFu >> width);
    for (unsigned i = 1; i < width; i++)
        v = (v << 8) | p[i];
    if (all_ones)
        *all_ones = v == ((UINT64_C(1) << (7 * width)) - 1);
    return v;
}

/* Width in bytes (1..4) of the element ID whose first byte is `first`, 0 if
 * the ID would be wider than 4 bytes (RFC 8794 §5: EBMLMaxIDLength is 4 for
 * Matroska). */
static inline unsigned ebml_id_width(uint8_t first)
{
    unsigned w = ebml_vint_width(first);
    return w >= 1 && w <= 4 ? w : 0;
}

/* Big-endian unsigned integer of n bytes (0..8; 0 bytes is the value 0,
 * RFC 8794 §7.2). */
static inline uint64_t ebml_read_uint(const uint8_t *p, size_t n)
{
    uint64_t v = 0;
    for (size_t i = 0; i < n; i++)
        v = (v << 8) | p[i];
    return v;
}

/* Value of a signed VINT as used by EBML lacing (Matroska, RFC 9559 §10.3
 * "EBML lacing"): the unsigned VINT_DATA minus the bias 2^(7*width-1) - 1.
 * width 1..8. */
static inline int64_t ebml_vint_signed(uint64_t value, unsigned width)
{
    return (int64_t)value - (int64_t)((UINT64_C(1) << (7 * width - 1)) - 1);
}

/* A parsed element header: the ID (with its marker bits, as the Matroska
 * specification writes IDs, e.g. 0x1A45DFA3), the data size and the header's
 * length in bytes. */
struct ebml_header {
    uint32_t id;
    unsigned id_len;   /* bytes, 1..4 */
    uint64_t size;     /* bytes of data; meaningless when unknown_size */
    int unknown_size;  /* every size bit set (RFC 8794 §6.2) */
    unsigned len;      /* id_len + size VINT width, bytes */
};

/* Results of ebml_parse_header besides a length. */
enum ebml_header_status {
    EBML_NEED_MORE = 0,          /* avail ends inside the header */
    EBML_BAD_ID_WIDTH = -1,      /* first ID byte 0x00..0x0F: wider than 4 bytes */
    EBML_BAD_ID_VALUE = -2,      /* ID data bits all 0 or all 1 (reserved, RFC 8794 §5) */
    EBML_BAD_SIZE_WIDTH = -3,    /* size VINT first byte 0x00: wider than 8 bytes */
};

/* Parses the element header at p (avail bytes, may be 0). Returns its length
 * in bytes (> 0) and fills *h, EBML_NEED_MORE when avail is too short, or a
 * negative enum ebml_header_status. Errors are reported as soon as the byte
 * that shows them is available, so a header fed one byte at a time fails at
 * the same byte as one parsed whole. */
int ebml_parse_header(const uint8_t *p, size_t avail, struct ebml_header *h);

/* Float body of n bytes (0, 4 or 8; 0 bytes is 0.0, RFC 8794 §7.3) into
 * *out. Returns 0, or -1 for any other n. */
int ebml_read_float(const uint8_t *p, size_t n, double *out);

#endif

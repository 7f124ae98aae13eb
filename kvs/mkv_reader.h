/*
 * Streaming Matroska/EBML reader for Kinesis Video Streams GetMedia output.
 *
 * GetMedia returns a concatenation of complete Matroska documents, one per
 * fragment: EBML header, then a Segment (often of unknown size) holding Info,
 * Tracks, Tags, one Cluster and more Tags. This reader is a push parser in the
 * style of BearSSL's decoders: all state lives in a caller-owned struct
 * mkv_reader, input arrives through mkv_reader_push() in pieces of any size
 * (one byte at a time works), and the first error stays set.
 *
 * It knows nothing of audio, WAV or S3 (libwebm webm_parser style): it reports
 * fragments, tracks, tags and frames through callbacks.
 *
 * Structure it follows: Segment and Cluster may have unknown size in any VINT
 * width; such an element ends at the first element that belongs to one of
 * its ancestors (the next Cluster, Tags after a Cluster) or at a root element
 * (the next EBML header or Segment), or where a known-size ancestor ends
 * (RFC 8794 §6.2).
 * Void and CRC-32 may appear anywhere. SeekHead, Cues, Chapters,
 * Attachments, unknown IDs and known elements out of place are skipped by
 * size. Memory is bounded by the caps in struct mkv_reader_config however
 * long the stream: only one element body is ever buffered.
 *
 * Refused as REC_ERR_INVALID, with a message naming the element and its
 * stream byte offset: element IDs wider than 4 bytes or reserved (all bits 0
 * or 1), size VINTs wider than 8 bytes, an element larger than its parent,
 * unknown size on anything but Segment/Cluster, nesting deeper than
 * MKV_MAX_DEPTH, integers over 8 bytes, floats not 0/4/8 bytes, a zero
 * TimecodeScale, malformed blocks or lace sizes, and frame times that do not
 * fit int64 nanoseconds. Xiph, EBML and fixed-size lacing are all decoded.
 *
 * Rules from: RFC 8794 (EBML), the Matroska specification (RFC 9559):
 * element IDs, unknown-size masters, SimpleBlock/Block layout and lacing;
 * KVS GetMedia API reference and "Kinesis Video Streams data model"
 * for the fragment/tag layout.
 */
#ifndef REC_KVS_MKV_READER_H
#define REC_KVS_MKV_READER_H

#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"

/* A callback returns 0 to go on, MKV_STOP to end reading cleanly (push then
 * returns MKV_STOP and ignores further input), or a negative REC_ERR_* code,
 * which becomes the reader's sticky error. */
#define MKV_STOP 1

/* One SimpleTag (TagName/TagString). Strings are NUL-terminated and valid
 * only during the callback. */
struct mkv_tag {
    const char *name;
    const char *value;
};

/* One TrackEntry, reported when its element closes. Pointers valid only
 * during the callback. */
struct mkv_track_info {
    uint64_t number;              /* TrackNumber */
    uint64_t type;                /* TrackType: 1 video, 2 audio, ... (0 if absent) */
    const char *name;             /* Name, "" if absent */
    const char *codec_id;         /* CodecID, "" if absent */
    const uint8_t *codec_private; /* CodecPrivate bytes, NULL if absent */
    size_t codec_private_len;     /* bytes */
    double sampling_frequency;    /* Audio/SamplingFrequency in Hz, 0 if absent */
    uint64_t channels;            /* Audio/Channels, 0 if absent */
    uint64_t bit_depth;           /* Audio/BitDepth in bits, 0 if absent */
};

/* One frame of a SimpleBlock or Block (RFC 9559 §10). A laced block gives
 * one frame per lace, all with the block's time (lace_index counts from 0;
 * Matroska gives laces no times of their own). */
struct mkv_frame {
    uint64_t track;      /* track number */
    /* (Cluster Timecode + block's int16 relative timecode) * TimecodeScale,
     * ns; may be negative. Connect's Timecode is epoch ms, so this is epoch
     * ns there. A Cluster without Timecode counts as Timecode 0. */
    int64_t time_ns;
    /* Cluster Timecode * TimecodeScale, ns: time_ns without the block's
     * relative timecode (the fragment's own time, e.g. to judge whether it
     * is a plausible epoch time). */
    int64_t cluster_time_ns;
    /* payload, valid only during the callback. When the whole block arrived
     * in one mkv_reader_push it points into the caller's bytes (no copy). */
    const uint8_t *data;
    size_t len;          /* bytes */
    int keyframe;        /* SimpleBlock flag 0x80 (Blocks: 0) */
    unsigned lace_index;
    unsigned lace_count; /* 1 when not laced */
};

/* A fragment is one EBML document (EBML header + Segment). */
struct mkv_fragment_info {
    uint64_t index;              /* 0 for the first document in the stream */
    uint64_t start_offset;       /* stream byte offset of its EBML header */
    uint64_t timecode_scale;     /* ns per timecode tick (default 1,000,000) */
    const struct mkv_tag *tags;  /* every SimpleTag seen in this fragment so far */
    size_t n_tags;
};

/* Every callback may be NULL (ignored). Each returns 0, MKV_STOP or a
 * negative REC_ERR_* code (see MKV_STOP). */
struct mkv_callbacks {
    void *user; /* passed to every callback */
    /* Before the fragment's first frame (at its first Cluster), or at its end
     * when it has no Cluster. tags = those seen so far (KVS puts the fragment
     * number and timestamps before the Cluster). */
    int (*on_fragment_start)(void *user, const struct mkv_fragment_info *f);
    /* When the fragment's document ends (next EBML header, end of a
     * known-size Segment, or mkv_reader_finish at a clean boundary).
     * tags = all of the fragment's tags (Connect puts ContactId after the
     * Cluster). */
    int (*on_fragment_end)(void *user, const struct mkv_fragment_info *f);
    /* Each TrackEntry when it closes (tracks are repeated per fragment). */
    int (*on_track)(void *user, const struct mkv_track_info *t);
    /* Every SimpleTag as it completes: a nested SimpleTag before the one
     * that holds it. A missing TagName or TagString reads as "". */
    int (*on_tag)(void *user, const struct mkv_tag *tag);
    /* AWS_KINESISVIDEO_ERROR_CODE / _ERROR_ID seen (code as decimal text,
     * id may be NULL if absent). Called once both tags have been seen (after
     * their on_tag), or at the fragment's end before on_fragment_start/_end
     * if only the code came. An id without a code is not reported. */
    int (*on_kvs_error)(void *user, const char *code, const char *id);
    /* Optional: return non-zero if frames of this track are wanted. Asked
     * once per block, as soon as its track number is read. Unwanted blocks
     * are skipped by size without buffering (and without the
     * max_element_bytes check). NULL = all wanted. */
    int (*want_track)(void *user, uint64_t track);
    /* Each frame of each wanted block, in stream order. */
    int (*on_frame)(void *user, const struct mkv_frame *fr);
};

/* max_element_bytes' default: 4 MiB. */
#define MKV_DEFAULT_MAX_ELEMENT_BYTES ((size_t)4 << 20)

struct mkv_reader_config {
    /* The most bytes the reader buffers for one element body (a wanted
     * SimpleBlock, a CodecPrivate, a tag string). 0 =
     * MKV_DEFAULT_MAX_ELEMENT_BYTES. A wanted block larger than this is an
     * error (REC_ERR_LIMIT), an unwanted one is skipped. */
    size_t max_element_bytes;
    /* Caps on one fragment's tag storage (the tags on_fragment_start/_end
     * report): the number of SimpleTags (0 = 1024) and the bytes of their
     * names and values including one NUL each (0 = 256 KiB). Beyond either
     * the reader fails with REC_ERR_LIMIT. */
    size_t max_tags;
    size_t max_tag_bytes;
};

/* The most open (nested) master elements, EBML header and Segment included.
 * Real files need 5 (Segment/Tags/Tag/SimpleTag/SimpleTag); deeper input is
 * refused as REC_ERR_INVALID so hostile nesting cannot grow state. */
#define MKV_MAX_DEPTH 16

/* Private parts of struct mkv_reader. */
struct mkv_open_element {
    uint32_t id;        /* element ID with marker bits */
    uint64_t start;     /* stream offset of its ID */
    uint64_t end;       /* offset just past its data; UINT64_MAX = unknown size */
    uint64_t bound;     /* min(end, parent's bound): where it must close */
};

struct mkv_tag_ref {    /* offsets into tag_text; SIZE_MAX = absent ("") */
    size_t name;
    size_t value;
};

/* struct mkv_reader: caller-owned storage; every field is private (defined
 * here only so callers can embed it). Heap memory it holds is bounded by the
 * configured caps: one element body (body), one TrackEntry's strings and
 * CodecPrivate (each <= max_element_bytes), and one fragment's tags
 * (max_tag_bytes, max_tags entries twice). */
struct mkv_reader {
    /* configuration */
    struct mkv_callbacks cb;
    size_t max_element_bytes;
    size_t max_tags;
    size_t max_tag_bytes;

    /* status: err is 0, MKV_STOP, or the sticky negative REC_ERR_* code */
    int err;
    int finished;
    char err_msg[200];
    uint64_t offset;            /* stream bytes consumed */

    /* element being read */
    int state;                  /* enum in mkv_reader.c */
    uint8_t hdr[12];            /* header bytes gathered across pushes */
    unsigned hdr_len;
    uint64_t hdr_start;         /* offset of the header's first byte */
    uint32_t cur_id;            /* the leaf or skipped element */
    uint64_t cur_start;         /* offset of its ID */
    uint64_t cur_size;          /* data bytes */
    uint64_t left;              /* data bytes still to come */
    uint64_t blk_track;         /* block being buffered: its track number */
    unsigned blk_track_len;     /* and that VINT's width */
    struct rec_buf body;        /* one element body, capped at max_element_bytes */

    /* open master elements, outermost first */
    struct mkv_open_element stack[MKV_MAX_DEPTH];
    unsigned depth;

    /* fragment (one EBML document) */
    int in_fragment;
    int fragment_started;       /* on_fragment_start called */
    int segment_seen;
    uint64_t fragment_index;    /* of the current fragment */
    uint64_t next_fragment_index;
    uint64_t fragment_start;
    uint64_t timecode_scale;    /* ns per tick */
    uint64_t cluster_timecode;  /* ticks */

    /* the fragment's tags */
    struct rec_buf tag_text;    /* NUL-terminated names and values */
    struct mkv_tag_ref *tags;
    size_t n_tags;
    size_t tags_cap;
    struct mkv_tag *tag_view;   /* pointers rebuilt for fragment callbacks */
    size_t tag_view_cap;
    struct mkv_tag_ref simple_tag[MKV_MAX_DEPTH]; /* open (nested) SimpleTags */
    unsigned simple_tag_depth;
    size_t kvs_error_code;      /* tag_text offsets, SIZE_MAX = not seen */
    size_t kvs_error_id;

    /* the TrackEntry being read */
    uint64_t trk_number;
    uint64_t trk_type;
    uint64_t trk_channels;
    uint64_t trk_bit_depth;
    double trk_rate;
    int trk_has_private;
    struct rec_buf trk_name;
    struct rec_buf trk_codec;
    struct rec_buf trk_private;
};

/* Prepares r (caller-owned storage). cfg may be NULL (defaults); cb is
 * copied and may be NULL (no callbacks). Allocates lazily, so today it
 * always returns 0; callers should still handle REC_ERR_NOMEM. Always pair
 * with mkv_reader_clean_up. */
int mkv_reader_init(struct mkv_reader *r, const struct mkv_reader_config *cfg,
                    const struct mkv_callbacks *cb);

/* Feeds len bytes (any split; bytes may be NULL when len is 0). The bytes
 * are only read during the call. Callbacks run from inside it. Returns 0,
 * MKV_STOP once a callback asked to stop (then and forever after), or the
 * sticky negative error: REC_ERR_INVALID for malformed input, REC_ERR_LIMIT
 * when a cap is passed, REC_ERR_NOMEM, or a callback's own negative code.
 * The outcome never depends on how the input was split, except which push
 * call returns it. REC_ERR_STATE after mkv_reader_finish. */
int mkv_reader_push(struct mkv_reader *r, const uint8_t *bytes, size_t len);

/* Declares the end of input. Closes open unknown-size elements and reports
 * the last on_fragment_end if the input ended at a clean boundary. Returns
 * 0, MKV_STOP, the sticky error, or REC_ERR_TRUNCATED when input ended inside
 * an element header, inside an element of known size, or inside a Cluster
 * even of unknown size (GetMedia always follows a Cluster with Tags, so a
 * stream ending in one was cut). Frames already delivered stay delivered;
 * on_fragment_end is not called for the cut fragment. The result is sticky:
 * calling it again returns the same. */
int mkv_reader_finish(struct mkv_reader *r);

/* The sticky error's message, naming the element and stream byte offset,
 * e.g. "SimpleBlock at offset 1234: lace sizes exceed block size";
 * "" when there is none. Owned by r. */
const char *mkv_reader_error(const struct mkv_reader *r);

/* Stream bytes consumed so far (pushed bytes after an error or MKV_STOP
 * are not counted). */
uint64_t mkv_reader_offset(const struct mkv_reader *r);

/* Frees what r holds; r may be reused after mkv_reader_init. */
void mkv_reader_clean_up(struct mkv_reader *r);

#endif

/*
 * The fragment gate: from the Matroska reader's callbacks to the frames a
 * recording is made of.
 *
 * GetMedia delivers fragments (one EBML document each) whose membership in
 * the recording is decided by tags (recorder/fragment_select.h) that arrive
 * at different times: KVS writes the fragment number before the Cluster,
 * Connect writes ContactId and MimeType after it (REFERENCE.md §3). So the
 * gate, one fragment at a time:
 *
 *   - copies the fragment's TrackEntries and gives them roles
 *     (recorder/track_codec.h);
 *   - judges the fragment at its first Cluster with the tags so far. Skipped:
 *     its blocks are skipped by the reader unread. Used, with every role
 *     track's codec decidable: its frames go out as they are read. Otherwise
 *     its frames are held (one fragment, capped) until a tag after the
 *     Cluster completes what the judgement needs, or the fragment ends, or
 *     the input is cut: then they go out or are dropped;
 *   - emits the frames of used fragments as committed frames (role, block
 *     time in ns, bytes), after telling its user which tracks the fragment
 *     has (on_use), so codecs can be decided first;
 *   - keeps the resume point (kvs/resume_point.h) and the fragment counts.
 *
 * Frames go out in batches: a held fragment's frames together, a frame read
 * straight through alone. The recording's origin is the earliest block time
 * of the first batch (the first held fragment's earliest block, which need
 * not be its first: tracks alternate), so the user needs a batch whole
 * before it commits any of it (gate_batch_rewind).
 *
 * The user also says, per role, how much of its frames it wants
 * (want_role): all, only their times (a role nobody records, until the
 * origin is fixed: its blocks still count for the origin, so a wanted track
 * that starts later begins with the same silence as when both are
 * recorded), or none (its blocks are skipped by the reader unread).
 *
 * Storage: struct fragment_gate lives in the caller's storage
 * (fragment_gate_init / fragment_gate_clean_up); it holds one fragment's
 * frames on the heap, at most max_fragment_bytes. Failures are written to
 * the error record given at init (common/error.h); a media fault is never
 * retriable.
 */
#ifndef REC_RECORDER_FRAGMENT_GATE_H
#define REC_RECORDER_FRAGMENT_GATE_H

#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"
#include "common/bytes.h"
#include "common/error.h"
#include "kvs/fragment_number.h"
#include "kvs/mkv_reader.h"
#include "kvs/resume_point.h"
#include "recorder/fragment_select.h"
#include "recorder/track_codec.h"

/* TrackEntries one fragment may have (Connect has 2); more is REC_ERR_LIMIT. */
#define FRAGMENT_GATE_MAX_TRACKS 32

/* How much of a role's frames the gate's user wants. */
enum gate_want {
    GATE_WANT_NONE,   /* skip its blocks unread */
    GATE_WANT_TIME,   /* only when its non-empty blocks start (gate_frame.time_only) */
    GATE_WANT_FRAMES, /* the frames */
};

/* One committed frame. */
struct gate_frame {
    enum track_role role;
    int64_t time_ns;       /* the block's time, ns, on the stream's clock (mkv_frame.time_ns) */
    int64_t cluster_ns;    /* its Cluster's time, ns (mkv_frame.cluster_time_ns) */
    struct rec_bytes data; /* the payload, valid during the callback only; empty if time_only */
    int time_only;         /* a non-empty block given for its time only (GATE_WANT_TIME) */
};

/* A batch of committed frames, read with gate_batch_next; private fields. */
struct gate_batch {
    const uint8_t *start, *at, *end; /* held frames */
    struct gate_frame single;        /* a frame read straight through */
    int has_single, single_taken;
};

/* Takes the next frame of the batch into *out. Returns 1, or 0 at the end. */
int gate_batch_next(struct gate_batch *b, struct gate_frame *out);

/* Goes back to the batch's first frame. */
void gate_batch_rewind(struct gate_batch *b);

/* A used fragment's tracks, given before its first committed frame.
 * Pointers valid during the callback only. */
struct gate_fragment {
    const struct track_entry *tracks; /* n entries */
    const enum track_role *roles;     /* roles[i] for tracks[i] */
    size_t n;
    /* The MimeType that applies: the fragment's own tag, else the latest
     * earlier one (NULL if none was ever read). */
    const struct track_mime *mime;
    /* Its AWS_KINESISVIDEO_SERVER_TIMESTAMP tag ("1567100227.205"), NULL if
     * none was read before its frames (KVS writes it before the Cluster). */
    const char *server_timestamp;
};

/* What the gate calls. Each returns 0 or a negative REC_ERR_* (recorded by
 * the callee in the error record), which stops the reader. */
struct gate_events {
    void *user;
    int (*on_use)(void *user, const struct gate_fragment *f);
    enum gate_want (*want_role)(void *user, enum track_role role);
    int (*on_frames)(void *user, struct gate_batch *batch);
};

struct fragment_gate_config {
    const struct track_roles *roles; /* borrowed, see track_roles */
    /* The TagName naming the call (Connect: "ContactId"; Chime:
     * "TransactionId"); borrowed. NULL or "": none (call_id must be unset). */
    const char *call_tag;
    const char *call_id;        /* NULL/"" = every call; copied */
    const char *start_fragment; /* NULL/"" = from the first fragment; included; copied */
    const char *stop_fragment;  /* NULL/"" = to the end; included, nothing after; copied */
    size_t max_fragment_bytes;  /* one held fragment's frames, bytes; 0 = 8 MiB */
};

struct fragment_gate_stats {
    uint64_t fragments_used;
    uint64_t fragments_skipped; /* read (at least to their Cluster) and not used */
    char first_fragment[FRAGMENT_NUMBER_MAX_DIGITS + 1]; /* first used, "" if none */
    char last_fragment[FRAGMENT_NUMBER_MAX_DIGITS + 1];  /* last used, "" if none */
    /* The wanted call, or without one the call tag of the first used
     * fragment ("" if none, or if that value was longer than
     * FRAGMENT_SELECT_MAX_CALL_ID). */
    char call_id[FRAGMENT_SELECT_MAX_CALL_ID + 1];
    enum fragment_done_reason done; /* why the recording is complete, if it is */
};

enum gate_mode {
    GATE_NO_FRAGMENT, /* between fragments */
    GATE_SKIP,        /* judged: not used; its blocks are skipped unread */
    GATE_USE,         /* judged: used, codecs decidable; frames go straight out */
    GATE_HOLD,        /* not judged yet: frames are held */
};

/* Private: defined here so callers can embed it. */
struct fragment_gate {
    const struct track_roles *roles;
    const char *call_tag;
    struct fragment_select select;
    struct gate_events ev;
    struct rec_error *err;
    /* the fragment being read */
    struct track_entry tracks[FRAGMENT_GATE_MAX_TRACKS];
    enum track_role track_roles[FRAGMENT_GATE_MAX_TRACKS];
    size_t n_tracks;
    int tracks_stale; /* the next TrackEntry starts a new table */
    char number[FRAGMENT_NUMBER_MAX_DIGITS + 1]; /* "" = no fragment number tag */
    enum fragment_call call;
    char call_id[FRAGMENT_SELECT_MAX_CALL_ID + 1]; /* its value when it fits */
    struct track_mime mime, last_mime;
    char server_timestamp[32]; /* "" = none (or too long to be one) */
    enum gate_mode mode;
    int fragment_open;  /* between its start and its end */
    int direct_wrote;   /* USE: frames of this fragment already went out */
    int counted;        /* settled and counted in the stats */
    struct rec_buf hold; /* held frames: struct held_frame + bytes each */
    /* results */
    struct fragment_gate_stats st;
    int call_noted;     /* st.call_id is final */
    struct kvs_resume_point resume;
};

/* Prepares g. cfg's strings are copied or borrowed as marked; ev is
 * copied; err (the caller's, outliving g) receives every failure. Returns
 * 0, or REC_ERR_INVALID (a fragment number is not decimal, start > stop, a
 * call ID longer than FRAGMENT_SELECT_MAX_CALL_ID or without a call tag).
 * Pair with fragment_gate_clean_up either way. */
int fragment_gate_init(struct fragment_gate *g, const struct fragment_gate_config *cfg,
                       const struct gate_events *ev, struct rec_error *err);

/* Fills *cb with the reader callbacks that drive g (user = g), for
 * mkv_reader_init. */
void fragment_gate_callbacks(struct fragment_gate *g, struct mkv_callbacks *cb);

/* Non-zero once the recording is complete: the stop fragment was used, a
 * later fragment seen, or another call followed the wanted one. */
int fragment_gate_done(const struct fragment_gate *g);

/* The input ended (or failed) inside a fragment: judges it with the tags it
 * had (FRAGMENT_CUT) and commits or drops its complete frames. Returns 0 or
 * the user's error. Nothing happens between fragments or once done. */
int fragment_gate_cut(struct fragment_gate *g);

/* Prepares g for a new byte stream that continues after the resume point:
 * forgets the fragment being read (a cut one not yet used). Returns 0, or
 * REC_ERR_STATE when frames of that fragment already went out (it was
 * judged used at its start), since reading it again would repeat them. */
int fragment_gate_restart(struct fragment_gate *g);

/* Fragment counts and selection state (copied into *out). */
void fragment_gate_get_stats(const struct fragment_gate *g, struct fragment_gate_stats *out);

/* Where a GetMedia that ended early may go on from; owned by g. */
const struct kvs_resume_point *fragment_gate_resume_point(const struct fragment_gate *g);

/* Frees what g holds. Safe after a failed init. */
void fragment_gate_clean_up(struct fragment_gate *g);

#endif

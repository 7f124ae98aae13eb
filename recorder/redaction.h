/*
 * Redaction: spans of wall-clock time silenced in every output (both roles'
 * files and the stereo mix), for a call whose recording was paused (PCI:
 * the paused part must be missing from the KVS recordings as from Connect's
 * own). The recorder knows no service: the caller gives the spans in epoch
 * milliseconds (Connect: the recordingPausedSpans attribute,
 * connect/paused_spans.h).
 *
 * The rule (issue 14): a sample's wall-clock time t is its block's time
 * (Cluster Timecode + the block's relative timecode, at TimecodeScale: in
 * Connect's streams absolute epoch ms) plus its offset in the block at the
 * track's rate, k / rate s. Every sample with t in
 * [START - margin, END + margin) of some span is written as zero; an open
 * span runs to the end of the recording. Samples are zeroed in place, so
 * lengths and timing of the files do not change.
 *
 * Failing closed:
 *  - silence_all (the caller could not read the spans) zeroes every sample;
 *  - a fragment whose Cluster Timecode is not a plausible epoch time (before
 *    2001-01-01, or more than a day after now) is placed by its
 *    AWS_KINESISVIDEO_SERVER_TIMESTAMP tag (KVS GetMedia output: seconds
 *    with a fraction, e.g. "1567100227.205"): t = server timestamp + (block
 *    time - Cluster Timecode);
 *  - a fragment with neither is silenced whole.
 * With no span and not silence_all nothing is ever changed.
 *
 * Why here and not per output frame (recorder/output.h's emit): the rule is
 * by block time, which the timeline may place a few ms off (jitter is
 * appended, not re-timed), and the fallback is per fragment, which the
 * mix's lagged frames no longer know. Zeroing the block before it is
 * placed silences the mono files and the mix alike.
 *
 * Storage: struct redaction lives in the caller's storage (redaction_init /
 * redaction_clean_up); it owns a copy of the spans and a scratch block
 * (capped).
 */
#ifndef REC_RECORDER_REDACTION_H
#define REC_RECORDER_REDACTION_H

#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"
#include "common/bytes.h"

/* The most spans one recording may have (PAUSED_SPANS_MAX fits). */
#define REDACTION_MAX_SPANS 4096
/* end_ms of a span that runs to the end of the recording. */
#define REDACTION_OPEN INT64_MAX
/* Plausible Cluster Timecodes: from 2001-01-01T00:00:00Z, epoch ms ... */
#define REDACTION_EPOCH_MIN_MS 978307200000LL
/* ... to a day after now. */
#define REDACTION_FUTURE_MS 86400000LL

struct redaction_span {
    int64_t start_ms; /* epoch ms */
    int64_t end_ms;   /* epoch ms, >= start_ms; REDACTION_OPEN: to the end */
};

/* What the caller asks; all copied by redaction_init. */
struct redaction_config {
    const struct redaction_span *spans;
    size_t n_spans;       /* at most REDACTION_MAX_SPANS */
    int64_t margin_ms;    /* >= 0: silenced before START and after END */
    int silence_all;      /* non-zero: every sample is zeroed */
    int64_t now_ms;       /* the plausibility rule's now, epoch ms; 0: the clock */
};

/* What was silenced. */
struct redaction_stats {
    int active;                     /* some span, or silence_all */
    uint64_t samples[2];            /* zeroed per role (samples of its track) */
    uint64_t fragments_server_time; /* placed by AWS_KINESISVIDEO_SERVER_TIMESTAMP */
    uint64_t fragments_silenced;    /* neither time usable: silenced whole */
};

/* Private: defined here so callers can embed it. */
struct redaction_interval {
    int64_t from_ns, to_ns; /* [from, to) epoch ns, margins included; to INT64_MAX: open */
};

struct redaction {
    struct redaction_interval *iv; /* n sorted, disjoint (overlapping spans merged), heap */
    size_t n;
    int silence_all;
    int64_t now_ms;
    int64_t server_ms;      /* the fragment's server timestamp, epoch ms */
    int have_server;        /* it has one and it is plausible */
    int fragment_counted;   /* its time source was counted in the stats */
    struct rec_buf scratch; /* a block copied to be zeroed */
    struct redaction_stats st;
};

/* Prepares rd. max_block_bytes caps the scratch copy (the largest block,
 * bytes: the reader's element cap). Returns 0, REC_ERR_INVALID (more than
 * REDACTION_MAX_SPANS spans, a span ending before it starts, a negative
 * margin) or REC_ERR_NOMEM. Pair with redaction_clean_up either way. */
int redaction_init(struct redaction *rd, const struct redaction_config *cfg, size_t max_block_bytes);

/* A new fragment's blocks follow. server_timestamp: its
 * AWS_KINESISVIDEO_SERVER_TIMESTAMP tag's value, NULL if it has none (an
 * unreadable or implausible value counts as none). */
void redaction_fragment(struct redaction *rd, const char *server_timestamp);

/* Filters one decoded block of role (0 or 1): n = in.len / 2 samples of
 * s16le at rate Hz, its time time_ns and its Cluster's time cluster_ns (ns
 * on the stream's clock: Timecode * TimecodeScale). *out is in itself when
 * nothing is silenced, else a copy with the silenced samples zeroed, owned
 * by rd and valid until the next call. Returns 0 or REC_ERR_LIMIT /
 * REC_ERR_NOMEM (the copy: nothing is written then, never the unsilenced
 * block). */
int redaction_filter(struct redaction *rd, int role, int64_t cluster_ns, int64_t time_ns,
                     uint32_t rate, struct rec_bytes in, struct rec_bytes *out);

/* Epoch ms of a server timestamp tag ("1567100227.205", at most 9
 * fraction digits), into *ms. Returns 0 or REC_ERR_INVALID. */
int redaction_parse_server_timestamp(const char *text, int64_t *ms);

/* Milliseconds of role's audio silenced so far at rate Hz (0 if rate 0). */
uint64_t redaction_ms(const struct redaction *rd, int role, uint32_t rate);

/* Frees what rd holds (safe twice). */
void redaction_clean_up(struct redaction *rd);

#endif

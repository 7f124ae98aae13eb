/*
 * Placing a track's audio blocks on the recording's timeline.
 *
 * Each track's samples go where their block time says, measured from the
 * recording's origin (the earliest block time of either selected track), so
 * the two tracks of a call line up by time and not by byte count (the Java
 * original aligned them by byte count only, which drifts whenever one track
 * loses a block). The rules (project issue "from GetMedia bytes to the right
 * audio"):
 *
 *  - A block that starts more than TIMELINE_GAP_NS after the end of what the
 *    track has so far is preceded by silence up to its start: the track really
 *    had nothing there (a lost block, a paused producer, a late start).
 *  - Otherwise the block is appended directly. Producers stamp blocks with
 *    millisecond timecodes and jitter of a few ms; snapping every block to
 *    its stamp would insert or drop a few samples each time (clicks, drift).
 *  - A block that starts before the end so far (overlap, or a time before
 *    the origin) is appended too, never mixed over what is already there.
 *
 * The module only computes; the caller writes the silence and the samples.
 */
#ifndef REC_AUDIO_TIMELINE_H
#define REC_AUDIO_TIMELINE_H

#include <stdint.h>

/* 20 ms, in nanoseconds: the largest lateness treated as timecode jitter. */
#define TIMELINE_GAP_NS 20000000LL

/* One track's position on the timeline. Caller-owned; plain data. */
struct timeline_track {
    uint32_t rate;         /* samples per second, > 0 */
    uint64_t samples;      /* samples placed so far, silence included */
    uint64_t lead_samples; /* silence placed before the first block */
    uint64_t gap_samples;  /* silence placed between blocks */
    uint64_t blocks;       /* blocks placed */
    uint64_t max_silence;  /* the most silence one block may ask for, in samples */
};

/* Prepares t for a track of rate samples per second. max_silence_ms bounds
 * the silence one block may require (a corrupt timecode far in the future
 * must not turn into gigabytes of zeros); 0 means one hour. */
void timeline_track_init(struct timeline_track *t, uint32_t rate, uint64_t max_silence_ms);

/* Places a block of n samples that starts at block_ns (absolute, ns) on a
 * timeline whose origin is origin_ns (absolute, ns). On success *silence is
 * the number of zero samples to write before the block's n samples, and t
 * counts both. Returns 0, or REC_ERR_LIMIT when the silence would exceed
 * max_silence (t unchanged). */
int timeline_track_place(struct timeline_track *t, int64_t origin_ns, int64_t block_ns,
                         uint64_t n, uint64_t *silence);

/* samples at rate, in whole milliseconds, rounded to nearest. */
uint64_t timeline_samples_to_ms(uint64_t samples, uint32_t rate);

#endif

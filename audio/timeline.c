#include "audio/timeline.h"

#include "common/error.h"

void timeline_track_init(struct timeline_track *t, uint32_t rate, uint64_t max_silence_ms)
{
    if (max_silence_ms == 0)
        max_silence_ms = 3600 * 1000;
    *t = (struct timeline_track){ .rate = rate };
    t->max_silence = max_silence_ms * rate / 1000;
}

int timeline_track_place(struct timeline_track *t, int64_t origin_ns, int64_t block_ns,
                         uint64_t n, uint64_t *silence)
{
    *silence = 0;
    /* 128-bit products: ns offsets of a day times 192 kHz overflow 64 bits. */
    __int128 offset_ns = (__int128)block_ns - origin_ns;
    __int128 end_scaled = (__int128)t->samples * 1000000000; /* end so far, ns * rate */
    __int128 start_scaled = offset_ns * t->rate;             /* block start, ns * rate */
    if (start_scaled - end_scaled > (__int128)TIMELINE_GAP_NS * t->rate) {
        /* Silence up to the block's start, rounded to the nearest sample. */
        __int128 target = (start_scaled + 500000000) / 1000000000;
        __int128 gap = target - (__int128)t->samples;
        if (gap > (__int128)t->max_silence)
            return REC_ERR_LIMIT;
        *silence = (uint64_t)gap;
        if (t->blocks == 0)
            t->lead_samples += *silence;
        else
            t->gap_samples += *silence;
    }
    t->samples += *silence + n;
    t->blocks++;
    return 0;
}

uint64_t timeline_samples_to_ms(uint64_t samples, uint32_t rate)
{
    if (rate == 0)
        return 0;
    return (uint64_t)(((__int128)samples * 1000 + rate / 2) / rate);
}

#include "chime/stereo.h"

#include <string.h>

struct chime_leg_audio chime_leg_audio_of(enum chime_side side, const char *stream_arn,
                                          const struct recorder_stats *st)
{
    return (struct chime_leg_audio){
        .side = side,
        .stream_arn = stream_arn,
        .has_audio = st->output[RECORDER_OUT_ROLE0].state == OUTPUT_COMMITTED,
        .origin_ns = st->origin_ns,
        .rate = st->track[0].rate,
        .samples = st->output[RECORDER_OUT_ROLE0].frames,
    };
}

void chime_assign_channels(const struct chime_leg_audio legs[2], enum chime_channel_order order,
                           int *left, int *arbitrary)
{
    enum chime_side a = legs[0].side, b = legs[1].side;
    int caller = -1;
    if (a != b && (a == CHIME_SIDE_CALLER || b == CHIME_SIDE_CALLER))
        caller = a == CHIME_SIDE_CALLER ? 0 : 1;
    else if (a != b) /* one is "other", the other unknown: that one is the caller */
        caller = a == CHIME_SIDE_OTHER ? 1 : 0;
    *arbitrary = caller < 0;
    if (caller < 0) { /* whatever the order: the smaller stream ARN is left */
        const char *x = legs[0].stream_arn ? legs[0].stream_arn : "";
        const char *y = legs[1].stream_arn ? legs[1].stream_arn : "";
        *left = strcmp(x, y) <= 0 ? 0 : 1;
        return;
    }
    *left = order == CHIME_CALLER_LEFT ? caller : 1 - caller;
}

void chime_leg_leads(const struct chime_leg_audio legs[2], uint32_t rate, uint64_t lead[2])
{
    int64_t zero = 0;
    int any = 0;
    for (int i = 0; i < 2; i++) {
        if (legs[i].has_audio && (!any || legs[i].origin_ns < zero))
            zero = legs[i].origin_ns;
        any |= legs[i].has_audio;
    }
    for (int i = 0; i < 2; i++) {
        lead[i] = 0;
        if (!legs[i].has_audio)
            continue;
        /* ns to frames, rounded: (d * rate + 5e8) / 1e9 without overflow for
         * any call shorter than a few centuries */
        uint64_t d = (uint64_t)(legs[i].origin_ns - zero);
        lead[i] = (d / 1000000000u) * rate + ((d % 1000000000u) * rate + 500000000u) / 1000000000u;
    }
}

/*
 * A Voice Connector call's stereo recording: which leg is left, and where
 * each leg starts on the call's one timeline.
 *
 * Rules (project issue 10):
 *  - every sample sits at its absolute time (the Cluster Timecode in epoch
 *    ms plus the block's timecode and offset: the recorder's origin_ns is
 *    the absolute time of a leg's first sample, recorder/recorder.h); time
 *    zero is the earlier leg's first sample, so the later leg starts with
 *    silence; the shorter leg is padded at the end (audio/wav_join.h);
 *  - left is the isCaller leg, right the other (CHANNEL_ORDER caller-right
 *    swaps them); when the sides do not tell (both unknown, or both the
 *    same), the leg with the smaller stream ARN is left whatever the order,
 *    and the assignment is "arbitrary"; one leg known as "other" makes the
 *    unknown one the caller;
 *  - both legs at one rate, else no stereo file (the caller writes two mono
 *    files and reports an error).
 */
#ifndef REC_CHIME_STEREO_H
#define REC_CHIME_STEREO_H

#include <stdint.h>

#include "chime/vc_event.h"
#include "recorder/recorder.h"

enum chime_channel_order {
    CHIME_CALLER_LEFT = 0, /* CHANNEL_ORDER=caller-left (the default) */
    CHIME_CALLER_RIGHT,    /* CHANNEL_ORDER=caller-right */
};

/* One leg's recorded audio, as the recorder reported it. */
struct chime_leg_audio {
    enum chime_side side;
    const char *stream_arn;
    int has_audio;     /* the leg's mono file exists */
    int64_t origin_ns; /* absolute time of its first sample, epoch ns */
    uint32_t rate;     /* Hz */
    uint64_t samples;  /* in its mono file */
};

/* A leg's audio from its recording's statistics: its only output is the
 * role-0 track's mono file (chime_leg_tracks), present when committed.
 * stream_arn is borrowed and must outlive the result. */
struct chime_leg_audio chime_leg_audio_of(enum chime_side side, const char *stream_arn,
                                          const struct recorder_stats *st);

/* Which of legs[0], legs[1] is left: *left gets 0 or 1; *arbitrary is set
 * when the sides did not decide it (stream ARN order did). */
void chime_assign_channels(const struct chime_leg_audio legs[2], enum chime_channel_order order,
                           int *left, int *arbitrary);

/* Frames of silence before each leg on the shared timeline (lead[i] for
 * legs[i]; 0 for a leg without audio), at rate Hz, rounded to the nearest
 * frame. */
void chime_leg_leads(const struct chime_leg_audio legs[2], uint32_t rate, uint64_t lead[2]);

#endif

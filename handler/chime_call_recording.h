/*
 * Recording one Voice Connector call: its two legs read from their Kinesis
 * Video streams, joined into one aligned stereo WAV in S3, and the call's
 * metadata JSON beside it (chime/call_metadata.h).
 *
 * How (project issue 10):
 *  1. each leg is read as the Connect recorder reads a contact
 *     (handler/stream_recording.h: GetDataEndpoint, GetMedia from the start
 *     fragment, included, to the end fragment, included, or until the
 *     TransactionId changes or the stream idles; resumed after an early
 *     end; or, with KVS_READ_MODE auto or fragment-list and an ENDED event
 *     that names the end fragment and both times, ListFragments over the
 *     leg's startTime..endTime and GetMediaForFragmentList), its one track
 *     written as a mono WAV staged in the work directory (CHIME_WORK_DIR)
 *     through audio/file_sink.h;
 *  2. both files are joined by audio/wav_join.h into the stereo WAV,
 *     streamed to S3 through the upload sink (s3/upload_sink.h) as it is
 *     written, each leg placed at its absolute start (chime/stereo.h);
 *  3. the JSON is written; the staged files are removed.
 * /tmp: the two staged legs, 57.6 MB per leg-hour at 8 kHz, so a four-hour
 * call needs 461 MB (922 MB at 16 kHz); nothing else is staged.
 *
 * Failure rules (handler/outcome.h decides what they mean):
 *  - retriable (GetMedia, S3 throttling or 5xx, network, the deadline): no
 *    object is left (uploads aborted, a WAV whose JSON could not be written
 *    deleted), err retriable;
 *  - permanent (a leg's stream or fragment not found, media that cannot be
 *    decoded, legs at different rates): what could be stored is stored,
 *    err says what failed, not retriable. Neither leg with audio stores
 *    nothing.
 */
#ifndef REC_HANDLER_CHIME_CALL_RECORDING_H
#define REC_HANDLER_CHIME_CALL_RECORDING_H

#include <stdint.h>

#include "chime/call_table.h"
#include "common/error.h"
#include "handler/chime_vc_config.h"
#include "handler/stream_recording.h"
#include "services/s3_client.h"

/* What recording a call needs; all borrowed. */
struct chime_call_recorder {
    const struct chime_vc_config *cfg;
    const struct stream_recording_clients *clients;
};

/* The objects written. */
struct chime_call_outcome {
    char wav_key[REC_S3_KEY_MAX + 1];      /* the stereo WAV, "" if not written */
    char json_key[REC_S3_KEY_MAX + 1];     /* "" if not written */
    char mono_keys[2][REC_S3_KEY_MAX + 1]; /* left, right when the rates differ */
    int arbitrary;                         /* channels assigned by stream ARN */
    uint64_t frames;                       /* stereo frames written */
    double seconds;                        /* audio stored: the longer channel, s */
    uint64_t bytes;                        /* size of the objects stored, bytes */
};

/* Records call_id from its ended legs a and b before deadline_ms (absolute
 * epoch ms; 0: none). out is the caller's storage, filled in every case.
 * Returns 0, or the failure's code with err filled as the rules above say. */
int chime_call_record(const struct chime_call_recorder *r, const char *call_id,
                      const struct chime_leg *a, const struct chime_leg *b, int64_t deadline_ms,
                      struct chime_call_outcome *out, struct rec_error *err);

#endif

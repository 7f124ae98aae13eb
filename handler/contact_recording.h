/*
 * Recording one Connect contact: every KVS recording its contact trace
 * record lists (handler/stream_recording.h, with Connect's track names, its
 * ContactId tag and its object names, connect/object_names.h), then the
 * recording URLs stored on the contact with one UpdateContactAttributes.
 *
 * The original's contract (../shared/REFERENCE.md §1) with its bugs fixed:
 * several KVS recordings of one CTR get their own objects (_2, _3, ...);
 * nothing after the stop fragment is used; a failure that may pass makes
 * the whole contact be retried; a permanent one keeps what was stored, is
 * logged at ERROR and is not retried. The attributes are updated only when
 * at least one object was stored.
 */
#ifndef REC_HANDLER_CONTACT_RECORDING_H
#define REC_HANDLER_CONTACT_RECORDING_H

#include <stdint.h>

#include "connect/ctr.h"
#include "handler/kvs_recording_config.h"
#include "handler/outcome.h"
#include "handler/stream_recording.h"
#include "services/connect_client.h"

/* What recording a contact needs; all borrowed. */
struct contact_recorder {
    const struct kvs_recording_config *cfg;
    const struct stream_recording_clients *clients;
    struct connect_client *connect;
    const char *handler_name; /* the Handler dimension of its metric lines */
};

/* Records ctr (a contact ctr_wants_recording accepted) before deadline_ms
 * (absolute epoch ms; 0: none) and logs what happened: one line per KVS
 * recording ("recording stored" at INFO, "recording incomplete" or
 * "recording failed permanently" at ERROR, "recording failed; Lambda will
 * retry the record" at WARN) and one for the attributes, and one metric
 * line (common/metrics.h) per KVS recording that stored objects:
 * RecordingsStored (Count), AudioSeconds (the longer track, Seconds),
 * BytesUploaded (Bytes), RecordingMs (reading and uploading, Milliseconds).
 * Returns the contact's outcome. */
enum rec_outcome contact_recording_run(const struct contact_recorder *rec, const struct ctr *ctr,
                                       int64_t deadline_ms);

#endif

/*
 * A byte sink (audio/byte_sink.h) that writes a local file.
 *
 * The bytes go to a hidden temporary file beside the final one
 * ("DIR/.NAME.tmp-XXXXXX"); committing renames it into place, discarding
 * unlinks it. So a reader of DIR never sees a half-written WAV, and a failed
 * or interrupted run leaves no stray file: the temporary names are also
 * registered for file_sink_remove_temps(), which a signal handler may call.
 */
#ifndef REC_AUDIO_FILE_SINK_H
#define REC_AUDIO_FILE_SINK_H

#include "audio/byte_sink.h"

/* Opens a sink whose committed output will be final_path (at most 4000
 * bytes; its directory must exist). On success *out is open and owns the
 * temporary file. Returns 0, REC_ERR_INVALID (path too long), REC_ERR_LIMIT
 * (more than 8 file sinks open at once) or REC_ERR_IO (cannot create). */
int file_sink_open(const char *final_path, struct byte_sink *out);

/* Unlinks every temporary file of a sink still open. Async-signal-safe
 * (only unlink(2) on pre-built names); meant for SIGINT/SIGTERM handlers
 * right before the process dies. */
void file_sink_remove_temps(void);

#endif

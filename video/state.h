/*
 * A video recording's state, and what each thing that happens to it does.
 *
 *   STARTING --capture InProgress--> RECORDING
 *   STARTING|RECORDING --stopped (stop route, MeetingEnded, capture Deleted)--> STOPPING
 *   STARTING|RECORDING|STOPPING --capture PermanentFailure--> FAILED
 *   STOPPING|FAILED --concatenation created--> CONCATENATING
 *   CONCATENATING --concatenation PermanentFailure--> FAILED
 *   any --final MP4 created in S3--> AVAILABLE (final: nothing moves it back)
 *
 * EventBridge delivers at least once and in no particular order
 * ("Amazon Chime SDK events": best effort, unordered; VIDEO.md §2.9, §5
 * pitfall 13), so every other pair is "no change": an InProgress after
 * the stop, a second Deleted, a late failure after the file exists. The
 * store applies a move with a conditional write on the state it read
 * (video/store.h), so two deliveries never both move it.
 */
#ifndef REC_VIDEO_STATE_H
#define REC_VIDEO_STATE_H

enum video_state {
    VIDEO_STATE_UNKNOWN = 0, /* an item without a status (written by the seed's code) */
    VIDEO_STATE_STARTING,
    VIDEO_STATE_RECORDING,
    VIDEO_STATE_STOPPING,
    VIDEO_STATE_CONCATENATING,
    VIDEO_STATE_AVAILABLE,
    VIDEO_STATE_FAILED,
};

enum video_happening {
    VIDEO_CAPTURE_IN_PROGRESS,
    VIDEO_STOPPED,
    VIDEO_CAPTURE_FAILED,
    VIDEO_CONCAT_CREATED,
    VIDEO_CONCAT_FAILED,
    VIDEO_FILE_CREATED,
};

/* The status attribute's text ("STARTING", ...; "" for UNKNOWN). */
const char *video_state_name(enum video_state s);

/* The state a status text names; UNKNOWN for NULL or any other text. */
enum video_state video_state_of(const char *name);

/* The state after h happens in s; s itself when h changes nothing. */
enum video_state video_state_next(enum video_state s, enum video_happening h);

#endif

#include "video/state.h"

#include <string.h>

static const char *const names[] = {
    [VIDEO_STATE_UNKNOWN] = "",
    [VIDEO_STATE_STARTING] = "STARTING",
    [VIDEO_STATE_RECORDING] = "RECORDING",
    [VIDEO_STATE_STOPPING] = "STOPPING",
    [VIDEO_STATE_CONCATENATING] = "CONCATENATING",
    [VIDEO_STATE_AVAILABLE] = "AVAILABLE",
    [VIDEO_STATE_FAILED] = "FAILED",
};

const char *video_state_name(enum video_state s)
{
    return (unsigned)s < sizeof(names) / sizeof(names[0]) ? names[s] : "";
}

enum video_state video_state_of(const char *name)
{
    for (unsigned i = 1; name && i < sizeof(names) / sizeof(names[0]); i++)
        if (strcmp(names[i], name) == 0)
            return (enum video_state)i;
    return VIDEO_STATE_UNKNOWN;
}

static int capturing(enum video_state s)
{
    return s == VIDEO_STATE_STARTING || s == VIDEO_STATE_RECORDING || s == VIDEO_STATE_UNKNOWN;
}

enum video_state video_state_next(enum video_state s, enum video_happening h)
{
    if (s == VIDEO_STATE_AVAILABLE)
        return s;
    switch (h) {
    case VIDEO_CAPTURE_IN_PROGRESS:
        return s == VIDEO_STATE_STARTING ? VIDEO_STATE_RECORDING : s;
    case VIDEO_STOPPED:
        return capturing(s) ? VIDEO_STATE_STOPPING : s;
    case VIDEO_CAPTURE_FAILED:
        return capturing(s) || s == VIDEO_STATE_STOPPING ? VIDEO_STATE_FAILED : s;
    case VIDEO_CONCAT_CREATED:
        return s == VIDEO_STATE_STOPPING || s == VIDEO_STATE_FAILED ? VIDEO_STATE_CONCATENATING : s;
    case VIDEO_CONCAT_FAILED:
        return s == VIDEO_STATE_CONCATENATING ? VIDEO_STATE_FAILED : s;
    case VIDEO_FILE_CREATED:
        return VIDEO_STATE_AVAILABLE;
    }
    return s;
}

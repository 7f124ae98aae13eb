/*
 * Who may play a recording back: the seed's rules, exactly
 * (amazon-connect/video-call-escalation, cdk-stacks/lambdas/services/
 * RecordingService.js getRecordingSummary and isInHierarchy; VIDEO.md §1.7).
 *
 * The viewer and the recording are described in plain JSON (what the
 * seed's DocumentClient stored, video/store.h converts):
 *   viewer:    {"securityProfileIds":[...], "hierarchyGroupId":"...",
 *               "hierarchyGroupSummary":{"Id","LevelId","HierarchyPath":{...}}}
 *   recording: {"connectHierarchyGroupId":"...",
 *               "connectHierarchyGroupSummary":{...same shape...}}
 * A missing member and null are alike: absent.
 */
#ifndef REC_VIDEO_PLAYBACK_H
#define REC_VIDEO_PLAYBACK_H

#include <cjson/cJSON.h>

/* Non-zero when one of the viewer's securityProfileIds is in allowed, a
 * comma-separated list of ids (one id: the seed's
 * recordingPlaybackSecurityProfileId; spaces around ids ignored). An empty
 * list allows nobody. */
int video_viewer_has_profile(const cJSON *viewer, const char *allowed);

/* Non-zero when the viewer may see the recording by hierarchy:
 *   1. the recording's group id equals the viewer's (both absent: equal,
 *      as undefined === undefined in the seed);
 *   2. else, when both summaries exist: the viewer's LevelId (1..5, read
 *      as JavaScript's parseInt) names a level, and the recording's
 *      HierarchyPath at that level has the viewer's group id.
 * Anything else: zero. */
int video_viewer_sees(const cJSON *viewer, const cJSON *recording);

#endif

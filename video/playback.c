#include "video/playback.h"

#include <stdlib.h>
#include <string.h>

#include "services/service.h"

/* Non-zero when id is one of the comma-separated ids in list. */
static int listed(const char *id, const char *list)
{
    size_t n = strlen(id);
    for (const char *p = list; n && p && *p;) {
        p += strspn(p, " ");
        const char *end = strchr(p, ',');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        while (len && p[len - 1] == ' ')
            len--;
        if (len == n && strncmp(p, id, n) == 0)
            return 1;
        p = end ? end + 1 : NULL;
    }
    return 0;
}

int video_viewer_has_profile(const cJSON *viewer, const char *allowed)
{
    const cJSON *id;
    cJSON_ArrayForEach(id, cJSON_GetObjectItemCaseSensitive(viewer, "securityProfileIds"))
        if (cJSON_IsString(id) && listed(id->valuestring, allowed))
            return 1;
    return 0;
}

/* JavaScript's parseInt(text) for the small positive numbers LevelId holds:
 * leading spaces, an optional sign, digits; 0 when there are none. */
static long parse_int(const char *text)
{
    if (!text)
        return 0;
    char *end = NULL;
    long v = strtol(text, &end, 10);
    return end == text || v < 1 || v > 5 ? 0 : v;
}

static int same(const char *a, const char *b)
{
    return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

int video_viewer_sees(const cJSON *viewer, const cJSON *recording)
{
    static const char *const levels[] = { "LevelOne", "LevelTwo", "LevelThree", "LevelFour", "LevelFive" };
    const char *user_group = service_json_string(viewer, "hierarchyGroupId");
    if (same(service_json_string(recording, "connectHierarchyGroupId"), user_group))
        return 1;
    const cJSON *rec_summary = cJSON_GetObjectItemCaseSensitive(recording, "connectHierarchyGroupSummary");
    const cJSON *user_summary = cJSON_GetObjectItemCaseSensitive(viewer, "hierarchyGroupSummary");
    if (!cJSON_IsObject(rec_summary) || !cJSON_IsObject(user_summary))
        return 0;
    long level = parse_int(service_json_string(user_summary, "LevelId"));
    const cJSON *path = cJSON_GetObjectItemCaseSensitive(rec_summary, "HierarchyPath");
    const cJSON *at = level ? cJSON_GetObjectItemCaseSensitive(path, levels[level - 1]) : NULL;
    /* undefined?.Id === undefined is true in the seed: absent on both sides */
    return same(service_json_string(at, "Id"), user_group);
}

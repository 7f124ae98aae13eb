#include "common/metrics.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "common/clock.h"
#include "common/log.h"

#define FUNCTION_NAME_MAX 170 /* Lambda's limit on a function name is 140 (64 + qualifiers) */

static struct {
    int enabled;
    char ns[REC_METRICS_NAMESPACE_MAX + 1];
    char function_name[FUNCTION_NAME_MAX + 1];
} g_metrics = { 1, REC_METRICS_DEFAULT_NAMESPACE, "local" };

static const char *const unit_names[] = { "Count", "Seconds", "Milliseconds", "Bytes" };

/* CloudWatch namespaces: alphanumerics and . - _ / # : space ("Namespace",
 * PutMetricData in the CloudWatch API Reference). */
static int namespace_ok(const char *ns)
{
    if (strncmp(ns, "AWS/", 4) == 0)
        return 0;
    for (const unsigned char *p = (const unsigned char *)ns; *p; p++) {
        int ok = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
                 strchr(".-_/#: ", *p) != NULL;
        if (!ok)
            return 0;
    }
    return 1;
}

int rec_metrics_init_from_env(struct rec_error *err)
{
    const char *ns = getenv("METRICS_NAMESPACE");
    const char *fn = getenv("AWS_LAMBDA_FUNCTION_NAME");
    snprintf(g_metrics.function_name, sizeof(g_metrics.function_name), "%s", fn && *fn ? fn : "local");
    if (!ns)
        ns = REC_METRICS_DEFAULT_NAMESPACE;
    g_metrics.enabled = 0;
    if (strlen(ns) > REC_METRICS_NAMESPACE_MAX || !namespace_ok(ns))
        return rec_error_set(err, REC_ERR_CONFIG, 0,
                             "METRICS_NAMESPACE must be at most %d characters of letters, digits and "
                             ". - _ / # : space, not starting with AWS/ (empty turns metrics off)",
                             REC_METRICS_NAMESPACE_MAX);
    snprintf(g_metrics.ns, sizeof(g_metrics.ns), "%s", ns);
    g_metrics.enabled = *ns != '\0';
    return 0;
}

int rec_metrics_enabled(void)
{
    return g_metrics.enabled;
}

void rec_metrics_begin(struct rec_metrics *m, const char *handler)
{
    memset(m, 0, sizeof(*m));
    m->handler = handler;
}

void rec_metrics_dimension(struct rec_metrics *m, const char *name, const char *value)
{
    if (m->n_dims == REC_METRICS_MAX_DIMENSIONS) {
        m->overflow = 1;
        return;
    }
    m->dims[m->n_dims++] = (struct rec_metric_pair){ name, value };
}

void rec_metrics_property(struct rec_metrics *m, const char *name, const char *value)
{
    if (!value || !*value)
        return;
    if (m->n_props == REC_METRICS_MAX_PROPERTIES) {
        m->overflow = 1;
        return;
    }
    m->props[m->n_props++] = (struct rec_metric_pair){ name, value };
}

void rec_metrics_value(struct rec_metrics *m, const char *name, enum rec_metric_unit unit, double value)
{
    if (m->n_values == REC_METRICS_MAX_VALUES) {
        m->overflow = 1;
        return;
    }
    m->values[m->n_values++] = (struct rec_metric_value){ name, unit, value };
}

void rec_metrics_count(struct rec_metrics *m, const char *name, double value)
{
    rec_metrics_value(m, name, REC_METRIC_COUNT, value);
}

/* Every member name once: a duplicate key would make the line ambiguous. */
static int names_distinct(const struct rec_metrics *m)
{
    const char *names[3 + REC_METRICS_MAX_DIMENSIONS + REC_METRICS_MAX_PROPERTIES + REC_METRICS_MAX_VALUES];
    size_t n = 0;
    names[n++] = "_aws";
    names[n++] = "FunctionName";
    names[n++] = "Handler";
    for (size_t i = 0; i < m->n_dims; i++)
        names[n++] = m->dims[i].name;
    for (size_t i = 0; i < m->n_props; i++)
        names[n++] = m->props[i].name;
    for (size_t i = 0; i < m->n_values; i++)
        names[n++] = m->values[i].name;
    for (size_t i = 0; i < n; i++)
        for (size_t j = i + 1; j < n; j++)
            if (strcmp(names[i], names[j]) == 0)
                return 0;
    return 1;
}

static int line_ok(const struct rec_metrics *m)
{
    if (!m->handler || !*m->handler)
        return 0;
    for (size_t i = 0; i < m->n_dims; i++)
        if (!m->dims[i].name || !*m->dims[i].name || !m->dims[i].value || !*m->dims[i].value)
            return 0;
    for (size_t i = 0; i < m->n_props; i++)
        if (!m->props[i].name || !*m->props[i].name)
            return 0;
    for (size_t i = 0; i < m->n_values; i++)
        if (!m->values[i].name || !*m->values[i].name || !isfinite(m->values[i].value) ||
            (unsigned)m->values[i].unit >= sizeof(unit_names) / sizeof(unit_names[0]))
            return 0;
    return names_distinct(m);
}

/* [["FunctionName","Handler"]] plus, with extra dimensions, the same set
 * followed by them. */
static int add_dimension_sets(cJSON *directive, const struct rec_metrics *m)
{
    cJSON *sets = cJSON_AddArrayToObject(directive, "Dimensions");
    for (int with_extras = 0; sets && with_extras <= (m->n_dims > 0); with_extras++) {
        cJSON *set = cJSON_CreateArray();
        if (!set || !cJSON_AddItemToArray(sets, set))
            return cJSON_Delete(set), REC_ERR_NOMEM;
        cJSON_AddItemToArray(set, cJSON_CreateString("FunctionName"));
        cJSON_AddItemToArray(set, cJSON_CreateString("Handler"));
        for (size_t i = 0; with_extras && i < m->n_dims; i++)
            cJSON_AddItemToArray(set, cJSON_CreateString(m->dims[i].name));
        if (cJSON_GetArraySize(set) != 2 + (with_extras ? (int)m->n_dims : 0))
            return REC_ERR_NOMEM;
    }
    return sets ? 0 : REC_ERR_NOMEM;
}

/* The _aws block: one directive naming the namespace, the sets and the units. */
static int add_aws_block(cJSON *root, const struct rec_metrics *m)
{
    cJSON *aws = cJSON_AddObjectToObject(root, "_aws");
    cJSON *directives = aws ? cJSON_AddArrayToObject(aws, "CloudWatchMetrics") : NULL;
    cJSON *directive = cJSON_CreateObject();
    if (!directives || !directive || !cJSON_AddItemToArray(directives, directive))
        return cJSON_Delete(directive), REC_ERR_NOMEM;
    if (!cJSON_AddNumberToObject(aws, "Timestamp", (double)rec_clock_now_ms()) ||
        !cJSON_AddStringToObject(directive, "Namespace", g_metrics.ns) || add_dimension_sets(directive, m))
        return REC_ERR_NOMEM;
    cJSON *metrics = cJSON_AddArrayToObject(directive, "Metrics");
    for (size_t i = 0; metrics && i < m->n_values; i++) {
        cJSON *def = cJSON_CreateObject();
        if (!def || !cJSON_AddItemToArray(metrics, def))
            return cJSON_Delete(def), REC_ERR_NOMEM;
        if (!cJSON_AddStringToObject(def, "Name", m->values[i].name) ||
            !cJSON_AddStringToObject(def, "Unit", unit_names[m->values[i].unit]))
            return REC_ERR_NOMEM;
    }
    return metrics ? 0 : REC_ERR_NOMEM;
}

/* The root members: dimension values, properties, metric values. */
static int add_members(cJSON *root, const struct rec_metrics *m)
{
    int ok = cJSON_AddStringToObject(root, "FunctionName", g_metrics.function_name) &&
             cJSON_AddStringToObject(root, "Handler", m->handler);
    for (size_t i = 0; ok && i < m->n_dims; i++)
        ok = cJSON_AddStringToObject(root, m->dims[i].name, m->dims[i].value) != NULL;
    for (size_t i = 0; ok && i < m->n_props; i++)
        ok = cJSON_AddStringToObject(root, m->props[i].name, m->props[i].value) != NULL;
    for (size_t i = 0; ok && i < m->n_values; i++)
        ok = cJSON_AddNumberToObject(root, m->values[i].name, m->values[i].value) != NULL;
    return ok ? 0 : REC_ERR_NOMEM;
}

const char *rec_metrics_status_class(long status)
{
    static const char *const classes[] = { "1xx", "2xx", "3xx", "4xx", "5xx" };
    return status >= 100 && status < 600 ? classes[status / 100 - 1] : classes[4];
}

int rec_metrics_emit(const struct rec_metrics *m)
{
    int rc = 0;
    char *text = NULL;
    cJSON *root = NULL;
    if (!g_metrics.enabled || m->n_values == 0)
        return 0;
    if (m->overflow || !line_ok(m)) {
        rc = m->overflow ? REC_ERR_LIMIT : REC_ERR_INVALID;
        goto cleanup;
    }
    if (!(root = cJSON_CreateObject())) {
        rc = REC_ERR_NOMEM;
        goto cleanup;
    }
    REC_TRY(add_aws_block(root, m));
    REC_TRY(add_members(root, m));
    size_t len = 0;
    if (!(text = cJSON_PrintUnformatted(root)) || !(len = strlen(text))) {
        rc = REC_ERR_NOMEM;
        goto cleanup;
    }
    text[len] = '\n'; /* the NUL becomes the line's end: one write */
    rec_log_write_line(text, len + 1);
cleanup:
    if (rc)
        rec_log(REC_LOG_WARN, "metric line not written", LOG_STR("handler", m->handler),
                LOG_STR("error", rec_strerror(rc)));
    cJSON_free(text);
    cJSON_Delete(root);
    return rc;
}

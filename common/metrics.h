/*
 * Metrics as CloudWatch embedded metric format (EMF) lines.
 *
 * Why EMF: Lambda sends the function's stdout to CloudWatch Logs, and a log
 * line that is a JSON object with an "_aws" block becomes metrics without
 * an API call, a client or an extra permission (Amazon CloudWatch User
 * Guide, "Specification: Embedded metric format": the _aws block holds
 * Timestamp in epoch ms and CloudWatchMetrics, a list of directives each
 * with Namespace, Dimensions (lists of dimension names, each at most 30)
 * and Metrics ({Name, Unit}, at most 100); every name a directive uses is
 * a member of the root object holding its value).
 *
 * A line is built in the caller's storage and written with one write
 * through the log's writer (common/log.h), so it never interleaves with a
 * log line. Dimension sets: every line has FunctionName
 * (AWS_LAMBDA_FUNCTION_NAME, "local" outside Lambda) and Handler; a line
 * with extra dimensions (e.g. Class) is published under both the base set
 * and the base set plus its extras, so an alarm can watch the total and a
 * graph can split it. Properties are extra members that are not
 * dimensions (a contact ID to find the line with Logs Insights).
 *
 * Configuration: METRICS_NAMESPACE (unset: REC_METRICS_DEFAULT_NAMESPACE;
 * set to "": no metric line at all).
 *
 * From a handler:
 *     struct rec_metrics m;
 *     rec_metrics_begin(&m, "ProcessKvsRecording");
 *     rec_metrics_dimension(&m, "Class", "retriable");
 *     rec_metrics_count(&m, "RecordingFailures", 1);
 *     rec_metrics_emit(&m);
 * Strings are borrowed until rec_metrics_emit returns; nothing to free.
 */
#ifndef REC_COMMON_METRICS_H
#define REC_COMMON_METRICS_H

#include <stddef.h>

#include "common/error.h"

#define REC_METRICS_DEFAULT_NAMESPACE "ConnectKvsRecorder"
#define REC_METRICS_NAMESPACE_MAX 255 /* CloudWatch's limit on a namespace, characters */
#define REC_METRICS_MAX_VALUES 10     /* metrics on one line */
#define REC_METRICS_MAX_DIMENSIONS 4  /* dimensions beyond FunctionName and Handler */
#define REC_METRICS_MAX_PROPERTIES 4

/* CloudWatch's unit names (MetricDatum.Unit in the CloudWatch API Reference). */
enum rec_metric_unit {
    REC_METRIC_COUNT = 0,
    REC_METRIC_SECONDS,
    REC_METRIC_MILLISECONDS,
    REC_METRIC_BYTES,
};

struct rec_metric_pair {
    const char *name;
    const char *value;
};

struct rec_metric_value {
    const char *name;
    enum rec_metric_unit unit;
    double value;
};

/* One line being built (caller's storage; every string borrowed). */
struct rec_metrics {
    const char *handler;
    struct rec_metric_pair dims[REC_METRICS_MAX_DIMENSIONS];
    size_t n_dims;
    struct rec_metric_pair props[REC_METRICS_MAX_PROPERTIES];
    size_t n_props;
    struct rec_metric_value values[REC_METRICS_MAX_VALUES];
    size_t n_values;
    int overflow; /* more was added than fits: emit refuses the line */
};

/* Reads METRICS_NAMESPACE and AWS_LAMBDA_FUNCTION_NAME (bootstrap calls it
 * once, before any handler runs; tests again after changing them).
 * Returns 0, or REC_ERR_CONFIG with err naming the variable when the
 * namespace is longer than REC_METRICS_NAMESPACE_MAX, holds a character
 * CloudWatch refuses (allowed: letters, digits, and . - _ / # : space) or
 * starts with "AWS/" (reserved for AWS services); metrics are then off. */
int rec_metrics_init_from_env(struct rec_error *err);

/* Non-zero when metric lines are written (a namespace is set). */
int rec_metrics_enabled(void);

/* Starts a line for handler (the _HANDLER name, e.g. "ProcessKvsRecording";
 * borrowed). */
void rec_metrics_begin(struct rec_metrics *m, const char *handler);

/* Adds a dimension (a low-cardinality name and value, e.g. Class=retriable). */
void rec_metrics_dimension(struct rec_metrics *m, const char *name, const char *value);

/* Adds a property: searchable in the log line, not a dimension. NULL or ""
 * values are left out. */
void rec_metrics_property(struct rec_metrics *m, const char *name, const char *value);

/* Adds a metric value in unit (Count, Seconds, Milliseconds, Bytes). */
void rec_metrics_value(struct rec_metrics *m, const char *name, enum rec_metric_unit unit,
                       double value);

/* rec_metrics_value with unit Count. */
void rec_metrics_count(struct rec_metrics *m, const char *name, double value);

/* The class of an HTTP-like status for a StatusClass dimension: "1xx" to
 * "5xx" (static); anything outside 100..599 is "5xx" (no answer of the
 * service is a server-side failure). RFC 9110 §15 defines the classes. */
const char *rec_metrics_status_class(long status);

/* Writes the line (one JSON object and a newline, one write) unless metrics
 * are off. Returns 0 (also when off or when the line has no value),
 * REC_ERR_LIMIT when more dimensions, properties or values were added than
 * fit, REC_ERR_INVALID for a missing or repeated name (FunctionName,
 * Handler and _aws are taken), an empty dimension value or a value that is
 * not finite
 * (nothing is written for either: a metric that lies is worse than none),
 * REC_ERR_NOMEM. A failure is logged at WARN, never fatal to the work. */
int rec_metrics_emit(const struct rec_metrics *m);

#endif

"""Reads CloudWatch embedded metric format (EMF) lines out of a function's
log and checks each against the specification (CloudWatch User Guide,
"Specification: Embedded metric format"), so tests assert on metrics the
way CloudWatch would extract them."""
import json

UNITS = {"Seconds", "Microseconds", "Milliseconds", "Bytes", "Kilobytes", "Megabytes", "Gigabytes",
         "Terabytes", "Bits", "Kilobits", "Megabits", "Gigabits", "Terabits", "Percent", "Count",
         "Bytes/Second", "Kilobytes/Second", "Megabytes/Second", "Gigabytes/Second", "Terabytes/Second",
         "Bits/Second", "Kilobits/Second", "Megabits/Second", "Gigabits/Second", "Terabits/Second",
         "Count/Second", "None"}


class EmfError(AssertionError):
    pass


def check(doc):
    """Raises EmfError unless doc (a parsed line) is valid EMF."""
    aws = doc.get("_aws")
    if not isinstance(aws, dict):
        raise EmfError("no _aws object")
    if not isinstance(aws.get("Timestamp"), int):
        raise EmfError("Timestamp is not an integer of epoch milliseconds")
    directives = aws.get("CloudWatchMetrics")
    if not isinstance(directives, list) or not directives:
        raise EmfError("CloudWatchMetrics is not a non-empty list")
    for d in directives:
        ns = d.get("Namespace")
        if not isinstance(ns, str) or not 1 <= len(ns) <= 255:
            raise EmfError(f"bad Namespace {ns!r}")
        for dims in d.get("Dimensions", []):
            if not isinstance(dims, list) or len(dims) > 30:
                raise EmfError(f"bad dimension set {dims!r}")
            for name in dims:
                if not isinstance(doc.get(name), str):
                    raise EmfError(f"dimension {name} has no string value in the root")
        metrics = d.get("Metrics")
        if not isinstance(metrics, list) or not 1 <= len(metrics) <= 100:
            raise EmfError("Metrics is not a list of 1 to 100 definitions")
        for m in metrics:
            if m.get("Unit", "None") not in UNITS:
                raise EmfError(f"unknown unit {m.get('Unit')!r}")
            value = doc.get(m.get("Name"))
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise EmfError(f"metric {m.get('Name')} has no numeric value")


def metric_lines(log_text):
    """Every EMF line of a log, parsed and checked, in order."""
    out = []
    for line in log_text.splitlines():
        if '"_aws"' not in line:
            continue
        doc = json.loads(line)
        check(doc)
        out.append(doc)
    return out


def values(lines, name, **dimensions):
    """The values of metric `name` on lines whose dimensions match."""
    found = []
    for doc in lines:
        defs = [m["Name"] for d in doc["_aws"]["CloudWatchMetrics"] for m in d["Metrics"]]
        if name in defs and all(doc.get(k) == v for k, v in dimensions.items()):
            found.append(doc[name])
    return found


def namespace(doc):
    return doc["_aws"]["CloudWatchMetrics"][0]["Namespace"]

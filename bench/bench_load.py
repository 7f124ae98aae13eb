#!/usr/bin/env python3
"""The load benchmark (README "Sizing"): a batch of 100 contact trace records
(mixed call lengths, on five reused streams) given to each of N concurrent
bootstrap processes through the local stack, as N concurrent invocations
of one shard's records would be with ParallelizationFactor N. Reports, per
N: the wall time, recordings per minute per process and in total, the
largest peak RSS (VmHWM) of a process, and the local stack's own CPU use
(the Python stand-ins and moto: one core at most, so near 100 % it is the
stack's ceiling being measured, not the function's).

    BUILD_DIR=build python3 bench/bench_load.py [--processes 1,2,4] [--records 100]
"""
import argparse
import os
import shutil
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests", "integration"))
sys.path.insert(0, os.path.join(ROOT, "tests"))

import helpers  # noqa: E402
from recording_env import Bootstrap, Capture, ctr_with_span, event, record, write_capture  # noqa: E402
from stack.localstack import LocalStack  # noqa: E402
from stack.runtime_api import RuntimeApiEmulator  # noqa: E402

LENGTHS_S = (5, 20, 45, 90, 180)  # mixed call lengths, cycled: mean 68 s
STREAMS = 5


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def build_records(st, tmp, n):
    per_stream = (n + STREAMS - 1) // STREAMS
    ctrs = []
    for s in range(STREAMS):
        cap = Capture(seed=100 + s)
        contacts = [f"load-{s}-{i}" for i in range(per_stream)]
        for i, c in enumerate(contacts):
            cap.add_contact(c, seconds=LENGTHS_S[(s + i) % len(LENGTHS_S)])
        arn = st.add_media(f"load-{s}", write_capture(cap, tmp, f"load-{s}"), chunk_bytes=65536)["StreamARN"]
        ctrs += [ctr_with_span(cap, arn, c) for c in contacts]
    return ctrs[:n]


def run(st, rt, ctrs, n_proc):
    ev = event(*[record(c, i + 1) for i, c in enumerate(ctrs)])
    boots = [Bootstrap(st, rt, AWS_LAMBDA_LOG_LEVEL="WARN", METRICS_NAMESPACE="") for _ in range(n_proc)]
    try:
        time.sleep(0.5)  # every process waiting in `next`, as warm environments are
        cpu0 = cpu_seconds(st.proc.pid)
        t0 = time.monotonic()
        ids = [rt.invoke(ev, timeout_ms=900000) for _ in range(n_proc)]
        answers = [rt.wait(i, timeout=3600) for i in ids]
        wall = time.monotonic() - t0
        stack_cpu = cpu_seconds(st.proc.pid) - cpu0
        rss = max(helpers.peak_rss_kb(b.proc.pid) for b in boots)
    finally:
        for b in boots:
            b.stop()
    bad = [a for a in answers if a["kind"] != "response" or b"itemIdentifier" in a["body"]]
    if bad:
        raise SystemExit(f"{n_proc} processes: failed answers: {bad[0]['body'][:300]!r}")
    total = n_proc * len(ctrs) * 60 / wall
    return {"n": n_proc, "wall": wall, "per_proc": total / n_proc, "total": total, "rss_mb": rss / 1024,
            "stack_cpu": stack_cpu / wall}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--processes", default="1,2,4")
    ap.add_argument("--records", type=int, default=100)
    args = ap.parse_args()
    helpers.program("bootstrap")
    tmp = tempfile.mkdtemp(prefix="bench-load-")
    try:
        with LocalStack() as st, RuntimeApiEmulator() as rt:
            ctrs = build_records(st, tmp, args.records)
            audio = sum(LENGTHS_S[(s + i) % len(LENGTHS_S)] for s in range(STREAMS)
                        for i in range(args.records // STREAMS))
            print(f"load: {args.records} CTRs per batch, {audio / 60:.0f} min of calls, {STREAMS} reused streams",
                  flush=True)
            for n in (int(x) for x in args.processes.split(",")):
                r = run(st, rt, ctrs, n)
                print(f"load {r['n']} process(es): {r['wall']:.1f} s, {r['per_proc']:.0f} recordings/min per "
                      f"process, {r['total']:.0f} in total, peak RSS {r['rss_mb']:.1f} MB, local stack CPU "
                      f"{100 * r['stack_cpu']:.0f} % of a core", flush=True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()

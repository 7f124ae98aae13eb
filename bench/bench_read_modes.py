#!/usr/bin/env python3
"""KVS_READ_MODE measured (README "The bounded reader"): the same contact
read with GetMedia and with ListFragments + GetMediaForFragmentList through
the local stack, side by side, medians of --runs runs, for a short and a
long call on a reused stream (another contact follows), and for a call
whose CTR has no FragmentStopNumber on a stream that then idles (GetMedia
must wait KVS_IDLE_TIMEOUT_MS at the live edge; the list cannot be used
without a stop fragment, so auto reads it with GetMedia too); and six
invocations reading six contacts of one stream at once, with the stand-in
enforcing KVS's quota of 3 concurrent GetMedia connections per stream and
serving at a paced rate (about 1 s per contact), as concurrent invocations
of a shard (ParallelizationFactor) reading a reused stream do.

    BUILD_DIR=build python3 bench/bench_read_modes.py [--runs 3] [--long-s 1800]
"""
import argparse
import os
import shutil
import statistics
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


def one(st, rt, ev, mode):
    boot = Bootstrap(st, rt, KVS_READ_MODE=mode, KVS_IDLE_TIMEOUT_MS=5000, AWS_LAMBDA_LOG_LEVEL="WARN")
    try:
        t0 = time.monotonic()
        answer = boot.invoke(ev, timeout_ms=900000, timeout=1800)
        took = time.monotonic() - t0
    finally:
        boot.stop()
    if answer["kind"] != "response" or b"itemIdentifier" in answer["body"]:
        raise SystemExit(f"{mode}: the invocation failed: {answer['body'][:300]!r}")
    return took


def concurrent(st, rt, tmp, mode, readers=6):
    """Wall time for `readers` invocations, one per contact of one stream, at once."""
    cap = Capture(seed=12)
    contacts = [f"par-{i}" for i in range(readers)]
    for c in contacts:
        cap.add_contact(c, seconds=60)
    name = f"par-{mode}"
    arn = st.add_media(name, write_capture(cap, tmp, name), chunk_bytes=65536, pace_ms=30,
                       get_media_connection_limit=3)["StreamARN"]
    boots = [Bootstrap(st, rt, KVS_READ_MODE=mode, AWS_LAMBDA_LOG_LEVEL="WARN") for _ in contacts]
    try:
        time.sleep(0.5)
        t0 = time.monotonic()
        ids = [rt.invoke(event(record(ctr_with_span(cap, arn, c), i + 1)), timeout_ms=900000)
               for i, c in enumerate(contacts)]
        answers = [rt.wait(i, timeout=600) for i in ids]
        took = time.monotonic() - t0
    finally:
        logs = [b.stop() for b in boots]
    failed = sum(1 for a in answers if a["kind"] != "response" or b"itemIdentifier" in a["body"])
    return took, sum(l.count("ConnectionLimitExceededException") for l in logs), failed


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--long-s", type=int, default=1800)
    ap.add_argument("--only-concurrent", action="store_true")
    args = ap.parse_args()
    helpers.program("bootstrap")
    tmp = tempfile.mkdtemp(prefix="bench-modes-")
    try:
        cap = Capture(seed=9)
        cap.add_contact("short", seconds=60)
        cap.add_contact("long", seconds=args.long_s)
        cap.add_contact("after", seconds=30)
        with LocalStack() as st, RuntimeApiEmulator() as rt:
            arn = st.add_media("modes", write_capture(cap, tmp, "modes"), chunk_bytes=65536,
                               live_edge_stall_s=30)["StreamARN"]
            cases = []
            for contact in ("short", "long"):
                cases.append((f"{contact} call ({len([f for f in cap.fragments if f.contact_id == contact])} s)",
                              event(record(ctr_with_span(cap, arn, contact), 1))))
            no_stop = ctr_with_span(cap, arn, "after")
            no_stop["Recordings"][0]["FragmentStopNumber"] = None
            cases.append(("last call, no stop fragment, stream idles", event(record(no_stop, 2))))
            for name, ev in ([] if args.only_concurrent else cases):
                times = {m: [] for m in ("getmedia", "fragment-list", "auto")}
                for _ in range(args.runs):  # interleaved, so load changes hit both alike
                    for m in times:
                        times[m].append(one(st, rt, ev, m))
                med = {m: statistics.median(v) for m, v in times.items()}
                print(f"read modes, {name}: GetMedia {med['getmedia']:.2f} s, fragment list "
                      f"{med['fragment-list']:.2f} s, auto {med['auto']:.2f} s (medians of {args.runs})",
                      flush=True)
            runs = {m: [concurrent(st, rt, tmp, m) for _ in range(args.runs)] for m in ("getmedia", "auto")}
            med = {m: statistics.median(t for t, _, _ in v) for m, v in runs.items()}
            refused = {m: statistics.median(n for _, n, _ in v) for m, v in runs.items()}
            failed = {m: sum(f for _, _, f in v) for m, v in runs.items()}
            print(f"read modes, 6 invocations reading one stream at once (3-connection quota): GetMedia "
                  f"{med['getmedia']:.2f} s, {refused['getmedia']:.0f} connections refused, "
                  f"{failed['getmedia']} of {6 * args.runs} records failed (retriable); auto (the list) "
                  f"{med['auto']:.2f} s, {refused['auto']:.0f} refused, {failed['auto']} failed "
                  f"(medians of {args.runs})", flush=True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""KVS_READ_MODE for the Voice Connector legs (README "Reading a leg"): the
same two-leg call recorded through build/bootstrap (ChimeVoiceConnectorRecorder)
and the local stack with GetMedia, with ListFragments +
GetMediaForFragmentList and with auto, side by side (interleaved runs,
medians), the KVS stand-in stalling at the live edge as KVS does
(KVS_IDLE_TIMEOUT_MS 5000, the default). Cases:
  - legs at the end of their streams (the streams idle after the call);
  - recycled streams: another call follows on both streams;
  - a long call (--long-s);
  - ENDED events without currentFragmentNumber, streams idle after the call.
Per case: the recording invocation's wall time, and per leg how it was read
(the "call leg read" log lines: readWith, GetMedia or
GetMediaForFragmentList calls, ListFragments pages, doneReason).

    BUILD_DIR=build python3 bench/bench_chime_read_modes.py [--runs 3] [--long-s 1800]
"""
import argparse
import json
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
from chime_env import Leg, chime_env, create_tables  # noqa: E402
from fixtures.make_chime_mkv import ChimeLeg  # noqa: E402
from recording_env import Bootstrap  # noqa: E402
from stack.localstack import LocalStack  # noqa: E402
from stack.runtime_api import RuntimeApiEmulator  # noqa: E402

T0 = 1_767_225_600_000
MODES = ("getmedia", "fragment-list", "auto")


def legs(st, tmp, name, seconds, recycled=False):
    """The call's two Legs, served with a 30 s stall at the live edge."""
    out = []
    for seed, start, is_caller in ((1, T0, True), (2, T0 + 1755, False)):
        cap = ChimeLeg(start_ms=start, seed=seed)
        cap.add_call(f"tx-{name}", f"call-{name}", seconds)
        if recycled:
            cap.add_call(f"tx-{name}-next", f"call-{name}-next", 20)
        out.append(Leg(st, tmp, f"{name}-{seed}", cap, f"tx-{name}", is_caller, chunk_bytes=65536,
                       live_edge_stall_s=30))
    return out


def one(st, rt, work, pair, call_id, mode, end_fragment):
    boot = Bootstrap(st, rt, **chime_env(work, KVS_READ_MODE=mode, KVS_IDLE_TIMEOUT_MS="5000",
                                         DEADLINE_START_RESERVE_MS="60000", DEADLINE_FINISH_RESERVE_MS="60000"))
    try:
        first = boot.invoke(pair[0].event("ENDED", call_id, end_fragment=end_fragment), timeout_ms=900000)
        t0 = time.monotonic()
        answer = boot.invoke(pair[1].event("ENDED", call_id, end_fragment=end_fragment), timeout_ms=900000,
                             timeout=1800)
        took = time.monotonic() - t0
    finally:
        log = boot.stop()
    if first["kind"] != "response" or answer["kind"] != "response" or b'"recorded"' not in answer["body"]:
        raise SystemExit(f"{mode}: the call was not recorded: {answer.get('body', answer)!r}\n{log[-3000:]}")
    read = [json.loads(line) for line in log.splitlines() if '"call leg read"' in line]
    return took, [(r.get("readWith"), r.get("getMediaCalls"), r.get("listFragmentsCalls"), r.get("doneReason"))
                  for r in read]


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--short-s", type=int, default=60)
    ap.add_argument("--long-s", type=int, default=1800)
    args = ap.parse_args()
    helpers.program("bootstrap")
    tmp = tempfile.mkdtemp(prefix="bench-chime-modes-")
    try:
        with LocalStack() as st, RuntimeApiEmulator() as rt:
            create_tables(st)
            cases = [(f"{args.short_s} s call, legs at the end of their streams",
                      legs(st, tmp, "end", args.short_s), True),
                     (f"{args.short_s} s call, recycled streams (another call follows)",
                      legs(st, tmp, "recycled", args.short_s, recycled=True), True),
                     (f"{args.long_s} s call, legs at the end of their streams",
                      legs(st, tmp, "long", args.long_s), True),
                     (f"{args.short_s} s call, no currentFragmentNumber, streams idle",
                      legs(st, tmp, "nocurrent", args.short_s), False)]
            n = 0
            for name, pair, end_fragment in cases:
                times = {m: [] for m in MODES}
                how = {}
                for _ in range(args.runs):  # interleaved, so load changes hit every mode alike
                    for m in MODES:
                        n += 1
                        took, how[m] = one(st, rt, os.path.join(tmp, "work"), pair, f"bench-{n}", m,
                                           end_fragment)
                        times[m].append(took)
                med = {m: statistics.median(v) for m, v in times.items()}
                print(f"chime read modes, {name}: " +
                      ", ".join(f"{m} {med[m]:.2f} s {how[m]}" for m in MODES) +
                      f" (medians of {args.runs}; per leg: readWith, GetMedia/list media calls, "
                      f"ListFragments pages, doneReason)", flush=True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Benchmark of the video recording handler (issue 13) through the local stack.

Runs N meetings through start, the pipeline events, stop, the final MP4's
events and a summary, all through build/bootstrap as VideoCallRecording and
the Runtime API emulator, and reports per kind of invocation the median and
90th percentile of the time from invoke to answer, the DynamoDB and other AWS
requests one meeting costs, and bootstrap's peak RSS (VmHWM). The stand-ins
(moto, Python) run on the same machine: the times are upper bounds for the
C side, what a Lambda invocation would bill on top of AWS's own latency.

    BUILD_DIR=build python3 bench/bench_video.py [--meetings 30]
"""
import argparse
import os
import statistics
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests", "integration"))
sys.path.insert(0, os.path.join(ROOT, "tests"))

import helpers  # noqa: E402
from stack.localstack import LocalStack  # noqa: E402
from stack.runtime_api import RuntimeApiEmulator  # noqa: E402
from video_env import VideoBootstrap, VideoWorld  # noqa: E402


def timed(times, kind, fn, *args):
    t0 = time.perf_counter()
    out = fn(*args)
    times.setdefault(kind, []).append((time.perf_counter() - t0) * 1000)
    return out


def one_meeting(st, world, fn, times):
    ext, _ = world.meeting()
    status, body = timed(times, "POST /recording", fn.api, world.request("POST /recording", "agent1",
                                                                           {"externalMeetingId": ext}))
    assert status == 200, body
    for ev in world.take_events():
        timed(times, "event", fn.invoke, ev)
    status, _ = timed(times, "DELETE /recording", fn.api, world.request("DELETE /recording", "agent1",
                                                                          {"externalMeetingId": ext}))
    assert status == 200
    concat = [p for p in world.pipelines() if p["kind"] == "concat" and p["status"] == "InProgress"][0]
    st._post(f"/_stack/pipelines/{concat['MediaPipelineId']}/complete", {})
    for ev in world.take_events():
        timed(times, "event", fn.invoke, ev)
    status, body = timed(times, "GET /recording-summary", fn.api,
                         world.request("GET /recording-summary", "sup1", query={"externalMeetingId": ext}))
    assert status == 200 and body["data"][0]["status"] == "AVAILABLE", body


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--meetings", type=int, default=30)
    args = ap.parse_args()
    times = {}
    with LocalStack() as st, RuntimeApiEmulator() as rt:
        world = VideoWorld(st)
        fn = VideoBootstrap(st, rt, world)
        try:
            one_meeting(st, world, fn, {})  # warm: Cognito and the user cache filled once
            st.clear_request_log()
            for _ in range(args.meetings):
                one_meeting(st, world, fn, times)
            requests = st.request_log()
            hwm = helpers.peak_rss_kb(fn.proc.pid)
        finally:
            fn.stop()
    print(f"{args.meetings} meetings, bootstrap peak RSS {hwm / 1024:.1f} MB")
    for kind, ms in sorted(times.items()):
        q = statistics.quantiles(ms, n=10)
        print(f"  {kind:24s} n={len(ms):4d}  median {statistics.median(ms):6.1f} ms  p90 {q[8]:6.1f} ms")
    per = {}
    for r in requests:
        key = r["target"].split(".")[-1] if r["target"] else f"{r['service']} {r['method']}"
        per[key] = per.get(key, 0) + 1
    print("  AWS requests per meeting: " + ", ".join(f"{k} {v / args.meetings:.1f}" for k, v in sorted(per.items())))


if __name__ == "__main__":
    main()

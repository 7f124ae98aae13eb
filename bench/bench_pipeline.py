#!/usr/bin/env python3
"""End-to-end benchmark of the recording handler through the local stack.

For a 1-hour and a 4-hour two-track 8 kHz call (synthetic Connect captures),
serves the capture from the KVS stand-in, invokes build/bootstrap through
the Runtime API emulator with one CTR (recordingAuth 3: three WAVs, the mix
as long as the call), and reports the invocation's wall time, the bytes
uploaded and bootstrap's peak RSS (VmHWM), and how both grow from 1 to 4
hours. Everything runs on this machine: the stand-ins' own CPU time
(Python serving GetMedia, moto receiving the uploads) is part of the wall
time, so the time is an upper bound for the C side.

    BUILD_DIR=build python3 bench/bench_pipeline.py [--hours 1,4]
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
from recording_env import Bootstrap, Capture, ctr_for, event, record, write_capture  # noqa: E402
from stack.localstack import DEFAULT_BUCKET, LocalStack  # noqa: E402
from stack.runtime_api import RuntimeApiEmulator  # noqa: E402



def run(hours, tmp):
    contact = f"bench-{hours}h"
    cap = Capture(seed=hours)
    cap.add_contact(contact, seconds=hours * 3600)
    path = write_capture(cap, tmp, contact)
    size = os.path.getsize(path)
    with LocalStack() as st, RuntimeApiEmulator() as rt:
        arn = st.add_media(f"stream-{contact}", path, chunk_bytes=256 * 1024)["StreamARN"]
        boot = Bootstrap(st, rt, KVS_IDLE_TIMEOUT_MS=3000, AWS_LAMBDA_LOG_FORMAT="JSON")
        try:
            t0 = time.monotonic()
            answer = boot.invoke(event(record(ctr_for(cap, arn, contact), 1)), timeout_ms=900000, timeout=1800)
            wall = time.monotonic() - t0
            rss = helpers.peak_rss_kb(boot.proc.pid)
        finally:
            log = boot.stop()
        stored = [l for l in boot.lines(log) if l.get("message") == "recording stored"]
        if answer["kind"] != "response" or not stored:
            raise SystemExit(f"{hours} h: the invocation failed: {answer['body'][:500]!r}\n{log[-3000:]}")
        uploaded = stored[0]["bytesUploaded"]
        s3 = st.client("s3")
        objs = [o for o in s3.list_objects_v2(Bucket=DEFAULT_BUCKET).get("Contents", [])]
    os.unlink(path)
    return {"hours": hours, "capture_mb": size / 1e6, "wall_s": wall, "uploaded_mb": uploaded / 1e6,
            "objects": len(objs), "peak_rss_mb": rss / 1024, "audio_s": stored[0]["fromCustomerSeconds"]}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--hours", default="1,4")
    args = ap.parse_args()
    helpers.program("bootstrap")
    tmp = tempfile.mkdtemp(prefix="bench-pipeline-")
    rows = []
    try:
        for h in (int(x) for x in args.hours.split(",")):
            rows.append(run(h, tmp))
            r = rows[-1]
            print(f"pipeline {r['hours']} h call: capture {r['capture_mb']:.0f} MB, end-to-end {r['wall_s']:.1f} s, "
                  f"uploaded {r['uploaded_mb']:.0f} MB in {r['objects']} objects, audio {r['audio_s']:.0f} s/track, "
                  f"bootstrap peak RSS {r['peak_rss_mb']:.1f} MB", flush=True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    if len(rows) >= 2:
        a, b = rows[0], rows[-1]
        print(f"pipeline growth {a['hours']} h -> {b['hours']} h: time x{b['wall_s'] / a['wall_s']:.2f}, "
              f"peak RSS x{b['peak_rss_mb'] / a['peak_rss_mb']:.2f}")


if __name__ == "__main__":
    main()

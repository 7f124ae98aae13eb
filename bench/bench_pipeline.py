#!/usr/bin/env python3
"""End-to-end benchmark of the recording handler through the local stack.

For a 1-hour and a 4-hour two-track 8 kHz call (synthetic Connect captures
of speech: espeak-ng, a different voice and text per side, looped; the
formats' sizes depend on the audio, and a counter signal would flatter
FLAC),
serves the capture from the KVS stand-in, invokes build/bootstrap through
the Runtime API emulator with one CTR (recordingAuth 3: three files, the mix
as long as the call) once per OUTPUT_FORMAT, and reports per run: the
invocation's wall time, bootstrap's CPU seconds (user + system, from
/proc/PID/stat around the invocation), the bytes stored and bootstrap's peak
RSS (VmHWM); then, per recorded hour, the CPU and wall seconds, the Lambda
cost at 128, 256 and 512 MB, and per format the bytes per recorded hour,
the ratio to WAV and the S3 Standard cost of a year of 10,000 five-minute
calls. Separately, kvs2wav's CPU seconds per format on the 1-hour capture
(the encoding without the network).

Everything runs on this machine: the stand-ins' own CPU time (Python serving
GetMedia, moto receiving the uploads) is in the wall time, not in
bootstrap's CPU seconds.

Lambda cost model (stated, not measured on Lambda): Lambda gives a function
CPU in proportion to its memory, one vCPU at 1,769 MB (Lambda Developer
Guide, "Configuring Lambda function memory"), so the CPU work takes at
least cpu_s x 1769 / MB seconds; reading the call takes at least its
capture's bytes at GetMedia's 25 MB/s per session (REFERENCE.md §2); the
duration is the larger of the two (the local wall time is not used: the
stand-ins' own CPU and this shared machine's load are in it). The CPU
seconds are this machine's (x86_64); Graviton's may differ. Price: arm64, $0.0000133334 per GB-second (AWS Lambda
pricing page, US East (N. Virginia), first 7.5 billion GB-seconds a month),
plus $0.20 per million requests (one per record batch: negligible here).
S3 Standard: $0.023 per GB-month (Amazon S3 pricing page, US East (N.
Virginia), first 50 TB a month).

    BUILD_DIR=build python3 bench/bench_pipeline.py [--hours 1,4] [--formats wav,flac,mp3,opus]
"""
import argparse
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests", "integration"))
sys.path.insert(0, os.path.join(ROOT, "tests"))

import helpers  # noqa: E402
from fixtures.make_connect_mkv import FROM, TO, wav_source  # noqa: E402
from recording_env import Bootstrap, Capture, ctr_for, event, record, write_capture  # noqa: E402
from stack.localstack import DEFAULT_BUCKET, LocalStack  # noqa: E402
from stack.runtime_api import RuntimeApiEmulator  # noqa: E402

ARM64_GB_SECOND = 0.0000133334   # USD, see the docstring
S3_STANDARD_GB_MONTH = 0.023     # USD
VCPU_MB = 1769
MEMORY_SIZES = (128, 256, 512)
CALLS, CALL_MINUTES = 10_000, 5


SPEECH = (("en-us", "Hello, I am calling about my parcel. It was supposed to arrive on Monday and it "
                    "still has not come. Could you check where it is, please?"),
          ("en-gb+f3", "Thank you for calling. Let me look that up for you. Your parcel left the depot this "
                       "morning and will be with you before six tonight. Is there anything else?"))


def speech_sources(tmp):
    sources = {}
    for track, (voice, text) in zip((FROM, TO), SPEECH):
        raw, path = os.path.join(tmp, f"{track}-22k.wav"), os.path.join(tmp, f"{track}.wav")
        subprocess.run(["espeak-ng", "-v", voice, "-s", "160", "-w", raw, text], check=True)
        subprocess.run(["sox", raw, "-r", "8000", "-c", "1", "-b", "16", path], check=True)
        sources[track] = wav_source(path)
    return sources


def cpu_seconds(pid):
    """user + system CPU seconds of a live process so far."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def run(st, rt, arn, cap, contact, hours, fmt):
    s3 = st.client("s3")
    for o in s3.list_objects_v2(Bucket=DEFAULT_BUCKET).get("Contents", []):
        s3.delete_object(Bucket=DEFAULT_BUCKET, Key=o["Key"])
    boot = Bootstrap(st, rt, KVS_IDLE_TIMEOUT_MS=3000, AWS_LAMBDA_LOG_FORMAT="JSON", OUTPUT_FORMAT=fmt)
    try:
        time.sleep(0.2)  # let it reach GET /next: the start is not the invocation's CPU
        cpu0 = cpu_seconds(boot.proc.pid)
        t0 = time.monotonic()
        answer = boot.invoke(event(record(ctr_for(cap, arn, contact), 1)), timeout_ms=900000, timeout=1800)
        wall = time.monotonic() - t0
        cpu = cpu_seconds(boot.proc.pid) - cpu0
        rss = helpers.peak_rss_kb(boot.proc.pid)
    finally:
        log = boot.stop()
    stored = [l for l in boot.lines(log) if l.get("message") == "recording stored"]
    if answer["kind"] != "response" or not stored:
        raise SystemExit(f"{hours} h {fmt}: the invocation failed: {answer['body'][:500]!r}\n{log[-3000:]}")
    objs = s3.list_objects_v2(Bucket=DEFAULT_BUCKET).get("Contents", [])
    return {"hours": hours, "format": fmt, "wall_s": wall, "cpu_s": cpu, "objects": len(objs),
            "bytes": sum(o["Size"] for o in objs), "peak_rss_mb": rss / 1024,
            "audio_s": stored[0]["fromCustomerSeconds"]}


def kvs2wav_cpu(path, fmt, tmp):
    out = os.path.join(tmp, f"kvs2wav-{fmt}")
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run([helpers.program("kvs2wav"), "--out-dir", out, "--format", fmt, path],
                   check=True, stdout=subprocess.DEVNULL)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    shutil.rmtree(out, ignore_errors=True)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


GET_MEDIA_BYTES_PER_S = 25e6


def lambda_cost(r, mb):
    """(USD, seconds) per recorded hour at mb MB."""
    per_hour = 3600 / r["audio_s"]
    duration = max(r["capture_bytes"] / GET_MEDIA_BYTES_PER_S, r["cpu_s"] * VCPU_MB / mb) * per_hour
    return duration * mb / 1024 * ARM64_GB_SECOND, duration


def report(rows, encode_cpu):
    print("\n| call | format | stored | CPU s / rec. h | wall s / rec. h (local) | peak RSS |"
          " Lambda $ / rec. h at 128 / 256 / 512 MB | a 4-hour call takes at 128 / 256 / 512 / 1024 / 1536 MB |")
    print("|---|---|---|---|---|---|---|---|")
    for r in rows:
        h = r["audio_s"] / 3600
        costs = " / ".join(f"{lambda_cost(r, mb)[0]:.5f}" for mb in MEMORY_SIZES)
        four = " / ".join(f"{4 * lambda_cost(r, mb)[1]:.0f}" for mb in (128, 256, 512, 1024, 1536))
        print(f"| {r['hours']} h | {r['format']} | {r['bytes'] / 1e6:.1f} MB | {r['cpu_s'] / h:.2f} |"
              f" {r['wall_s'] / h:.1f} | {r['peak_rss_mb']:.1f} MB | {costs} | {four} s |")
    one = [r for r in rows if r["hours"] == min(x["hours"] for x in rows)]
    wav = next((r for r in one if r["format"] == "wav"), None)
    print("\n| format | bytes per recorded hour (3 files) | ratio to WAV | kvs2wav CPU s / rec. h |"
          f" S3 Standard $ / year, {CALLS:,} {CALL_MINUTES}-min calls |")
    print("|---|---|---|---|---|")
    for r in one:
        h = r["audio_s"] / 3600
        per_hour = r["bytes"] / h
        gb_year = per_hour * CALLS * CALL_MINUTES / 60 / 1e9
        ratio = f"{per_hour / (wav['bytes'] / (wav['audio_s'] / 3600)):.3f}" if wav else "-"
        enc = f"{encode_cpu[r['format']]:.2f}" if r["format"] in encode_cpu else "-"
        print(f"| {r['format']} | {per_hour / 1e6:.1f} MB | {ratio} | {enc} |"
              f" {gb_year * S3_STANDARD_GB_MONTH * 12:.2f} ({gb_year:.1f} GB) |")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--hours", default="1,4")
    ap.add_argument("--formats", default="wav,flac,mp3,opus")
    args = ap.parse_args()
    helpers.program("bootstrap")
    formats = args.formats.split(",")
    tmp = tempfile.mkdtemp(prefix="bench-pipeline-")
    rows, encode_cpu = [], {}
    try:
        for hours in (int(x) for x in args.hours.split(",")):
            contact = f"bench-{hours}h"
            cap = Capture(seed=hours, sources=speech_sources(tmp))
            cap.add_contact(contact, seconds=hours * 3600)
            path = write_capture(cap, tmp, contact)
            print(f"pipeline {hours} h call: capture {os.path.getsize(path) / 1e6:.0f} MB", flush=True)
            if not encode_cpu:
                encode_cpu = {fmt: kvs2wav_cpu(path, fmt, tmp) / hours for fmt in formats}
            with LocalStack() as st, RuntimeApiEmulator() as rt:
                arn = st.add_media(f"stream-{contact}", path, chunk_bytes=256 * 1024)["StreamARN"]
                for fmt in formats:
                    r = run(st, rt, arn, cap, contact, hours, fmt)
                    r["capture_bytes"] = os.path.getsize(path)
                    rows.append(r)
                    print(f"pipeline {hours} h {fmt}: end-to-end {r['wall_s']:.1f} s, bootstrap CPU {r['cpu_s']:.2f} s, "
                          f"stored {r['bytes'] / 1e6:.1f} MB in {r['objects']} objects, audio {r['audio_s']:.0f} s/track, "
                          f"bootstrap peak RSS {r['peak_rss_mb']:.1f} MB", flush=True)
            os.unlink(path)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    report(rows, encode_cpu)


if __name__ == "__main__":
    main()

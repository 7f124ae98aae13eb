#!/usr/bin/env python3
"""End-to-end benchmark of the Voice Connector recorder through the local stack.

For an N-hour two-leg call (synthetic 8 kHz Voice Connector legs, the other
leg 1.755 s later), serves both legs from the KVS stand-in, invokes
build/bootstrap (ChimeVoiceConnectorRecorder) with the two ENDED events, and
reports the wall time of the recording invocation, bootstrap's peak RSS
(VmHWM), the most the work directory (/tmp in Lambda) held, polled every
50 ms, and the stereo WAV's size; then chime2wav on the same captures,
offline, for the C side alone. The stand-ins' CPU (Python serving GetMedia,
moto receiving the upload) is part of the wall time.

    BUILD_DIR=build python3 bench/bench_chime.py [--hours 1,4]
"""
import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests", "integration"))
sys.path.insert(0, os.path.join(ROOT, "tests"))

import helpers  # noqa: E402
from chime_env import PREFIX, Leg, chime_env, create_tables  # noqa: E402
from fixtures.make_chime_mkv import ChimeLeg  # noqa: E402
from recording_env import DEFAULT_BUCKET, Bootstrap  # noqa: E402
from stack.localstack import LocalStack  # noqa: E402
from stack.runtime_api import RuntimeApiEmulator  # noqa: E402

T0 = 1_767_225_600_000


def dir_bytes(path):
    total = 0
    for name in os.listdir(path) if os.path.isdir(path) else []:
        try:
            total += os.path.getsize(os.path.join(path, name))
        except OSError:
            pass
    return total


class PeakDir(threading.Thread):
    def __init__(self, path):
        super().__init__(daemon=True)
        self.path, self.peak, self.stop = path, 0, threading.Event()

    def run(self):
        while not self.stop.wait(0.05):
            self.peak = max(self.peak, dir_bytes(self.path))


def run(hours, tmp):
    seconds = hours * 3600
    caps = []
    for seed, start, name in ((1, T0, ""), (2, T0 + 1755, "AUDIO")):
        leg = ChimeLeg(start_ms=start, seed=seed, track_name=name)
        leg.add_call("tx-bench", "call-bench", seconds)
        caps.append(leg)
    with LocalStack() as st, RuntimeApiEmulator() as rt:
        create_tables(st)
        a = Leg(st, tmp, f"a{hours}", caps[0], "tx-bench", True, chunk_bytes=256 * 1024)
        b = Leg(st, tmp, f"b{hours}", caps[1], "tx-bench", False, chunk_bytes=256 * 1024)
        size = os.path.getsize(a.path) + os.path.getsize(b.path)
        work = os.path.join(tmp, "work")
        boot = Bootstrap(st, rt, **chime_env(work, KVS_IDLE_TIMEOUT_MS="3000"))
        watch = PeakDir(work)
        watch.start()
        try:
            first = boot.invoke(a.event("ENDED", "call-bench"), timeout_ms=900000, timeout=1800)
            t0 = time.monotonic()
            answer = boot.invoke(b.event("ENDED", "call-bench"), timeout_ms=900000, timeout=1800)
            wall = time.monotonic() - t0
            rss = helpers.peak_rss_kb(boot.proc.pid)
        finally:
            watch.stop.set()
            log = boot.stop()
        if answer["kind"] != "response" or b'"recorded"' not in answer["body"] or first["kind"] != "response":
            raise SystemExit(f"{hours} h: the invocation failed: {answer['body'][:500]!r}\n{log[-3000:]}")
        head = st.client("s3").head_object(Bucket=DEFAULT_BUCKET, Key=f"{PREFIX}/call-bench.wav")
        out = os.path.join(tmp, "offline.wav")
        t1 = time.monotonic()
        subprocess.run([helpers.program("chime2wav"), "--transaction-id", "tx-bench", out, a.path, b.path],
                       check=True, capture_output=True)
        offline = time.monotonic() - t1
        os.unlink(out)
        for p in (a.path, b.path):
            os.unlink(p)
    return {"hours": hours, "captures_mb": size / 1e6, "wall_s": wall, "peak_rss_mb": rss / 1024,
            "tmp_peak_mb": watch.peak / 1e6, "wav_mb": head["ContentLength"] / 1e6, "offline_s": offline}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--hours", default="1")
    args = ap.parse_args()
    helpers.program("bootstrap")
    tmp = tempfile.mkdtemp(prefix="bench-chime-")
    rows = []
    try:
        for h in (int(x) for x in args.hours.split(",")):
            r = run(h, tmp)
            rows.append(r)
            print(f"chime {r['hours']} h call: two legs {r['captures_mb']:.0f} MB, recording invocation "
                  f"{r['wall_s']:.1f} s, stereo WAV {r['wav_mb']:.0f} MB, bootstrap peak RSS {r['peak_rss_mb']:.1f} MB, "
                  f"work dir peak {r['tmp_peak_mb']:.0f} MB; chime2wav offline {r['offline_s']:.2f} s", flush=True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    if len(rows) >= 2:
        a, b = rows[0], rows[-1]
        print(f"chime growth {a['hours']} h -> {b['hours']} h: time x{b['wall_s'] / a['wall_s']:.2f}, "
              f"peak RSS x{b['peak_rss_mb'] / a['peak_rss_mb']:.2f}, work dir x{b['tmp_peak_mb'] / a['tmp_peak_mb']:.2f}")


if __name__ == "__main__":
    main()

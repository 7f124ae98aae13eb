#!/usr/bin/env python3
"""Cold start of bootstrap: process exec to its first GET /runtime/invocation/next,
and the first invocation's latency, for the dynamic development build and the
deployment artifact (x86_64 natively, arm64 under qemu-aarch64-static).

Per run: a fresh process with _HANDLER=echo (what the runtime loop costs, no
AWS calls) against a minimal Runtime API on 127.0.0.1 written for measuring
(single thread, raw sockets; the test emulator's threads would add their own
latency):

  cold start   = perf_counter before posix_spawn -> the complete GET /next request
  first invoke = the event's last byte sent -> the complete POST .../response
  peak RSS     = VmHWM of the process once it asks for the second invocation

Medians of BENCH_RUNS runs (default 25, at least 20) with p10/p90; variants are
interleaved run by run so that machine load hits them alike. Also the
artifact's size and zipped size (zip -9, what SAM uploads).

Environment: BUILD_DIR (the dynamic build; default build), BENCH_RUNS,
BENCH_ARCHES (default "x86_64 arm64"), BENCH_OUT (artifacts go to
BENCH_OUT/ARCH; default build-art-bench), BENCH_BASELINE (optional: a
native artifact built from another commit, measured side by side as
"baseline", e.g. to see what a change of the static libraries costs). Building the arm64 artifact the first
time builds its dependencies (scripts/build-deps, a few minutes; cached).
Under qemu the times and the RSS are qemu's (a JIT translating arm64 code):
they show that the artifact runs, not what Lambda's Graviton would measure.
"""
import json
import os
import select
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
import zipfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RUNS = max(20, int(os.environ.get("BENCH_RUNS", "25")))
ARCHES = os.environ.get("BENCH_ARCHES", "x86_64 arm64").split()
OUT = os.path.join(ROOT, os.environ.get("BENCH_OUT", "build-art-bench"))
STEP_TIMEOUT = 30.0  # seconds for any one step of a run
EVENT = json.dumps({"Records": [{"kinesis": {"data": "eyJhIjoxfQ=="}}], "bench": True}).encode()


class RunFailed(Exception):
    pass


def read_request(conn, deadline):
    """Reads one HTTP/1.1 request (headers + Content-Length body); returns (line, body)."""
    data = b""
    while b"\r\n\r\n" not in data:
        data += recv_some(conn, deadline)
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    length = 0
    for h in lines[1:]:
        name, _, value = h.partition(":")
        if name.strip().lower() == "content-length":
            length = int(value.strip())
    while len(body) < length:
        body += recv_some(conn, deadline)
    return lines[0], body


def recv_some(conn, deadline):
    left = deadline - time.monotonic()
    if left <= 0:
        raise RunFailed("timed out waiting for the runtime")
    r, _, _ = select.select([conn], [], [], left)
    if not r:
        raise RunFailed("timed out waiting for the runtime")
    chunk = conn.recv(65536)
    if not chunk:
        raise RunFailed("the runtime closed the connection")
    return chunk


def accept(listener, deadline, proc_pid):
    left = deadline - time.monotonic()
    r, _, _ = select.select([listener], [], [], max(0.0, left))
    if not r:
        raise RunFailed(f"pid {proc_pid} never connected")
    conn, _ = listener.accept()
    conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return conn


def vm_hwm_kb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return 0


def one_run(argv):
    """Returns (cold start ms, first invocation ms, peak RSS kB) of one fresh process."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(4)
    port = listener.getsockname()[1]
    env = {"AWS_LAMBDA_RUNTIME_API": f"127.0.0.1:{port}", "_HANDLER": "echo",
           "AWS_LAMBDA_LOG_FORMAT": "TEXT", "AWS_LAMBDA_LOG_LEVEL": "ERROR", "PATH": "/usr/bin:/bin"}
    devnull = os.open(os.devnull, os.O_WRONLY)
    pid = None
    conn = None
    try:
        t0 = time.perf_counter_ns()
        pid = os.posix_spawn(argv[0], argv, env,
                             file_actions=[(os.POSIX_SPAWN_DUP2, devnull, 1), (os.POSIX_SPAWN_DUP2, devnull, 2)])
        deadline = time.monotonic() + STEP_TIMEOUT
        conn = accept(listener, deadline, pid)
        line, _ = read_request(conn, deadline)
        t_next = time.perf_counter_ns()
        if not line.startswith("GET /2018-06-01/runtime/invocation/next"):
            raise RunFailed(f"first request was {line!r}")
        head = (f"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {len(EVENT)}\r\n"
                "Lambda-Runtime-Aws-Request-Id: bench-1\r\n"
                f"Lambda-Runtime-Deadline-Ms: {int(time.time() * 1000) + 30000}\r\n"
                "Lambda-Runtime-Invoked-Function-Arn: arn:aws:lambda:us-east-1:123456789012:function:bench\r\n"
                "Lambda-Runtime-Trace-Id: Root=1-00000000-000000000000000000000000;Sampled=0\r\n\r\n").encode()
        conn.sendall(head + EVENT)
        t_sent = time.perf_counter_ns()
        deadline = time.monotonic() + STEP_TIMEOUT
        line, body = read_request(conn, deadline)
        t_resp = time.perf_counter_ns()
        if not line.startswith("POST /2018-06-01/runtime/invocation/bench-1/response"):
            raise RunFailed(f"expected the response, got {line!r}")
        if json.loads(body) != json.loads(EVENT):
            raise RunFailed("the echo handler did not echo the event")
        conn.sendall(b"HTTP/1.1 202 Accepted\r\nContent-Type: application/json\r\nContent-Length: 16\r\n\r\n"
                     b'{"status":"OK"}\n')
        line, _ = read_request(conn, time.monotonic() + STEP_TIMEOUT)  # the second /next: idle now
        rss = vm_hwm_kb(pid)
        return (t_next - t0) / 1e6, (t_resp - t_sent) / 1e6, rss
    finally:
        if conn:
            conn.close()
        listener.close()
        os.close(devnull)
        if pid:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            os.waitpid(pid, 0)


def build_artifact(arch):
    dest = os.path.join(OUT, arch)
    os.makedirs(dest, exist_ok=True)
    t0 = time.monotonic()
    proc = subprocess.run(["make", "--no-print-directory", "build-ProcessKvsRecording", f"ARCH={arch}",
                           f"ARTIFACTS_DIR={dest}"], cwd=ROOT, capture_output=True, text=True, timeout=3600)
    if proc.returncode != 0:
        sys.stdout.write(proc.stdout[-3000:] + proc.stderr[-3000:])
        raise RuntimeError(f"building the {arch} artifact failed")
    print(f"  built the {arch} artifact in {time.monotonic() - t0:.1f} s")
    return os.path.join(dest, "bootstrap")


def zipped_size(path):
    zpath = path + ".zip"
    with zipfile.ZipFile(zpath, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        z.write(path, "bootstrap")
    return os.path.getsize(zpath)


def pct(values, p):
    values = sorted(values)
    k = (len(values) - 1) * p
    lo = int(k)
    hi = min(lo + 1, len(values) - 1)
    return values[lo] + (values[hi] - values[lo]) * (k - lo)


def main():
    variants = []  # (label, argv, artifact path or None)
    dyn = os.path.join(ROOT, os.environ.get("BUILD_DIR", "build"), "bootstrap")
    if os.path.exists(dyn):
        variants.append(("dynamic (Debian shared libs)", [dyn], None))
    else:
        print(f"  no dynamic build at {dyn}: run make first; skipping it")
    baseline = os.environ.get("BENCH_BASELINE")
    if baseline:
        variants.append(("baseline (BENCH_BASELINE)", [baseline], baseline))
    qemu = shutil.which("qemu-aarch64-static")
    for arch in ARCHES:
        host = os.uname().machine
        native = (arch == host) or (arch == "arm64" and host == "aarch64")
        if not native and not qemu:
            print(f"  {arch}: qemu-aarch64-static not installed (scripts/setup); skipping")
            continue
        try:
            art = build_artifact(arch)
        except (RuntimeError, subprocess.TimeoutExpired) as e:
            print(f"  {arch}: {e}; skipping")
            continue
        argv = [art] if native else [qemu, art]
        label = f"artifact {arch}" + ("" if native else " (qemu)")
        variants.append((label, argv, art))
    if not variants:
        print("nothing to measure")
        return 1

    results = {label: [] for label, _, _ in variants}
    failures = {label: 0 for label, _, _ in variants}
    for argv_label in variants:  # warm the page cache once per variant
        try:
            one_run(argv_label[1])
        except RunFailed:
            pass
    for _ in range(RUNS):
        for label, argv, _ in variants:
            try:
                results[label].append(one_run(argv))
            except RunFailed as e:
                failures[label] += 1
                if failures[label] > RUNS // 4:
                    print(f"  {label}: too many failed runs ({e})")
                    return 1

    print(f"\ncold start = exec to first GET /next; first invocation = event sent to response received;"
          f" median [p10-p90] of {RUNS} runs, _HANDLER=echo")
    print(f"{'variant':34} {'cold start ms':>22} {'first invoke ms':>22} {'peak RSS kB':>12}")
    summary = {}
    for label, _, art in variants:
        rows = results[label]
        cold = [r[0] for r in rows]
        first = [r[1] for r in rows]
        rss = [r[2] for r in rows]
        print(f"{label:34} {statistics.median(cold):8.2f} [{pct(cold, .1):5.2f}-{pct(cold, .9):5.2f}]"
              f" {statistics.median(first):8.2f} [{pct(first, .1):5.2f}-{pct(first, .9):5.2f}]"
              f" {int(statistics.median(rss)):12d}")
        summary[label] = {"cold_start_ms": statistics.median(cold), "first_invoke_ms": statistics.median(first),
                          "peak_rss_kb": int(statistics.median(rss)), "runs": len(rows)}
        if art:
            size = os.path.getsize(art)
            zsize = zipped_size(art)
            summary[label].update(size=size, zip_size=zsize)
            print(f"{'':34} bootstrap {size / 1e6:.2f} MB, zipped {zsize / 1e6:.2f} MB")
    os.makedirs(OUT, exist_ok=True)
    with open(os.path.join(OUT, "bench_cold_start.json"), "w") as f:
        json.dump(summary, f, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())

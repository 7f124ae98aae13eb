"""The runtime loop (bootstrap) driven through the Runtime API emulator."""
import json
import os
import shutil
import subprocess
import tempfile
import time
import unittest
import urllib.error
import urllib.request

import helpers
from stack.runtime_api import RuntimeApiEmulator


def start_bootstrap(rt, handler="echo", extra_env=None, wrapper=None, log_path=None):
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "AWS_LAMBDA_RUNTIME_API": rt.address,
        "_HANDLER": handler,
        "AWS_LAMBDA_LOG_FORMAT": "JSON",
        "AWS_LAMBDA_LOG_LEVEL": "INFO",
    }
    for k in ("ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS"):
        if k in os.environ:
            env[k] = os.environ[k]
    env.update(extra_env or {})
    out = open(log_path, "wb") if log_path else subprocess.DEVNULL
    cmd = (wrapper or []) + [helpers.program("bootstrap")]
    proc = subprocess.Popen(cmd, env=env, stdout=out, stderr=subprocess.PIPE)
    if log_path:
        out.close()
    return proc


def stop(rt, proc, timeout=60):
    """Makes /next fail so the runtime gives up after its bounded retries."""
    rt.next_fails = True
    try:
        _, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        _, err = proc.communicate()
        raise AssertionError("bootstrap did not exit after /next kept failing")
    return proc.returncode, err.decode(errors="replace")


class RuntimeLoopTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp()
        self.rt = RuntimeApiEmulator().start()

    def tearDown(self):
        self.rt.stop()
        shutil.rmtree(self.tmp, ignore_errors=True)

    def log_lines(self, path):
        with open(path, "rb") as f:
            return [json.loads(line) for line in f.read().splitlines() if line.strip()]

    def test_success_returns_event_and_logs_one_json_line_per_invocation(self):
        log = os.path.join(self.tmp, "out.log")
        proc = start_bootstrap(self.rt, log_path=log)
        try:
            events = [{"n": i, "text": "héllo"} for i in range(3)]
            ids = [self.rt.invoke(e, timeout_ms=5000, trace_id=f"Root=1-abc-{i}") for i, e in enumerate(events)]
            for rid, event in zip(ids, events):
                answer = self.rt.wait(rid, timeout=10)
                self.assertEqual(answer["kind"], "response")
                self.assertEqual(json.loads(answer["body"]), event)
                self.assertFalse(answer["late"])
        finally:
            rc, _ = stop(self.rt, proc)
        self.assertNotEqual(rc, 0)  # gave up on /next, as Lambda expects
        echo = [l for l in self.log_lines(log) if l.get("message") == "echo"]
        self.assertEqual([l["requestId"] for l in echo], ids)
        self.assertEqual([l["traceId"] for l in echo], [f"Root=1-abc-{i}" for i in range(3)])
        for line in echo:
            self.assertEqual(line["level"], "INFO")
            self.assertIn("timestamp", line)
            self.assertGreater(line["deadlineMs"], int(time.time() * 1000) - 60000)

    def test_handler_error_is_posted_with_type_header_and_body(self):
        proc = start_bootstrap(self.rt)
        try:
            answer = self.rt.invoke_and_wait(b"this is not json", timeout=10)
            ok = self.rt.invoke_and_wait({"still": "alive"}, timeout=10)
        finally:
            stop(self.rt, proc)
        self.assertEqual(answer["kind"], "error")
        self.assertEqual(answer["error_type"], "InvalidEvent")
        body = json.loads(answer["body"])
        self.assertEqual(body["errorType"], "InvalidEvent")
        self.assertIn("not JSON", body["errorMessage"])
        self.assertEqual(body["stackTrace"], [])
        self.assertEqual(ok["kind"], "response")  # one bad event does not end the loop

    def test_unknown_handler_is_an_init_error_and_the_process_exits(self):
        proc = start_bootstrap(self.rt, handler="NoSuchHandler")
        rc = proc.wait(timeout=10)
        self.assertNotEqual(rc, 0)
        err = self.rt.wait_init_error()
        self.assertEqual(err["error_type"], "Runtime.UnknownHandler")
        body = json.loads(err["body"])
        self.assertIn("NoSuchHandler", body["errorMessage"])
        self.assertEqual(body["stackTrace"], [])
        self.assertEqual(self.rt.next_calls, 0)

    def test_missing_runtime_api_exits_non_zero(self):
        env = {"PATH": "/usr/bin:/bin", "_HANDLER": "echo"}
        proc = subprocess.run([helpers.program("bootstrap")], env=env, capture_output=True, timeout=10)
        self.assertNotEqual(proc.returncode, 0)
        self.assertIn(b"AWS_LAMBDA_RUNTIME_API", proc.stdout)

    def test_failed_next_is_retried_a_bounded_number_of_times(self):
        self.rt.next_fails = True
        t0 = time.monotonic()
        proc = start_bootstrap(self.rt)
        rc = proc.wait(timeout=30)
        self.assertNotEqual(rc, 0)
        self.assertEqual(self.rt.next_calls, 5)
        self.assertGreater(time.monotonic() - t0, 1.0)  # backed off: 100+200+400+800 ms

    def test_response_over_6mb_is_refused_and_reported_as_an_error(self):
        proc = start_bootstrap(self.rt)
        try:
            big = {"blob": "x" * (6 * 1024 * 1024 + 10)}
            answer = self.rt.invoke_and_wait(json.dumps(big), timeout=20)
            ok = self.rt.invoke_and_wait({"still": "alive"}, timeout=10)
        finally:
            stop(self.rt, proc)
        # The runtime refuses it itself, before posting: the emulator's own 413
        # (Function.ResponseSizeTooLarge) would also be "an error".
        self.assertEqual(answer["kind"], "error")
        self.assertEqual(answer["error_type"], "ResponseTooLarge")
        body = json.loads(answer["body"])
        self.assertEqual(body["errorType"], "ResponseTooLarge")
        self.assertEqual(ok["kind"], "response")

    def test_warm_invocations_keep_rss_flat(self):
        if helpers.is_sanitized(helpers.program("bootstrap")):
            self.skipTest(helpers.sanitizer_skip("ASan's quarantine holds freed memory; RSS is measured on the plain build"))
        proc = start_bootstrap(self.rt)
        try:
            event = {"Records": [{"data": "x" * 2000}]}
            samples = {}
            for i in range(1, 1001):
                answer = self.rt.invoke_and_wait(event, timeout=10)
                self.assertEqual(answer["kind"], "response")
                if i in (100, 1000):
                    samples[i] = helpers.rss_kb(proc.pid)
        finally:
            stop(self.rt, proc)
        growth = samples[1000] - samples[100]
        self.assertLess(growth, 256, f"RSS grew {growth} kB over 900 warm invocations: {samples}")

    def test_warm_invocations_do_not_leak(self):
        exe = helpers.program("bootstrap")
        if helpers.is_sanitized(exe):
            wrapper = None
            extra = {"ASAN_OPTIONS": "detect_leaks=1", "LSAN_OPTIONS": "exitcode=23"}
        else:
            if not shutil.which("valgrind"):
                self.skipTest("valgrind not installed")
            wrapper = ["valgrind", "--leak-check=full", "--show-leak-kinds=definite,indirect",
                       "--errors-for-leak-kinds=definite,indirect", "--error-exitcode=23", "-q"]
            extra = {}
        proc = start_bootstrap(self.rt, wrapper=wrapper, extra_env=extra)
        try:
            for i in range(1000):
                event = {"i": i} if i % 10 else "not json"  # errors too
                answer = self.rt.invoke_and_wait(event, timeout=30)
                self.assertIn(answer["kind"], ("response", "error"))
        finally:
            rc, err = stop(self.rt, proc, timeout=120)
        self.assertEqual(rc, 1, err[-3000:])
        self.assertNotIn("LeakSanitizer", err)
        self.assertNotIn("definitely lost", err)


class EmulatorContractTest(unittest.TestCase):
    """The emulator behaves like the real Runtime API where tests rely on it."""

    def test_unknown_request_id_is_400(self):
        with RuntimeApiEmulator() as rt:
            req = urllib.request.Request(f"http://{rt.address}/2018-06-01/runtime/invocation/nope/response",
                                         data=b"{}", method="POST")
            with self.assertRaises(urllib.error.HTTPError) as cm:
                urllib.request.urlopen(req, timeout=5)
            self.assertEqual(cm.exception.code, 400)

    def test_response_over_6mb_is_413_and_deadline_is_honest(self):
        with RuntimeApiEmulator() as rt:
            rid = rt.invoke({"a": 1}, timeout_ms=4000)
            t_ms = int(time.time() * 1000)
            with urllib.request.urlopen(f"http://{rt.address}/2018-06-01/runtime/invocation/next", timeout=5) as r:
                self.assertEqual(r.headers["Lambda-Runtime-Aws-Request-Id"], rid)
                deadline = int(r.headers["Lambda-Runtime-Deadline-Ms"])
                self.assertTrue(r.headers["Lambda-Runtime-Invoked-Function-Arn"].startswith("arn:aws:lambda:"))
                self.assertIn("Root=", r.headers["Lambda-Runtime-Trace-Id"])
            self.assertAlmostEqual(deadline - t_ms, 4000, delta=500)
            req = urllib.request.Request(f"http://{rt.address}/2018-06-01/runtime/invocation/{rid}/response",
                                         data=b"x" * (6 * 1024 * 1024 + 1), method="POST")
            with self.assertRaises(urllib.error.HTTPError) as cm:
                urllib.request.urlopen(req, timeout=10)
            self.assertEqual(cm.exception.code, 413)


if __name__ == "__main__":
    unittest.main()

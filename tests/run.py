#!/usr/bin/env python3
"""Runs every test and ends with one line: "N passed, N failed".

1. Each C unit test binary in $BUILD_DIR/tests/ (cmocka, TAP output).
2. Every Python unittest module under tests/integration/ (the ones that need
   servers: they start and stop their own local stack).

Exit status is 0 only when nothing failed and at least one test ran.
Usage: python3 tests/run.py [-k SUBSTRING]   (filters Python test ids and C binaries)
"""
import argparse
import os
import re
import subprocess
import sys
import time
import unittest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests", "integration"))
from helpers import SKIP_NO_SHARED, SKIP_SANITIZER  # noqa: E402

ALLOWED_SKIPS = (SKIP_NO_SHARED, SKIP_SANITIZER)


def run_c_tests(build_dir, pattern):
    passed = failed = 0
    test_dir = os.path.join(ROOT, build_dir, "tests")
    if not os.path.isdir(test_dir):
        print(f"no unit tests built in {test_dir}")
        return 0, 1
    env = dict(os.environ, CMOCKA_MESSAGE_OUTPUT="TAP")
    env.setdefault("ASAN_OPTIONS", "detect_leaks=1:abort_on_error=0")
    env.setdefault("UBSAN_OPTIONS", "print_stacktrace=1:halt_on_error=1")
    for name in sorted(os.listdir(test_dir)):
        path = os.path.join(test_dir, name)
        if not name.startswith("test_") or not os.access(path, os.X_OK):
            continue
        if pattern and pattern not in name:
            continue
        t0 = time.monotonic()
        proc = subprocess.run([path], cwd=ROOT, env=env, capture_output=True, text=True,
                              timeout=900)
        ok = len(re.findall(r"^ok \d+", proc.stdout, re.M))
        bad = len(re.findall(r"^not ok \d+", proc.stdout, re.M))
        if proc.returncode != 0 and bad == 0:
            bad = 1  # crashed, sanitizer report, or leak: count the binary as failed
        passed += ok
        failed += bad
        status = "ok" if bad == 0 else "FAILED"
        print(f"[{status}] {name}: {ok} passed, {bad} failed ({time.monotonic() - t0:.1f}s)")
        if bad:
            sys.stdout.write(proc.stdout[-6000:])
            sys.stdout.write(proc.stderr[-6000:])
        sys.stdout.flush()
    return passed, failed


def run_py_tests(pattern, directory):
    loader = unittest.TestLoader()
    if pattern:
        loader.testNamePatterns = [f"*{pattern}*"]
    suite = loader.discover(directory, pattern="test_*.py", top_level_dir=directory)
    result = unittest.TextTestRunner(verbosity=2, stream=sys.stdout).run(suite)
    bad = len(result.failures) + len(result.errors) + len(result.unexpectedSuccesses)
    # A skipped class or module is reported once, without counting as a test run.
    skipped_run = sum(1 for test, _ in result.skipped if isinstance(test, unittest.TestCase))
    # A suite that must run and did not is a failure: only a missing ../shared
    # and the sanitizer run's deliberate omissions are accepted reasons
    # (tests/integration/helpers.py). A broken import or a missing tool that
    # scripts/setup installs would otherwise pass as a quiet skip.
    wrong = [(t, why) for t, why in result.skipped if not why.startswith(ALLOWED_SKIPS)]
    for t, why in wrong:
        print(f"FAIL: skipped for a reason that is not allowed: {t}: {why}")
    return max(0, result.testsRun - bad - skipped_run), bad + len(wrong), len(result.skipped) - len(wrong)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("-k", default="", help="only tests whose name contains this")
    ap.add_argument("--c-only", action="store_true")
    ap.add_argument("--py-only", action="store_true")
    ap.add_argument("--py-dir", default=os.path.join(ROOT, "tests", "integration"),
                    help="where the Python tests are (tests of this runner use another)")
    args = ap.parse_args()
    build_dir = os.environ.get("BUILD_DIR", "build")
    passed = failed = skipped = 0
    if not args.py_only:
        p, f = run_c_tests(build_dir, args.k)
        passed += p
        failed += f
    if not args.c_only:
        p, f, s = run_py_tests(args.k, args.py_dir)
        passed += p
        failed += f
        skipped += s
    print(f"{passed} passed, {failed} failed, {skipped} skipped")
    sys.exit(0 if failed == 0 and passed > 0 else 1)


if __name__ == "__main__":
    main()

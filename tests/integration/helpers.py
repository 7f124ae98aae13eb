"""Shared bits for the integration tests: paths, the build directory, and
running a built program with a bounded wait."""
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TESTS = os.path.join(ROOT, "tests")
if TESTS not in sys.path:
    sys.path.insert(0, TESTS)

BUILD_DIR = os.path.join(ROOT, os.environ.get("BUILD_DIR", "build"))

# The only reasons a test may be skipped (tests/run.py fails on any other):
# ../shared is not beside the checkout (the project must build and run
# without it), or the test is deliberately not repeated in the sanitizer
# build (RSS measurements, the static artifact).
SKIP_NO_SHARED = "needs ../shared"
SKIP_SANITIZER = "sanitizer build"


def sanitizer_skip(why):
    """A skip reason tests/run.py accepts for the sanitizer run."""
    return f"{SKIP_SANITIZER}: {why}"
SHARED = os.path.join(os.path.dirname(ROOT), "shared")
TESTDATA = os.path.join(SHARED, "testdata")


def program(name):
    """Path of a built program (bootstrap, a tool, or a test driver)."""
    for sub in ("", "drivers"):
        path = os.path.join(BUILD_DIR, sub, name)
        if os.path.exists(path):
            return path
    raise FileNotFoundError(f"{name} is not built in {BUILD_DIR}; run make first")


def is_sanitized(path):
    """True when the binary was built with AddressSanitizer (SAN=1)."""
    out = subprocess.run(["ldd", path], capture_output=True, text=True).stdout
    return "libasan" in out


def _status_kb(pid, field):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def rss_kb(pid):
    """Resident set size now, kB."""
    return _status_kb(pid, "VmRSS")


def peak_rss_kb(pid):
    """Peak resident set size so far (VmHWM), kB."""
    return _status_kb(pid, "VmHWM")


def run_demo(script, timeout, **env):
    """scripts/<script> (a `make demo*` script) on the build under test, its
    output captured; env adds to the environment. The CompletedProcess."""
    env = dict(os.environ, BUILD_DIR=os.path.relpath(BUILD_DIR, ROOT), **env)
    return subprocess.run([sys.executable, os.path.join(ROOT, "scripts", script)], env=env,
                          capture_output=True, text=True, timeout=timeout)

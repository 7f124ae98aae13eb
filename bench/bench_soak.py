#!/usr/bin/env python3
"""The soak benchmark (README "Proof it holds up"): 2,000 warm invocations of
a mixed batch (good records read both ways, malformed ones, a missing
stream, S3 SlowDown, Connect throttling) in one bootstrap process through
the local stack. Reports wrong answers, RSS (VmRSS) at invocation 100 and
at the end, open file descriptors, and the time per invocation. The
200-invocation version runs in `make test` (tests/integration/test_soak.py).

    BUILD_DIR=build python3 bench/bench_soak.py [--invocations 2000]
"""
import argparse
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests", "integration"))
sys.path.insert(0, os.path.join(ROOT, "tests"))

import helpers  # noqa: E402
from soak import summary, timed_run  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--invocations", type=int, default=2000)
    args = ap.parse_args()
    helpers.program("bootstrap")
    wrong, samples, _, took = timed_run(args.invocations)
    s = summary(samples, min(100, args.invocations))
    print(f"soak: {s['invocations']} invocations in {took:.0f} s ({1000 * took / s['invocations']:.0f} ms each), "
          f"{len(wrong)} wrong answers; RSS {s['rss_first_kb'] / 1024:.2f} MB at 100 -> "
          f"{s['rss_last_kb'] / 1024:.2f} MB at {s['invocations']} (growth {s['rss_growth_kb']} kB); "
          f"open fds {s['fds_first']} -> {s['fds_last']} (max {s['fds_max']})", flush=True)
    for i, got, want in wrong[:5]:
        print(f"  invocation {i}: got {got!r}, wanted {want!r}")
    sys.exit(1 if wrong or s["rss_growth_kb"] >= 1024 or s["fds_last"] > s["fds_first"] else 0)


if __name__ == "__main__":
    main()

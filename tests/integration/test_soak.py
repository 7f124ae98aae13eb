"""The short soak (README "Proof it holds up"): 200 warm invocations of a
mixed batch (good, malformed, permanent and throttled records, S3 faults)
in one bootstrap process: every answer right, no growth in open file
descriptors, and (outside the sanitizer build, whose allocator keeps freed
memory in quarantine) RSS flat from invocation 50 on. The 2,000-invocation
version is bench/bench_soak.py."""
import unittest

import helpers
from soak import summary, timed_run

INVOCATIONS = 200
# glibc moves its mmap threshold up the first time a large block is freed
# (mallopt(3), M_MMAP_THRESHOLD: "dynamic adjustment"), after which RSS steps
# up once by ~1.7 MB at whichever invocation that happens: measured 0 kB in
# some runs and 1,700-2,400 kB in others of the same binary, flat before and
# after the step. A fixed threshold (which turns the adjustment off) leaves
# what this test is for: growth per invocation. The deployed bootstrap is
# linked with musl, whose allocator has no such threshold.
FIXED_MMAP_THRESHOLD = "glibc.malloc.mmap_threshold=131072"


class SoakTest(unittest.TestCase):
    def test_200_warm_invocations_answer_right_without_growing(self):
        wrong, samples, log, took = timed_run(INVOCATIONS, GLIBC_TUNABLES=FIXED_MMAP_THRESHOLD)
        self.assertEqual(wrong, [], log[-3000:])
        s = summary(samples, 50)
        # file descriptors: the same sockets reused, nothing left open per invocation
        self.assertLessEqual(s["fds_max"], s["fds_first"] + 2, s)
        self.assertLessEqual(s["fds_last"], s["fds_first"], s)
        if not helpers.is_sanitized(helpers.program("bootstrap")):
            self.assertLess(s["rss_growth_kb"], 512, s)
        self.assertNotIn('"level":"FATAL"', log)


if __name__ == "__main__":
    unittest.main()

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


class SoakTest(unittest.TestCase):
    def test_200_warm_invocations_answer_right_without_growing(self):
        wrong, samples, log, took = timed_run(INVOCATIONS)
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

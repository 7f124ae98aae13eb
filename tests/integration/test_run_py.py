"""tests/run.py itself: a suite that must run and was skipped is a failure."""
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

import helpers

RUNNER = os.path.join(helpers.ROOT, "tests", "run.py")

MODULE = '''import unittest


class T(unittest.TestCase):
    def test_passes(self):
        pass

    def test_skipped(self):
        self.skipTest({reason!r})
'''


class RunnerSkipRuleTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp()

    def tearDown(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    def run_with_skip(self, reason):
        with open(os.path.join(self.tmp, "test_fake.py"), "w") as f:
            f.write(MODULE.format(reason=reason))
        proc = subprocess.run([sys.executable, RUNNER, "--py-only", "--py-dir", self.tmp],
                              capture_output=True, text=True, timeout=120)
        return proc.returncode, proc.stdout.strip().splitlines()[-1], proc.stdout

    def test_a_skip_for_a_missing_tool_fails_the_run(self):
        rc, last, out = self.run_with_skip("ffmpeg not installed")
        self.assertEqual(rc, 1)
        self.assertEqual(last, "1 passed, 1 failed, 0 skipped")
        self.assertIn("skipped for a reason that is not allowed", out)

    def test_missing_shared_and_sanitizer_skips_are_allowed(self):
        for reason in (helpers.SKIP_NO_SHARED + "/testdata", helpers.sanitizer_skip("RSS")):
            rc, last, _ = self.run_with_skip(reason)
            self.assertEqual(rc, 0, reason)
            self.assertEqual(last, "1 passed, 0 failed, 1 skipped")


if __name__ == "__main__":
    unittest.main()

"""`make demo-pause` works: a contact started, paused, resumed and stopped
through ConnectRecordingControl, then recorded; the script itself checks
that each WAV is silent over the paused span and its margins and nowhere
else, and exits 0 only then."""
import os
import shutil
import tempfile
import unittest

import helpers


class DemoPauseTest(unittest.TestCase):
    def test_the_paused_span_is_silent_in_every_file(self):
        out = tempfile.mkdtemp(prefix="demo-pause-out-")
        try:
            proc = helpers.run_demo("demo_pause.py", 300, DEMO_OUTPUT=out)
            self.assertEqual(proc.returncode, 0, proc.stdout[-4000:] + proc.stderr[-4000:])
            self.assertIn("the paused span is silent in every file", proc.stdout)
            self.assertEqual(len(os.listdir(os.path.join(out, "pause"))), 3)
        finally:
            shutil.rmtree(out, ignore_errors=True)


if __name__ == "__main__":
    unittest.main()

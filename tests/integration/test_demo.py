"""`make demo`, the README's first command, works: both demo contacts are
recorded, their WAVs land in the output folder, the process exits 0."""
import os
import shutil
import tempfile
import unittest
import wave

import helpers


@unittest.skipUnless(shutil.which("espeak-ng") and shutil.which("sox"), "espeak-ng and sox (scripts/setup)")
class DemoTest(unittest.TestCase):
    def test_demo_records_both_contacts(self):
        out = tempfile.mkdtemp(prefix="demo-out-")
        try:
            proc = helpers.run_demo("demo.py", 600, DEMO_OUTPUT=out)
            self.assertEqual(proc.returncode, 0, proc.stdout[-4000:] + proc.stderr[-4000:])
            self.assertIn('function response: {"batchItemFailures":[]}', proc.stdout)
            # the function is stopped (SIGTERM) before its Runtime API goes away: no ERROR line
            errors = [l for l in proc.stdout.splitlines() if "\tERROR\t" in l or "\tFATAL\t" in l]
            self.assertEqual(errors, [])
            self.assertIn("stopping: asked to by a signal", proc.stdout)
            files = sorted(os.listdir(out))
            self.assertEqual(len(files), 6, files)
            for name in files:
                with wave.open(os.path.join(out, name), "rb") as w:
                    self.assertEqual(w.getframerate(), 8000)
                    self.assertGreater(w.getnframes(), 8000 * 4)
                    self.assertEqual(w.getnchannels(), 2 if name.endswith("_mixed.wav") else 1)
        finally:
            shutil.rmtree(out, ignore_errors=True)


if __name__ == "__main__":
    unittest.main()

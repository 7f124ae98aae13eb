"""`make demo-chime` works: the two-leg call is recorded, the stereo WAV and
its JSON land in the output folder with the other leg 1.755 s in, exit 0."""
import json
import os
import shutil
import tempfile
import unittest
import wave

import helpers


@unittest.skipUnless(shutil.which("espeak-ng") and shutil.which("sox"), "espeak-ng and sox (scripts/setup)")
class DemoChimeTest(unittest.TestCase):
    def test_demo_records_the_call_aligned(self):
        out = tempfile.mkdtemp(prefix="demo-chime-out-")
        try:
            proc = helpers.run_demo("demo_chime.py", 300, DEMO_OUTPUT=out)
            self.assertEqual(proc.returncode, 0, proc.stdout[-4000:] + proc.stderr[-4000:])
            files = sorted(os.listdir(out))
            self.assertEqual([os.path.splitext(f)[1] for f in files], [".json", ".wav"])
            with open(os.path.join(out, files[0])) as f:
                meta = json.load(f)
            self.assertEqual([leg["leadSamples"] for leg in meta["legs"]], [0, 14040])
            with wave.open(os.path.join(out, files[1]), "rb") as w:
                self.assertEqual((w.getnchannels(), w.getframerate()), (2, 8000))
                self.assertEqual(w.getnframes(), 14040 + meta["legs"][1]["samples"])
        finally:
            shutil.rmtree(out, ignore_errors=True)


if __name__ == "__main__":
    unittest.main()

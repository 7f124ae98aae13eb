"""`make demo-video` works: the meeting's recording ends AVAILABLE, the
supervisor's summary holds a presigned URL that downloads, the process exits 0."""
import unittest

import helpers


class DemoVideoTest(unittest.TestCase):
    def test_demo_video_takes_a_meeting_to_a_downloaded_recording(self):
        proc = helpers.run_demo("demo_video.py", 300)
        self.assertEqual(proc.returncode, 0, proc.stdout[-4000:] + proc.stderr[-4000:])
        self.assertIn('"recordingsStopped": 1, "recordingsNotStopped": 0', proc.stdout)
        self.assertIn("recording state AVAILABLE", proc.stdout)
        self.assertIn("presigned URL downloads", proc.stdout)


if __name__ == "__main__":
    unittest.main()

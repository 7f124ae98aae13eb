"""events/: the sample events are what scripts/make_events.py writes, so
anyone can regenerate and review them."""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

import helpers

EVENTS = os.path.join(helpers.ROOT, "events")


class EventsTest(unittest.TestCase):
    def test_committed_events_match_their_generator(self):
        tmp = tempfile.mkdtemp()
        try:
            shutil.copytree(os.path.join(helpers.ROOT, "scripts"), os.path.join(tmp, "scripts"))
            os.makedirs(os.path.join(tmp, "events"))
            subprocess.run([sys.executable, os.path.join(tmp, "scripts", "make_events.py")], check=True, timeout=60)
            names = sorted(os.listdir(os.path.join(tmp, "events")))
            self.assertEqual(names, sorted(os.listdir(EVENTS)))
            for name in names:
                with open(os.path.join(tmp, "events", name)) as a, open(os.path.join(EVENTS, name)) as b:
                    self.assertEqual(json.load(a), json.load(b), f"events/{name} is stale: run scripts/make_events.py")
        finally:
            shutil.rmtree(tmp, ignore_errors=True)

    def test_every_record_has_a_sequence_number(self):
        for name in os.listdir(EVENTS):
            if not name.startswith("kinesis-"):  # video-*.json are API and EventBridge events
                continue
            with open(os.path.join(EVENTS, name)) as f:
                ev = json.load(f)
            self.assertTrue(ev["Records"], name)
            for r in ev["Records"]:
                self.assertTrue(r["kinesis"]["sequenceNumber"].isdigit())
                self.assertEqual(r["eventSource"], "aws:kinesis")


if __name__ == "__main__":
    unittest.main()

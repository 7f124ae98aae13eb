"""ProcessKvsRecording with paused spans (issue 14): the CTR's
recordingPausedSpans silenced in every object stored in S3, sample for
sample, the objects' x-amz-meta-redacted-ms and the "recording stored" log
line, and a malformed attribute that silences the whole recording."""
import json
import unittest

import emf
from recording_env import (DEFAULT_BUCKET, FROM, TO, Bootstrap, Capture, ctr_for, event, keys_for, record,
                           s3_wav, write_capture)
from stack_case import StackTestCase

START = 1_700_000_000_000


class PausedRecordingTest(StackTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cap = Capture(seed=21, start_ms=START)
        cap.add_contact("paused-a", seconds=6, to_start_ms=400)
        cap.add_contact("paused-b", seconds=3)
        cls.cap = cap
        cls.arn = cls.st.add_media("connect-paused-stream", write_capture(cap, cls.tmp, "paused"))["StreamARN"]

    def run_contact(self, contact_id, spans_value, seq, **env):
        attrs = {"recordingPausedSpans": spans_value} if spans_value is not None else None
        ev = event(record(ctr_for(self.cap, self.arn, contact_id, attributes=attrs), seq))
        boot = Bootstrap(self.st, self.rt, **env)
        try:
            answer = boot.invoke(ev)
        finally:
            log = boot.stop()
        self.assertEqual(json.loads(answer["body"]), {"batchItemFailures": []}, log[-3000:])
        self.metrics = emf.metric_lines(log)
        return boot.lines(log)

    def assert_objects(self, contact_id, exp, counts):
        keys = keys_for(contact_id)
        for kind, want in ((FROM, exp.tracks[FROM]), (TO, exp.tracks[TO]), ("mixed", exp.mixed)):
            frames, _, _ = s3_wav(self.s3, keys[kind])
            self.assertEqual(frames, want, f"{kind} differs from the rule")
            meta = self.s3.head_object(Bucket=DEFAULT_BUCKET, Key=keys[kind])["Metadata"]
            ms = {FROM: counts.get(FROM, 0) // 8, TO: counts.get(TO, 0) // 8}
            self.assertEqual(meta["redacted-ms"], str(ms[kind] if kind != "mixed" else max(ms.values())))
            self.assertEqual(meta["contact-id"], contact_id)

    def test_closed_and_open_spans_are_silent_in_every_object(self):
        spans = [(START + 1500, START + 2200), (START + 5200, None)]
        lines = self.run_contact("paused-a", f"{START + 1500}-{START + 2200},{START + 5200}-", 1,
                                 PAUSE_MARGIN_MS="300")
        exp = self.cap.expected(contact_id="paused-a")
        counts = self.cap.redact(exp, spans, 300)
        self.assertGreater(counts[FROM], 0)
        self.assert_objects("paused-a", exp, counts)
        stored = [x for x in lines if x.get("message") == "recording stored"]
        self.assertEqual(len(stored), 1)
        self.assertEqual(stored[0]["redactedMs"], max(counts.values()) // 8)
        self.assertTrue(any(x.get("message") == "paused spans will be silenced" for x in lines))
        # the recording's metric line carries the same figure
        self.assertEqual(emf.values(self.metrics, "RedactedMs"), [max(counts.values()) // 8])

    def test_a_contact_without_spans_keeps_every_sample_and_says_0(self):
        self.run_contact("paused-b", None, 2)
        exp = self.cap.expected(contact_id="paused-b")
        self.assert_objects("paused-b", exp, {})
        # RedactedMs only when something was silenced
        self.assertEqual((emf.values(self.metrics, "RecordingsStored"), emf.values(self.metrics, "RedactedMs")),
                         ([1], []))

    def test_a_malformed_attribute_silences_the_whole_recording_and_logs_an_error(self):
        lines = self.run_contact("paused-b", "1700000000000-oops", 3)
        exp = self.cap.expected(contact_id="paused-b")
        counts = self.cap.redact(exp, [], silence_all=True)
        self.assert_objects("paused-b", exp, counts)
        self.assertEqual(set(exp.tracks[FROM]), {0})
        errors = [x for x in lines if x["level"] == "ERROR" and x.get("requestId")]
        self.assertEqual(len(errors), 1, errors)
        self.assertIn("whole recording is silenced", errors[0]["message"])
        self.assertEqual(errors[0]["contactId"], "paused-b")


if __name__ == "__main__":
    unittest.main()

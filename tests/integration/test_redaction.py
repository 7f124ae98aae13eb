"""Paused spans silenced in the recordings (issue 14), offline through
kvs2wav --paused-spans: every output sample (both tracks and the stereo mix)
compared with what the rule, restated in tests/fixtures/make_connect_mkv.py
(Capture.redact), says it must be: span edges inside blocks, margins, an
open span, overlapping spans, jitter, a malformed attribute, implausible
Cluster Timecodes timed by the server timestamp, and fragments with neither
silenced whole."""
import json
import os
import subprocess
import tempfile
import unittest
import wave

import helpers
from fixtures.make_connect_mkv import FROM, TO, Capture

START = 1_700_000_000_000  # the captures' first Cluster Timecode, epoch ms


def read(path):
    with wave.open(path, "rb") as w:
        return w.readframes(w.getnframes())


class RedactionTest(unittest.TestCase):
    def setUp(self):
        self._tmp = tempfile.TemporaryDirectory(prefix="redaction-")
        self.tmp = self._tmp.name

    def tearDown(self):
        self._tmp.cleanup()

    def run_kvs2wav(self, cap, spans_text, margin_ms=None):
        path = os.path.join(self.tmp, "cap.mkv")
        with open(path, "wb") as f:
            cap.write(f)
        out = os.path.join(self.tmp, "out")
        argv = [helpers.program("kvs2wav"), "--out-dir", out, "--paused-spans", spans_text, path]
        if margin_ms is not None:
            argv[1:1] = ["--pause-margin-ms", str(margin_ms)]
        proc = subprocess.run(argv, capture_output=True, timeout=60)
        summary = json.loads(proc.stdout)
        files = {FROM: "recording_audio_from_customer.wav", TO: "recording_audio_to_customer.wav",
                 "mixed": "recording_audio_mixed.wav"}
        return proc.returncode, summary, {k: read(os.path.join(out, v)) for k, v in files.items()}, proc.stderr

    def assert_redacted(self, cap, spans, spans_text, margin_ms=1000, silence_all=False, rc_want=0):
        rc, summary, got, err = self.run_kvs2wav(cap, spans_text, margin_ms)
        self.assertEqual(rc, rc_want, err)
        exp = cap.expected()
        plain = dict(exp.tracks)
        counts = cap.redact(exp, spans, margin_ms, silence_all=silence_all)
        for kind in (FROM, TO):
            self.assertEqual(len(got[kind]), len(plain[kind]), f"{kind}: the length changed")
            self.assertEqual(got[kind], exp.tracks[kind], f"{kind} differs from the rule")
        self.assertEqual(got["mixed"], exp.mixed, "the mix differs from the rule")
        red = summary["redaction"]
        self.assertEqual(red["silenced_samples"], [counts.get(FROM, 0), counts.get(TO, 0)])
        self.assertEqual(red["redacted_ms"], [counts.get(FROM, 0) // 8, counts.get(TO, 0) // 8])
        return summary

    def test_a_closed_span_with_its_margin_is_silenced_in_both_tracks_and_the_mix(self):
        cap = Capture(seed=3).add_contact("c", seconds=6)
        # Edges fall inside blocks (60 ms blocks): 2.013 s .. 3.5071 s after the start.
        spans = [(START + 2013, START + 3507)]
        summary = self.assert_redacted(cap, spans, f"{START + 2013}-{START + 3507}", margin_ms=250)
        # 1.763 s .. 3.757 s is silenced: 0.25 s on each side of the span.
        self.assertEqual(summary["redaction"]["silenced_samples"][0], (3757 - 1763) * 8)

    def test_without_margin_the_span_edges_are_exact(self):
        cap = Capture(seed=4).add_contact("c", seconds=4)
        spans = [(START + 1001, START + 1002)]  # 1 ms: 8 samples per track
        summary = self.assert_redacted(cap, spans, f"{START + 1001}-{START + 1002}", margin_ms=0)
        self.assertEqual(summary["redaction"]["silenced_samples"], [8, 8])

    def test_an_open_span_runs_to_the_end_of_the_recording(self):
        cap = Capture(seed=5).add_contact("c", seconds=5, to_start_ms=300, gaps={FROM: [(3000, 500)]})
        self.assert_redacted(cap, [(START + 500, START + 900), (START + 3300, None)],
                             f"{START + 500}-{START + 900},{START + 3300}-", margin_ms=100)

    def test_overlapping_spans_count_each_sample_once_and_jitter_follows_block_times(self):
        cap = Capture(seed=6).add_contact("c", seconds=5, jitter_ms=3)
        spans = [(START + 1000, START + 2000), (START + 1500, START + 2600), (START + 4000, START + 4000)]
        self.assert_redacted(cap, spans, ",".join(f"{a}-{b}" for a, b in spans), margin_ms=40)

    def test_a_malformed_attribute_silences_everything_and_says_so(self):
        cap = Capture(seed=7).add_contact("c", seconds=3)
        for text in ("1700000001000-", "abc", "1700000002000-1700000001000", "5-6,,7-8", "1-,2-3"):
            with self.subTest(text=text):
                if text.endswith("-") and text.count("-") == 1:  # an open span is well formed
                    continue
                summary = self.assert_redacted(cap, [], text, silence_all=True, rc_want=2)
                self.assertIn("recordingPausedSpans", summary["error"])

    def test_implausible_cluster_timecodes_are_timed_by_the_server_timestamp(self):
        # Cluster Timecodes count from 0 (not epoch time); the server stamped each
        # fragment 250 ms after it started: the span is placed on that clock.
        cap = Capture(seed=8, cluster_base_ms=0, server_delay_ms=250).add_contact("c", seconds=5)
        spans = [(START + 2000, START + 3000)]
        summary = self.assert_redacted(cap, spans, f"{START + 2000}-{START + 3000}", margin_ms=0)
        self.assertEqual(summary["redaction"]["fragments_by_server_timestamp"], 5)
        self.assertEqual(summary["redaction"]["fragments_silenced_whole"], 0)

    def test_a_fragment_with_no_usable_time_is_silenced_whole(self):
        cap = Capture(seed=9, cluster_base_ms=0, server_timestamps={1, 3}).add_contact("c", seconds=5)
        spans = [(START + 100, START + 200)]
        summary = self.assert_redacted(cap, spans, f"{START + 100}-{START + 200}", margin_ms=0)
        self.assertEqual(summary["redaction"]["fragments_silenced_whole"], 2)
        self.assertEqual(summary["redaction"]["fragments_by_server_timestamp"], 3)

    def test_a_far_future_timecode_is_implausible_too(self):
        far = START + 10 * 365 * 86400000  # years ahead of now
        cap = Capture(seed=10, cluster_base_ms=far, server_timestamps=False).add_contact("c", seconds=2)
        summary = self.assert_redacted(cap, [(START, START + 1)], f"{START}-{START + 1}", margin_ms=0)
        self.assertEqual(summary["redaction"]["fragments_silenced_whole"], 2)

    def test_no_spans_change_nothing_even_without_usable_times(self):
        cap = Capture(seed=11, cluster_base_ms=0, server_timestamps=False).add_contact("c", seconds=2)
        summary = self.assert_redacted(cap, [], "", margin_ms=0)
        self.assertEqual(summary["redaction"]["silenced_samples"], [0, 0])


if __name__ == "__main__":
    unittest.main()

"""kvs2wav end to end: synthetic Connect captures (tests/fixtures/make_connect_mkv.py)
and files from independent muxers (ffmpeg, mkvmerge) in, WAV files out, every
output sample compared with what it must be. WAVs are read with the stdlib
wave module."""
import json
import os
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import time
import unittest
import wave

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "tests", "fixtures"))
import make_connect_mkv as mk  # noqa: E402

BUILD_DIR = os.path.join(ROOT, os.environ.get("BUILD_DIR", "build"))
KVS2WAV = os.path.join(BUILD_DIR, "kvs2wav")
FROM, TO = mk.FROM, mk.TO
TIMEOUT = 120  # seconds; every run is bounded


def have(tool):
    return shutil.which(tool) is not None


class Kvs2WavCase(unittest.TestCase):
    def setUp(self):
        if not os.path.exists(KVS2WAV):
            self.fail(f"{KVS2WAV} is not built; run make BUILD=... first")
        self._tmp = tempfile.TemporaryDirectory(prefix="kvs2wav-test-")
        self.tmp = self._tmp.name
        self.out = os.path.join(self.tmp, "out")

    def tearDown(self):
        self._tmp.cleanup()

    # -- helpers ---------------------------------------------------------------
    def write_capture(self, data, name="capture.mkv"):
        path = os.path.join(self.tmp, name)
        with open(path, "wb") as f:
            f.write(data)
        return path

    def run_tool(self, *args, stdin=None, out_dir=None):
        argv = [KVS2WAV, "--out-dir", out_dir or self.out, *args]
        proc = subprocess.run(argv, input=stdin, capture_output=True, timeout=TIMEOUT)
        text = proc.stdout.decode()
        lines = [line for line in text.splitlines() if line.strip()]
        self.assertEqual(len(lines), 1, f"want one JSON line, got: {text!r} / {proc.stderr!r}")
        return proc.returncode, json.loads(lines[0])

    def read_wav(self, path):
        with wave.open(path, "rb") as w:
            self.assertEqual(w.getsampwidth(), 2)
            self.assertEqual(w.getcomptype(), "NONE")
            return w.getnchannels(), w.getframerate(), w.readframes(w.getnframes())

    def assert_pcm_equal(self, got, want, what):
        if got == want:
            return
        n = min(len(got), len(want)) // 2
        first = next((i for i in range(n) if got[2 * i:2 * i + 2] != want[2 * i:2 * i + 2]), n)
        self.fail(f"{what}: {len(got) // 2} samples, want {len(want) // 2}; first difference at "
                  f"sample {first}")

    def assert_outputs(self, name, exp, rate=8000, out_dir=None):
        """The files in out_dir are exactly the expected ones, sample for sample."""
        out_dir = out_dir or self.out
        want = {}
        if FROM in exp.tracks:
            want[f"{name}_audio_from_customer.wav"] = (1, exp.tracks[FROM])
        if TO in exp.tracks:
            want[f"{name}_audio_to_customer.wav"] = (1, exp.tracks[TO])
        if exp.mixed is not None:
            want[f"{name}_audio_mixed.wav"] = (2, exp.mixed)
        present = sorted(os.listdir(out_dir)) if os.path.isdir(out_dir) else []
        self.assertEqual(present, sorted(want), "files in the output directory")
        for fname, (channels, pcm) in want.items():
            ch, r, data = self.read_wav(os.path.join(out_dir, fname))
            self.assertEqual((ch, r), (channels, rate), fname)
            self.assert_pcm_equal(data, pcm, fname)

    def track(self, js, name):
        return next(t for t in js["tracks"] if t["name"] == name)

    @staticmethod
    def two_contacts():
        cap = mk.Capture(seed=3)
        cap.add_contact("contact-A", 3)
        cap.add_contact("contact-B", 4)
        cap.add_contact("contact-A", 2)  # the stream reused: A again, later
        return cap

    # -- fragment selection ---------------------------------------------------------
    def test_two_contacts_on_one_stream_each_get_only_their_own_audio(self):
        cap = self.two_contacts()
        path = self.write_capture(cap.to_bytes())
        for contact, used in (("contact-A", 3), ("contact-B", 4)):
            out = os.path.join(self.tmp, contact)
            code, js = self.run_tool("--contact-id", contact, path, out_dir=out)
            self.assertEqual(code, 0, js)
            exp = cap.expected(contact_id=contact)
            self.assertEqual(len(exp.used), used)
            self.assert_outputs(contact, exp, out_dir=out)
            self.assertEqual(js["fragments_used"], used)
            self.assertEqual(js["fragments_skipped"], exp.skipped)
            self.assertEqual(js["contact_id"], contact)
            self.assertEqual(js["first_fragment_number"], str(exp.used[0].number))
            self.assertEqual(js["last_fragment_number"], str(exp.used[-1].number))
            self.assertTrue(js["complete"])
            self.assertEqual(js["complete_reason"], "contact_changed")
            self.assertIsNone(js["error"])
            self.assertEqual(self.track(js, FROM)["samples"], len(exp.tracks[FROM]) // 2)
        # A's reappearance (the last 2 s) is not part of A's recording.
        self.assertEqual(len(cap.expected(contact_id="contact-A").tracks[FROM]), 3 * 8000 * 2)

    def test_without_a_contact_every_fragment_is_used(self):
        cap = self.two_contacts()
        code, js = self.run_tool(self.write_capture(cap.to_bytes()))
        self.assertEqual(code, 0, js)
        exp = cap.expected()
        self.assertEqual(js["fragments_used"], 9)
        self.assertEqual(js["fragments_skipped"], 0)
        self.assertFalse(js["complete"])
        self.assertEqual(js["contact_id"], "contact-A")  # the first used fragment's
        self.assert_outputs("recording", exp)

    def test_start_and_stop_are_inclusive_and_nothing_after_stop_is_used(self):
        cap = self.two_contacts()
        path = self.write_capture(cap.to_bytes())
        start, stop = cap.fragments[2].number, cap.fragments[5].number
        code, js = self.run_tool("--start-fragment", str(start), "--stop-fragment", str(stop), path)
        self.assertEqual(code, 0, js)
        exp = cap.expected(start=start, stop=stop)
        self.assertEqual([f.number for f in exp.used], [f.number for f in cap.fragments[2:6]])
        self.assert_outputs("recording", exp)
        self.assertEqual(js["first_fragment_number"], str(start))
        self.assertEqual(js["last_fragment_number"], str(stop))
        self.assertEqual(js["complete_reason"], "stop_fragment")
        self.assertEqual(self.track(js, FROM)["samples"], 4 * 8000)
        # Leading zeros do not change the numbers; a stop between two
        # fragments ends before the later one.
        out2 = os.path.join(self.tmp, "o2")
        code, js = self.run_tool("--start-fragment", "000" + str(start), "--stop-fragment",
                                 str(cap.fragments[5].number + 1), path, out_dir=out2)
        self.assertEqual(code, 0, js)
        self.assertEqual(js["fragments_used"], 4)
        self.assertEqual(js["last_fragment_number"], str(stop))

    def test_contact_and_range_together(self):
        cap = self.two_contacts()
        path = self.write_capture(cap.to_bytes())
        start = cap.fragments[4].number  # inside B
        code, js = self.run_tool("--contact-id", "contact-B", "--start-fragment", str(start), path)
        self.assertEqual(code, 0, js)
        exp = cap.expected(contact_id="contact-B", start=start)
        self.assertEqual(len(exp.used), 3)
        self.assert_outputs("contact-B", exp)

    def test_a_contact_not_in_the_stream_writes_nothing(self):
        cap = self.two_contacts()
        code, js = self.run_tool("--contact-id", "nobody", self.write_capture(cap.to_bytes()))
        self.assertEqual(code, 0, js)
        self.assertEqual(js["fragments_used"], 0)
        self.assertEqual(js["fragments_skipped"], 9)
        self.assertEqual(js["files_written"], [])
        self.assertEqual(os.listdir(self.out), [])

    # -- the timeline ---------------------------------------------------------------
    def test_gaps_are_filled_with_silence_and_reported(self):
        cap = mk.Capture(seed=4)
        cap.add_contact("c", 5, gaps={FROM: [(1200, 300), (3000, 1500)], TO: [(500, 100)]})
        code, js = self.run_tool("--contact-id", "c", self.write_capture(cap.to_bytes()))
        self.assertEqual(code, 0, js)
        exp = cap.expected(contact_id="c")
        self.assert_outputs("c", exp)
        self.assertEqual(self.track(js, FROM)["gaps_filled_ms"], exp.gaps_ms[FROM])
        self.assertEqual(self.track(js, TO)["gaps_filled_ms"], exp.gaps_ms[TO])
        self.assertGreaterEqual(exp.gaps_ms[FROM], 1800)
        # A whole fragment missing from a track (3000..4500 covers 4000..4500).
        self.assertEqual(len(exp.tracks[FROM]), 5 * 8000 * 2)

    def test_timecode_jitter_does_not_produce_gaps_or_drift(self):
        cap = mk.Capture(seed=5)
        cap.add_contact("c", 6, jitter_ms=15)
        jittered = sum(1 for f in cap.fragments for b in f.blocks
                       if b.written_ms != cap.start_ms + b.pos * 1000 // cap.rate)
        self.assertGreater(jittered, 100)  # the capture really jitters
        code, js = self.run_tool(self.write_capture(cap.to_bytes()))
        self.assertEqual(code, 0, js)
        self.assert_outputs("recording", cap.expected())
        self.assertEqual(self.track(js, FROM)["gaps_filled_ms"], 0)
        self.assertEqual(self.track(js, TO)["gaps_filled_ms"], 0)

    def test_a_late_track_begins_with_silence_and_the_mix_is_as_long_as_the_longer(self):
        cap = mk.Capture(seed=6)
        cap.add_contact("c", 4, to_start_ms=2500, from_end_ms=3000)
        code, js = self.run_tool(self.write_capture(cap.to_bytes()))
        self.assertEqual(code, 0, js)
        exp = cap.expected()
        self.assert_outputs("recording", exp)
        self.assertEqual(self.track(js, TO)["leading_silence_ms"], exp.lead_ms[TO])
        self.assertGreaterEqual(exp.lead_ms[TO], 2500)
        self.assertEqual(self.track(js, FROM)["leading_silence_ms"], 0)
        self.assertEqual(len(exp.tracks[FROM]), 3000 * 8 * 2)  # ends with its own last sample
        self.assertEqual(len(exp.tracks[TO]), 4000 * 8 * 2)
        self.assertEqual(js["mixed_samples"], 4000 * 8)

    def test_only_one_track_with_audio_writes_no_mix(self):
        cap = mk.Capture(seed=7)
        cap.add_contact("c", 2, tracks=[FROM])
        code, js = self.run_tool(self.write_capture(cap.to_bytes()))
        self.assertEqual(code, 0, js)
        self.assert_outputs("recording", cap.expected())
        self.assertEqual(js["files_written"], [os.path.join(self.out, "recording_audio_from_customer.wav")])
        self.assertTrue(self.track(js, TO)["present"])
        self.assertEqual(self.track(js, TO)["samples"], 0)

    def test_an_output_not_asked_for_is_not_decoded_and_changes_nothing(self):
        # Connect's recordingAuth 1 (from) and 2 (to) against 3 (all), on captures where the
        # other track starts first: the one file asked for is the same file, its leading
        # silence included, and the other track is not decoded.
        for late, word in ((FROM, "from"), (TO, "to")):
            with self.subTest(late=late):
                cap = mk.Capture(seed=21)
                cap.add_contact("c", 3, **{"from_start_ms" if late == FROM else "to_start_ms": 700})
                path = self.write_capture(cap.to_bytes(), f"{word}.mkv")
                every, one = os.path.join(self.tmp, word + "-all"), os.path.join(self.tmp, word)
                code, _ = self.run_tool(path, out_dir=every)
                self.assertEqual(code, 0)
                code, js = self.run_tool("--outputs", word, path, out_dir=one)
                self.assertEqual(code, 0, js)
                fname = f"recording_audio_{word}_customer.wav"
                self.assertEqual(os.listdir(one), [fname])
                with open(os.path.join(every, fname), "rb") as a, open(os.path.join(one, fname), "rb") as b:
                    self.assertEqual(a.read(), b.read(), "the file differs from the one of a full run")
                _, _, data = self.read_wav(os.path.join(one, fname))
                self.assert_pcm_equal(data, cap.expected().tracks[late], fname)
                self.assertGreaterEqual(self.track(js, late)["leading_silence_ms"], 700)
                self.assertEqual(self.track(js, TO if late == FROM else FROM)["samples"], 0)
        code, js = self.run_tool("--outputs", "from,left", path, out_dir=os.path.join(self.tmp, "bad"))
        self.assertEqual(code, 1, js)
        code, js = self.run_tool("--outputs", "mixed", path, out_dir=os.path.join(self.tmp, "mix"))
        self.assertEqual((code, os.listdir(os.path.join(self.tmp, "mix"))), (0, ["recording_audio_mixed.wav"]))

    def test_a_lone_track_of_any_name_is_recorded_when_asked(self):
        # A stream with one audio track of its own name (as a Chime stream has): nothing to
        # record by Connect's names, role 0 with --any-lone-track.
        cap = mk.Capture(seed=22, layout="old")
        cap.track_names = ["ChimeAudio"]
        cap.sources["ChimeAudio"] = mk.counter_source(5)
        cap.add_contact("c", 2)
        path = self.write_capture(cap.to_bytes())
        code, js = self.run_tool(path, out_dir=os.path.join(self.tmp, "connect"))
        self.assertEqual(code, 2, js)
        self.assertIn("no audio track", js["error"])
        code, js = self.run_tool("--any-lone-track", "--call-tag", "TransactionId", path)
        self.assertEqual(code, 0, js)
        self.assertEqual(os.listdir(self.out), ["recording_audio_from_customer.wav"])
        _, _, data = self.read_wav(os.path.join(self.out, "recording_audio_from_customer.wav"))
        self.assert_pcm_equal(data, cap.expected().tracks["ChimeAudio"], "the lone track")
        self.assertIsNone(js["contact_id"])  # no TransactionId tag in this stream

    # -- layouts and codecs -------------------------------------------------------
    def test_layout_and_codec_variants_give_the_same_audio(self):
        variants = [
            dict(codec="A_PCM/INT/LIT"),
            dict(codec="A_PCM/INT/BIG"),
            dict(codec="A_MS/ACM"),
            dict(cluster_size="known"),
            dict(cluster_size="unknown1", segment_size_width=1),
            dict(rate=16000, block_samples=320),
        ]
        for v in variants:
            with self.subTest(**v):
                cap = mk.Capture(seed=8, **v)
                cap.add_contact("c", 3, to_start_ms=1000)
                out = os.path.join(self.tmp, "v%d" % variants.index(v))
                code, js = self.run_tool(self.write_capture(cap.to_bytes()), out_dir=out)
                self.assertEqual(code, 0, js)
                self.assert_outputs("recording", cap.expected(), rate=cap.rate, out_dir=out)
                self.assertEqual(self.track(js, FROM)["codec"], cap.codec)
                self.assertEqual(self.track(js, FROM)["rate"], cap.rate)

    def test_the_older_single_track_layout_is_customer_audio(self):
        cap = mk.Capture(seed=9, layout="old")
        cap.add_contact("c", 2)
        code, js = self.run_tool(self.write_capture(cap.to_bytes()))
        self.assertEqual(code, 0, js)
        exp = cap.expected()
        self.assertEqual(list(exp.tracks), [FROM])
        self.assert_outputs("recording", exp)

    def test_real_aac_is_unsupported_not_noise(self):
        cap = mk.Capture(seed=10, mime=False)
        cap.add_contact("c", 2)
        code, js = self.run_tool(self.write_capture(cap.to_bytes()))
        self.assertEqual(code, 2, js)
        self.assertIn("AAC", js["error"])
        self.assertIn("AAC", self.track(js, FROM)["error"])
        self.assertIsNone(self.track(js, FROM)["pcm"])
        self.assertEqual(js["files_written"], [])
        self.assertEqual(os.listdir(self.out), [])

    def test_a_file_without_a_track_to_record_is_unsupported(self):
        if not have("ffmpeg"):
            self.skipTest("ffmpeg not installed")
        mkv = os.path.join(self.tmp, "named.mkv")
        subprocess.run(["ffmpeg", "-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi", "-i",
                        "sine=frequency=300:sample_rate=8000:duration=1", "-c:a", "pcm_s16le",
                        "-metadata:s:a:0", "title=English", mkv], check=True, timeout=TIMEOUT)
        code, js = self.run_tool(mkv)
        self.assertEqual(code, 2, js)
        self.assertIn("no audio track", js["error"])
        self.assertEqual(os.listdir(self.out), [])

    def test_audio_from_a_wav_file_survives_unchanged(self):
        if not have("espeak-ng"):
            self.skipTest("espeak-ng not installed")
        speech = os.path.join(self.tmp, "speech.wav")
        raw = os.path.join(self.tmp, "speech22k.wav")
        subprocess.run(["espeak-ng", "-w", raw, "Your call is being recorded."], check=True,
                       timeout=TIMEOUT, capture_output=True)
        # espeak-ng speaks at 22050 Hz: resample to Connect's 8 kHz with ffmpeg.
        subprocess.run(["ffmpeg", "-hide_banner", "-loglevel", "error", "-y", "-i", raw, "-ar", "8000",
                        "-ac", "1", "-c:a", "pcm_s16le", speech], check=True, timeout=TIMEOUT)
        src = mk.wav_source(speech)
        cap = mk.Capture(seed=11, sources={FROM: src, TO: mk.tone_source(660, 8000)})
        cap.add_contact("c", 3)
        code, js = self.run_tool(self.write_capture(cap.to_bytes()))
        self.assertEqual(code, 0, js)
        exp = cap.expected()
        self.assert_outputs("recording", exp)
        _, _, data = self.read_wav(os.path.join(self.out, "recording_audio_from_customer.wav"))
        self.assertEqual(data[:2 * min(src.period, 24000)], src.samples(0, min(src.period, 24000)))

    # -- errors and exit codes --------------------------------------------------------
    def test_truncated_input_exits_3_and_keeps_every_complete_block(self):
        cap = self.two_contacts()
        data = cap.to_bytes()
        frag = cap.fragments[2]  # A's third fragment
        block = frag.blocks[10]
        cut = block.end_offset - 100  # inside a SimpleBlock
        path = self.write_capture(data[:cut])
        code, js = self.run_tool("--contact-id", "contact-A", path)
        self.assertEqual(code, 3, js)
        self.assertTrue(js["truncated"])
        self.assertIsNotNone(js["error"])
        exp = cap.expected(contact_id="contact-A", cut_at=cut)
        self.assertEqual(len(exp.used), 3)  # the cut one kept: A came before it
        self.assert_outputs("contact-A", exp)
        self.assertEqual(len(exp.tracks[FROM]) // 2, 2 * 8000 + 5 * 480)  # blocks 0..8 of frag 3
        # Through stdin, and without a contact filter: the same.
        code, js = self.run_tool("-", stdin=data[:cut], out_dir=os.path.join(self.tmp, "stdin"))
        self.assertEqual(code, 3, js)
        self.assert_outputs("recording", cap.expected(cut_at=cut), out_dir=os.path.join(self.tmp, "stdin"))

    def test_a_cut_fragment_that_cannot_be_attributed_is_not_used(self):
        cap = self.two_contacts()
        data = cap.to_bytes()
        cut = cap.fragments[3].blocks[5].end_offset + 3  # B's first fragment
        code, js = self.run_tool("--contact-id", "contact-B", self.write_capture(data[:cut]))
        self.assertEqual(code, 3, js)
        self.assertEqual(js["fragments_used"], 0)
        self.assertEqual(os.listdir(self.out), [])

    def test_invalid_input_exits_2_and_keeps_blocks_before_the_fault(self):
        cap = self.two_contacts()
        data = bytearray(cap.to_bytes())
        block = cap.fragments[1].blocks[7]
        fault = block.end_offset  # the next SimpleBlock's ID byte
        self.assertEqual(data[fault], 0xA3)
        data[fault] = 0x00  # an element ID may not start with 0x00
        code, js = self.run_tool("--contact-id", "contact-A", self.write_capture(bytes(data)))
        self.assertEqual(code, 2, js)
        self.assertFalse(js["truncated"])
        self.assertIn(str(fault), js["error"])  # the reader names the offset
        exp = cap.expected(contact_id="contact-A", cut_at=fault)
        self.assert_outputs("contact-A", exp)
        self.assertEqual(len(exp.tracks[FROM]) // 2, 8000 + 4 * 480)

    def test_kvs_error_tag_exits_2(self):
        cap = mk.Capture(seed=12)
        cap.add_contact("c", 2)
        error_doc = (mk.ebml_header() + mk.ID_SEGMENT + mk.UNKNOWN_SIZE[8]
                     + mk.tags_el(("AWS_KINESISVIDEO_ERROR_CODE", "4000"),
                                  ("AWS_KINESISVIDEO_ERROR_ID", "Fragment not found")))
        code, js = self.run_tool(self.write_capture(cap.to_bytes() + error_doc))
        self.assertEqual(code, 2, js)
        self.assertIn("4000", js["error"])
        self.assert_outputs("recording", cap.expected())  # what came before is kept

    def test_empty_input_is_invalid(self):
        code, js = self.run_tool(self.write_capture(b""))
        self.assertEqual(code, 2, js)
        self.assertEqual(js["files_written"], [])

    def test_bad_usage_exits_1_and_writes_nothing(self):
        cap = mk.Capture(seed=13)
        cap.add_contact("c", 1)
        path = self.write_capture(cap.to_bytes())
        cases = [
            [],
            [path, path],
            ["--start-fragment", "12ab", path],
            ["--stop-fragment", "-3", path],
            ["--start-fragment", "20", "--stop-fragment", "19", path],
            ["--name", "../escape", path],
            ["--name", ".hidden", path],
            ["--contact-id", "a/b", path],
            ["--no-such-option", path],
            ["--contact-id"],
            [os.path.join(self.tmp, "missing.mkv")],
        ]
        for args in cases:
            with self.subTest(args=args):
                code, js = self.run_tool(*args)
                self.assertEqual(code, 1, js)
                self.assertTrue(js["error"])
                self.assertEqual(js["files_written"], [])
                self.assertFalse(os.path.exists(self.out), "bad usage created the output directory")
        self.assertEqual(sorted(os.listdir(self.tmp)), ["capture.mkv"])
        help_run = subprocess.run([KVS2WAV, "--help"], capture_output=True, timeout=TIMEOUT)
        self.assertEqual(help_run.returncode, 0)
        self.assertIn(b"usage", help_run.stdout)

    def test_no_temporary_files_are_left_on_any_path(self):
        cap = self.two_contacts()
        data = cap.to_bytes()
        runs = {
            "ok": (0, data),
            "truncated": (3, data[:cap.fragments[1].blocks[3].end_offset + 7]),
            "invalid": (2, data[:cap.fragments[1].blocks[3].end_offset] + b"\x00" * 16),
        }
        for name, (want, blob) in runs.items():
            with self.subTest(name):
                out = os.path.join(self.tmp, name)
                code, js = self.run_tool(self.write_capture(blob, name + ".mkv"), out_dir=out)
                self.assertEqual(code, want, js)
                files = sorted(os.listdir(out))
                self.assertEqual(files, sorted(os.path.basename(p) for p in js["files_written"]))
                self.assertFalse([f for f in files if f.startswith(".")])

    def test_a_signal_mid_run_leaves_no_files(self):
        cap = mk.Capture(seed=14)
        cap.add_contact("c", 4)
        data = cap.to_bytes()
        proc = subprocess.Popen([KVS2WAV, "--out-dir", self.out, "-"], stdin=subprocess.PIPE,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        try:
            proc.stdin.write(data[:len(data) // 2])
            proc.stdin.flush()
            deadline = time.monotonic() + 20
            while time.monotonic() < deadline:
                if os.path.isdir(self.out) and len(os.listdir(self.out)) >= 2:
                    break
                time.sleep(0.02)
            temps = os.listdir(self.out)
            self.assertGreaterEqual(len(temps), 2, "temporary files never appeared")
            self.assertTrue(all(t.startswith(".") for t in temps), temps)
            proc.send_signal(signal.SIGTERM)
            proc.wait(timeout=TIMEOUT)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait(timeout=TIMEOUT)
            proc.stdin.close()
            proc.stdout.close()
            proc.stderr.close()
        self.assertEqual(proc.returncode, -signal.SIGTERM)
        self.assertEqual(os.listdir(self.out), [])

    def test_a_live_stream_is_left_as_soon_as_the_recording_is_complete(self):
        # GetMedia on a live stream does not end: after the contact's last
        # fragment nothing may come for a long time. kvs2wav must finish on
        # what it has (here: B's first fragment shows A is over) without
        # waiting for more input or for the next fragment's header.
        cap = self.two_contacts()
        data = cap.to_bytes()
        proc = subprocess.Popen([KVS2WAV, "--out-dir", self.out, "--contact-id", "contact-A", "-"],
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        try:
            proc.stdin.write(data[:cap.fragments[3].end_offset])  # the pipe stays open
            proc.stdin.flush()
            proc.wait(timeout=30)
            js = json.loads(proc.stdout.read().decode())
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait(timeout=TIMEOUT)
            proc.stdin.close()
            proc.stdout.close()
            proc.stderr.close()
        self.assertEqual(proc.returncode, 0, js)
        self.assertTrue(js["complete"])
        self.assert_outputs("contact-A", cap.expected(contact_id="contact-A"))
        # The stop fragment too: complete once its audio and tags are in.
        start, stop = cap.fragments[1].number, cap.fragments[2].number
        out2 = os.path.join(self.tmp, "stop")
        proc = subprocess.Popen([KVS2WAV, "--out-dir", out2, "--start-fragment", str(start),
                                 "--stop-fragment", str(stop), "-"],
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        try:
            proc.stdin.write(data[:cap.fragments[2].end_offset])
            proc.stdin.flush()
            proc.wait(timeout=30)
            js = json.loads(proc.stdout.read().decode())
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait(timeout=TIMEOUT)
            proc.stdin.close()
            proc.stdout.close()
            proc.stderr.close()
        self.assertEqual(proc.returncode, 0, js)
        self.assertEqual(js["complete_reason"], "stop_fragment")
        self.assert_outputs("recording", cap.expected(start=start, stop=stop), out_dir=out2)

    def test_json_fields(self):
        cap = self.two_contacts()
        code, js = self.run_tool("--contact-id", "contact-B", "--name", "call-1",
                                 self.write_capture(cap.to_bytes()),
                                 out_dir=os.path.join(self.tmp, "a", "b"))
        self.assertEqual(code, 0, js)
        for key in ("fragments_used", "fragments_skipped", "first_fragment_number",
                    "last_fragment_number", "contact_id", "tracks", "files_written", "truncated",
                    "error", "last_fragment_number_seen", "continuation_token", "complete",
                    "mixed_samples", "mix_error", "bytes_read"):
            self.assertIn(key, js)
        self.assertEqual([t["name"] for t in js["tracks"]], [FROM, TO])
        for t in js["tracks"]:
            for key in ("codec", "pcm", "rate", "samples", "gaps_filled_ms", "leading_silence_ms",
                        "error", "blocks", "present"):
                self.assertIn(key, t)
            self.assertEqual(t["codec"], "A_AAC")
            self.assertEqual(t["pcm"], "s16le")
            self.assertEqual(t["rate"], 8000)
            self.assertEqual(t["samples"], 4 * 8000)
        out = os.path.join(self.tmp, "a", "b")
        self.assertEqual(js["files_written"], [os.path.join(out, f"call-1_audio_{n}.wav") for n in
                                               ("from_customer", "to_customer", "mixed")])
        # Settled at the ContactId tag of A's later fragment: read no further.
        self.assertEqual(js["last_fragment_number_seen"], str(cap.fragments[7].number))
        self.assertEqual(js["fragments_skipped"], 3 + 1)
        self.assertLess(js["bytes_read"], cap.fragments[7].end_offset)
        self.assertIsNone(js["error"])
        self.assertIs(js["truncated"], False)

    # -- independent muxers ---------------------------------------------------------
    def ffmpeg_reference(self, mkv):
        ref = mkv + ".ref.wav"
        subprocess.run(["ffmpeg", "-hide_banner", "-loglevel", "error", "-y", "-i", mkv, "-map", "0:a:0",
                        "-c:a", "pcm_s16le", ref], check=True, timeout=TIMEOUT)
        return self.read_wav(ref)

    def check_against_ffmpeg(self, mkv, name):
        out = os.path.join(self.tmp, "o-" + name)
        code, js = self.run_tool(mkv, out_dir=out)
        self.assertEqual(code, 0, js)
        self.assertEqual(os.listdir(out), ["recording_audio_from_customer.wav"])
        got = self.read_wav(os.path.join(out, "recording_audio_from_customer.wav"))
        want = self.ffmpeg_reference(mkv)
        self.assertEqual(got[:2], want[:2])
        self.assert_pcm_equal(got[2], want[2], name)
        self.assertGreater(len(got[2]), 1000)
        return js

    def test_ffmpeg_muxed_pcm_matches_ffmpeg_extraction(self):
        if not have("ffmpeg"):
            self.skipTest("ffmpeg not installed")
        for codec, rate in (("pcm_s16le", 8000), ("pcm_s16le", 44100), ("pcm_s16be", 16000)):
            with self.subTest(codec=codec, rate=rate):
                mkv = os.path.join(self.tmp, f"{codec}-{rate}.mkv")
                subprocess.run(["ffmpeg", "-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi", "-i",
                                f"sine=frequency=300:sample_rate={rate}:duration=7.3", "-c:a", codec, mkv],
                               check=True, timeout=TIMEOUT)
                js = self.check_against_ffmpeg(mkv, f"{codec}-{rate}")
                self.assertEqual(self.track(js, FROM)["pcm"], codec[4:])
                self.assertEqual(self.track(js, FROM)["gaps_filled_ms"], 0)

    def test_mkvmerge_muxed_wav_matches_ffmpeg_extraction_and_the_source(self):
        if not (have("mkvmerge") and have("ffmpeg")):
            self.skipTest("mkvmerge or ffmpeg not installed")
        for rate in (8000, 16000):
            with self.subTest(rate=rate):
                src = os.path.join(self.tmp, f"src{rate}.wav")
                subprocess.run(["ffmpeg", "-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi", "-i",
                                f"sine=frequency=500:sample_rate={rate}:duration=6.1", "-c:a", "pcm_s16le",
                                src], check=True, timeout=TIMEOUT)
                mkv = os.path.join(self.tmp, f"mm{rate}.mkv")
                subprocess.run(["mkvmerge", "-q", "-o", mkv, src], check=True, timeout=TIMEOUT)
                self.check_against_ffmpeg(mkv, f"mkvmerge-{rate}")
                got = self.read_wav(os.path.join(self.tmp, f"o-mkvmerge-{rate}",
                                                 "recording_audio_from_customer.wav"))
                self.assert_pcm_equal(got[2], self.read_wav(src)[2], "mkvmerge source")


class GeneratorCase(unittest.TestCase):
    """The fixture generator's own promises (the tests above rely on them)."""

    def test_layout_matches_the_reference(self):
        cap = mk.Capture(seed=1)
        cap.add_contact("c-1", 1)
        data = cap.to_bytes()
        self.assertEqual(data[:4], mk.ID_EBML)
        seg = data.index(mk.ID_SEGMENT)
        self.assertEqual(data[seg + 4:seg + 12], mk.UNKNOWN_SIZE[8])
        self.assertIn(b"Kinesis Video SDK", data)
        for s in (b"AUDIO_FROM_CUSTOMER", b"AUDIO_TO_CUSTOMER", b"A_AAC", b"ContactId",
                  b"audio/L16;rate=8000;channels=1;", b"Events", b"[]",
                  b"AWS_KINESISVIDEO_MILLIS_BEHIND_NOW", b"AWS_KINESISVIDEO_CONTINUATION_TOKEN",
                  b"AWS_KINESISVIDEO_SERVER_TIMESTAMP", b"AWS_KINESISVIDEO_PRODUCER_TIMESTAMP"):
            self.assertIn(s, data)
        frag = cap.fragments[0]
        self.assertEqual(len(str(frag.number)), 47)
        self.assertEqual(len(frag.blocks), 34)
        # The fragment number comes before the Cluster, ContactId after it.
        self.assertLess(data.index(b"AWS_KINESISVIDEO_FRAGMENT_NUMBER"), frag.cluster_offset)
        self.assertGreater(data.index(b"ContactId"), frag.blocks[-1].end_offset)
        # Cluster Timecode is absolute epoch milliseconds.
        at = frag.cluster_data_offset
        self.assertEqual(data[at], 0xE7)
        n = data[at + 1] & 0x7F  # one-byte size VINT
        self.assertEqual(int.from_bytes(data[at + 2:at + 2 + n], "big"), cap.start_ms)

    def test_cli_writes_the_capture_and_the_expected_pcm(self):
        with tempfile.TemporaryDirectory(prefix="gen-cli-") as tmp:
            out = os.path.join(tmp, "c.mkv")
            prefix = os.path.join(tmp, "exp")
            gen = os.path.join(ROOT, "tests", "fixtures", "make_connect_mkv.py")
            subprocess.run([sys.executable, gen, out, "--contact", "A:2", "--contact", "B:1",
                            "--to-start-ms", "500", "--gap", "from:1200:300", "--truncate-at", "50000",
                            "--expected-prefix", prefix, "--expect-contact", "A"],
                           check=True, timeout=TIMEOUT, capture_output=True)
            cap = mk.Capture()
            cap.add_contact("A", 2, to_start_ms=500, gaps={FROM: [(1200, 300)]})
            cap.add_contact("B", 1)
            data = cap.to_bytes()
            with open(out, "rb") as f:
                self.assertEqual(f.read(), data[:50000])
            exp = cap.expected(contact_id="A", cut_at=50000)
            with open(prefix + ".from.s16le", "rb") as f:
                self.assertEqual(f.read(), exp.tracks[FROM])
            with open(prefix + ".mixed.s16le", "rb") as f:
                self.assertEqual(f.read(), exp.mixed)
            self.assertIn(b"SYNTHETIC", data[:2000])

    def test_counter_audio_tells_every_position(self):
        src = mk.counter_source(1)
        a = src.samples(0, 65536)
        self.assertEqual(len(set(struct.unpack("<65536h", a))), 65536)
        self.assertEqual(src.samples(70000, 10), src.samples(70000 - 65536, 10))


if __name__ == "__main__":
    unittest.main()

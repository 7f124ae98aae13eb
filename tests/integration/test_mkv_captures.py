"""mkv-dump (kvs/mkv_reader) against real KVS captures and independent tools.

The captures are the Kinesis Video Streams parser library's test files (see
../shared/testdata/kvs-parser-library/SOURCE.txt); they are H.264 video, so
payloads are only counted. Each GetMedia stream is cut at its EBML headers
and every document is given to mkvinfo and ffprobe on its own (mkvinfo shows
only the first Segment of a concatenated stream): fragments, tags, tracks,
block counts and block times must agree with what they report.

The hand-made fixtures in tests/fixtures/mkv/ (Connect audio layout, lacing,
KVS error tags, truncation, malformed input) are checked against the facts
their generator records.

Needs $BUILD_DIR/mkv-dump (BUILD_DIR defaults to "build", relative to the
repository root); the capture tests skip when ../shared/testdata is absent.
"""
import importlib.util
import json
import os
import re
import shutil
import subprocess
import tempfile
import unittest

import helpers

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BUILD = os.path.join(ROOT, os.environ.get("BUILD_DIR", "build"))
MKV_DUMP = os.path.join(BUILD, "mkv-dump")
CAPTURES = os.path.normpath(os.path.join(ROOT, "..", "shared", "testdata", "kvs-parser-library"))
FIXTURES = os.path.join(ROOT, "tests", "fixtures", "mkv")
EBML_MAGIC = b"\x1a\x45\xdf\xa3"


def mkv_dump(path):
    """(exit status, parsed JSON) of mkv-dump on path."""
    proc = subprocess.run([MKV_DUMP, path], capture_output=True, timeout=120)
    return proc.returncode, json.loads(proc.stdout)


def require_mkv_dump(test):
    test.assertTrue(os.access(MKV_DUMP, os.X_OK), f"{MKV_DUMP} not built (make BUILD=... all)")


def capture_path(name):
    return os.path.join(CAPTURES, name)


def tag_pairs(fragment):
    return [(t["name"], t["value"]) for t in fragment["tags"]]


def blocks_by_track(fragment):
    return {b["track"]: b for b in fragment.get("blocks", [])}


# ---- mkvinfo -------------------------------------------------------------

MKVINFO_LINE = re.compile(r"^([| ]*)\+ (.*)$")
MKVINFO_BLOCK = re.compile(
    r"^(?:Simple block|Block): (?:key, )?track number (\d+), (\d+) frame\(s\), "
    r"timestamp (\d+):(\d+):(\d+)\.(\d{9})")


def mkvinfo(path):
    """What mkvinfo -v says about one Matroska document: tags (in order),
    tracks, and per track the block count and first/last block time in ns."""
    proc = subprocess.run(["mkvinfo", "-v", path], capture_output=True, text=True, timeout=120)
    tags, tracks, blocks = [], [], {}
    section = None
    track = None
    for line in proc.stdout.splitlines():
        m = MKVINFO_LINE.match(line)
        if not m:
            continue
        depth, text = len(m.group(1)), m.group(2)
        if depth == 1:
            section = text.split(":")[0]
            continue
        if section == "Tracks":
            if depth == 2 and text == "Track":
                track = {"name": "", "codec_id": "", "type": 0, "rate": 0.0, "channels": 0,
                         "bit_depth": 0}
                tracks.append(track)
            elif track is not None:
                key, _, value = text.partition(": ")
                if key == "Track number":
                    track["number"] = int(value.split()[0])
                elif key == "Track type":
                    track["type"] = {"video": 1, "audio": 2, "complex": 3, "logo": 0x10,
                                     "subtitles": 0x11, "buttons": 0x12, "control": 0x20}[value]
                elif key == "Name" and depth == 3:
                    track["name"] = value
                elif key == "Codec ID":
                    track["codec_id"] = value
                elif key == "Sampling frequency":
                    track["rate"] = float(value)
                elif key == "Channels":
                    track["channels"] = int(value)
                elif key == "Bit depth":
                    track["bit_depth"] = int(value)
        elif section == "Tags":
            key, _, value = text.partition(": ")
            if key == "Name":
                tags.append([value, ""])
            elif key == "String" and tags:
                tags[-1][1] = value
        elif section == "Cluster":
            b = MKVINFO_BLOCK.match(text)
            if b:
                number = int(b.group(1))
                h, mi, s, ns = (int(b.group(i)) for i in range(3, 7))
                t = ((h * 60 + mi) * 60 + s) * 1000000000 + ns
                entry = blocks.setdefault(number, {"blocks": 0, "first": t, "last": t})
                entry["blocks"] += 1
                entry["last"] = t
    return {"tags": [tuple(t) for t in tags], "tracks": tracks, "blocks": blocks}


def ffprobe_packets(path):
    """Packets per stream index and each stream's first packet pts in ns, or
    None when ffprobe cannot read the document."""
    proc = subprocess.run(["ffprobe", "-v", "error", "-show_packets", "-show_streams", "-of", "json",
                           path], capture_output=True, text=True, timeout=120)
    if proc.returncode != 0:
        return None
    data = json.loads(proc.stdout or "{}")
    counts, first = {}, {}
    for p in data.get("packets", []):
        i = p["stream_index"]
        counts[i] = counts.get(i, 0) + 1
        if i not in first and "pts" in p:
            num, den = (int(x) for x in data["streams"][i]["time_base"].split("/"))
            first[i] = int(p["pts"]) * num * 1000000000 // den
    return {"counts": counts, "first_ns": first}


class MkvDumpFixturesTest(unittest.TestCase):
    """The hand-made inputs: the Connect layout and what the captures lack."""

    @classmethod
    def setUpClass(cls):
        spec = importlib.util.spec_from_file_location(
            "make_fixtures", os.path.join(FIXTURES, "make_fixtures.py"))
        cls.gen = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(cls.gen)

    def setUp(self):
        require_mkv_dump(self)

    def test_mkv_fixtures_match_their_generator(self):
        for name, data in self.gen.build().items():
            with open(os.path.join(FIXTURES, name), "rb") as f:
                self.assertEqual(f.read(), data, f"{name}: rerun make_fixtures.py")

    def test_mkv_fixtures_status_and_counts(self):
        codes = {"ok": 0, "invalid": 2, "truncated": 3}
        for name, want in self.gen.EXPECTED.items():
            with self.subTest(name):
                status, out = mkv_dump(os.path.join(FIXTURES, name))
                self.assertEqual(out["status"], want["status"], out.get("error"))
                self.assertEqual(status, codes[want["status"]])
                self.assertEqual(len(out["fragments"]), want["fragments"])
                if "blocks" in want:
                    got = {}
                    for frag in out["fragments"]:
                        for b in frag.get("blocks", []):
                            got[str(b["track"])] = got.get(str(b["track"]), 0) + b["blocks"]
                    self.assertEqual(got, want["blocks"])
                if "frames" in want:
                    self.assertEqual(out["totals"]["frames"], want["frames"])
                if "tags_per_fragment" in want:
                    for frag in out["fragments"]:
                        self.assertEqual(len(frag["tags"]), want["tags_per_fragment"])
                if "first_frame_ns" in want:
                    self.assertEqual(out["fragments"][0]["first_frame_ns"], want["first_frame_ns"])
                if "kvs_error" in want:
                    err = out["fragments"][0]["kvs_error"]
                    self.assertEqual([err["code"], err["id"]], want["kvs_error"])

    def test_mkv_connect_layout(self):
        status, out = mkv_dump(os.path.join(FIXTURES, "connect_two_fragments.mkv"))
        self.assertEqual(status, 0)
        for i, frag in enumerate(out["fragments"]):
            self.assertTrue(frag["complete"])
            self.assertEqual(frag["index"], i)
            names = [t["name"] for t in frag["tracks"]]
            self.assertEqual(names, ["AUDIO_FROM_CUSTOMER", "AUDIO_TO_CUSTOMER"])
            for t in frag["tracks"]:
                self.assertEqual((t["type"], t["codec_id"], t["sampling_frequency"], t["channels"],
                                  t["bit_depth"]), (2, "A_AAC", 8000, 1, 16))
            tags = dict(tag_pairs(frag))
            self.assertEqual(tags["ContactId"], "c-0001")
            self.assertEqual(tags["MimeType"], "audio/L16;rate=8000;channels=1;")
            # epoch-millisecond Cluster Timecode, blocks 20 ms apart
            base = (1700000000000 + 1000 * i) * 1000000
            for b in frag["blocks"]:
                self.assertEqual((b["first_time_ns"], b["last_time_ns"]), (base, base + 60000000))
                self.assertEqual(b["bytes"], 4 * 320)

    def test_mkv_dump_reads_stdin(self):
        path = os.path.join(FIXTURES, "laced.mkv")
        with open(path, "rb") as f:
            proc = subprocess.run([MKV_DUMP, "-"], stdin=f, capture_output=True, timeout=60)
        self.assertEqual(proc.returncode, 0)
        self.assertEqual(json.loads(proc.stdout)["totals"]["frames"], 12)

    def test_mkv_dump_usage_and_missing_file(self):
        self.assertEqual(subprocess.run([MKV_DUMP], capture_output=True).returncode, 1)
        proc = subprocess.run([MKV_DUMP, os.path.join(FIXTURES, "no-such.mkv")], capture_output=True)
        self.assertEqual(proc.returncode, 1)
        self.assertIn(b"no-such.mkv", proc.stderr)


@unittest.skipUnless(os.path.isdir(CAPTURES), f"{helpers.SKIP_NO_SHARED}: {CAPTURES} absent")
class MkvCapturesTest(unittest.TestCase):
    """The KVS parser library's captures, checked against mkvinfo and ffprobe."""

    FILES = ["output_get_media.mkv", "output-get-media-equal-timecode.mkv",
             "output_get_media_sparse_fragments_merged.mkv", "clusters.mkv",
             "empty-mkv-with-tags.mkv", "test_tags_empty_cluster.mkv", "vogels_480.mkv",
             "bezos_vogels.mkv"]

    @classmethod
    def setUpClass(cls):
        cls.dumps = {}
        if os.access(MKV_DUMP, os.X_OK):
            for name in cls.FILES:
                cls.dumps[name] = mkv_dump(capture_path(name))

    def setUp(self):
        require_mkv_dump(self)

    def test_mkv_captures_parse_without_error(self):
        for name in self.FILES:
            with self.subTest(name):
                status, out = self.dumps[name]
                if name == "output-get-media-equal-timecode.mkv":
                    continue  # ends mid-Cluster: see the truncation test
                self.assertEqual((status, out["status"]), (0, "ok"), out.get("error"))
                self.assertTrue(all(f["complete"] for f in out["fragments"]))
                self.assertEqual(out["bytes_read"], os.path.getsize(capture_path(name)))

    def test_mkv_get_media_five_fragments(self):
        _, out = self.dumps["output_get_media.mkv"]
        self.assertEqual(out["totals"]["fragments"], 5)
        self.assertEqual(out["totals"]["blocks"], 300)
        for i, frag in enumerate(out["fragments"]):
            names = [n for n, _ in tag_pairs(frag)]
            for aws in ["AWS_KINESISVIDEO_FRAGMENT_NUMBER", "AWS_KINESISVIDEO_SERVER_TIMESTAMP",
                        "AWS_KINESISVIDEO_PRODUCER_TIMESTAMP", "AWS_KINESISVIDEO_MILLIS_BEHIND_NOW",
                        "AWS_KINESISVIDEO_CONTINUATION_TOKEN"]:
                self.assertIn(aws, names)
            self.assertEqual(blocks_by_track(frag)[1]["blocks"], 60)
            self.assertEqual(blocks_by_track(frag)[1]["keyframes"], 1)
            self.assertEqual(frag["first_frame_ns"], i * 2000 * 1000000)  # Timecodes 0/2000/...
        # the continuation token is the last fragment's number
        tags = dict(tag_pairs(out["fragments"][-1]))
        self.assertEqual(tags["AWS_KINESISVIDEO_CONTINUATION_TOKEN"],
                         tags["AWS_KINESISVIDEO_FRAGMENT_NUMBER"])

    def test_mkv_truncated_capture(self):
        status, out = self.dumps["output-get-media-equal-timecode.mkv"]
        self.assertEqual((status, out["status"]), (3, "truncated"))
        self.assertRegex(out["error"], r"^SimpleBlock at offset \d+: input ended")
        self.assertEqual(len(out["fragments"]), 2)
        first, second = out["fragments"]
        self.assertTrue(first["complete"])
        self.assertFalse(second["complete"])
        # both Clusters have Timecode 0
        self.assertEqual(first["first_frame_ns"], 0)
        self.assertEqual(second["first_frame_ns"], 0)
        names = [n for n, _ in tag_pairs(second)]
        self.assertIn("AWS_KINESISVIDEO_FRAGMENT_NUMBER", names)
        self.assertNotIn("AWS_KINESISVIDEO_MILLIS_BEHIND_NOW", names)
        self.assertNotIn("AWS_KINESISVIDEO_CONTINUATION_TOKEN", names)
        # 240 SimpleBlocks begin in the file; the last is cut, 239 are whole
        self.assertEqual(out["totals"]["blocks"], 239)
        self.assertEqual([blocks_by_track(f)[1]["blocks"] for f in out["fragments"]], [120, 119])

    def test_mkv_other_captures(self):
        _, out = self.dumps["empty-mkv-with-tags.mkv"]
        self.assertEqual((out["totals"]["fragments"], out["totals"]["blocks"]), (1, 0))
        self.assertEqual([n for n, _ in tag_pairs(out["fragments"][0])],
                         ["AWS_KINESISVIDEO_FRAGMENT_NUMBER", "AWS_KINESISVIDEO_SERVER_TIMESTAMP",
                          "AWS_KINESISVIDEO_PRODUCER_TIMESTAMP"])
        _, out = self.dumps["test_tags_empty_cluster.mkv"]
        self.assertEqual(tag_pairs(out["fragments"][0]),
                         [(f"testTag_{i}", f"testTag_{i}_Value") for i in range(5)])
        _, out = self.dumps["output_get_media_sparse_fragments_merged.mkv"]
        self.assertEqual((out["totals"]["fragments"], out["totals"]["blocks"]), (1, 180))
        _, out = self.dumps["clusters.mkv"]
        self.assertEqual(out["fragments"][0]["tracks"][0]["name"], "kinesis_video")
        self.assertEqual(out["totals"]["blocks"], 444)
        _, out = self.dumps["vogels_480.mkv"]
        frag = out["fragments"][0]
        audio = frag["tracks"][1]
        self.assertEqual((audio["number"], audio["type"], audio["name"], audio["codec_id"],
                          audio["sampling_frequency"], audio["channels"], audio["codec_private_bytes"]),
                         (2, 2, "Stereo", "A_AAC", 48000, 2, 2))
        self.assertEqual({t: b["blocks"] for t, b in blocks_by_track(frag).items()}, {1: 909, 2: 1425})
        _, out = self.dumps["bezos_vogels.mkv"]
        self.assertEqual(out["totals"]["blocks"], 546)
        self.assertEqual(out["fragments"][0]["first_frame_ns"], 834 * 1000000)

    def documents(self, name):
        """Yields (fragment from mkv-dump, path of that document alone)."""
        _, out = self.dumps[name]
        with open(capture_path(name), "rb") as f:
            data = f.read()
        magic = [m.start() for m in re.finditer(re.escape(EBML_MAGIC), data)]
        starts = [f["start_offset"] for f in out["fragments"]]
        # every EBML header is a fragment start, and nothing else is
        self.assertEqual(starts, magic)
        ends = starts[1:] + [len(data)]
        tmp = tempfile.mkdtemp(prefix="mkv-doc-")
        try:
            for i, (frag, a, b) in enumerate(zip(out["fragments"], starts, ends)):
                path = os.path.join(tmp, f"doc{i}.mkv")
                with open(path, "wb") as f:
                    f.write(data[a:b])
                yield frag, path
        finally:
            shutil.rmtree(tmp)

    @unittest.skipUnless(shutil.which("mkvinfo"), "mkvinfo (mkvtoolnix) not installed")
    def test_mkv_captures_match_mkvinfo(self):
        for name in self.FILES:
            for frag, path in self.documents(name):
                with self.subTest(name, fragment=frag["index"]):
                    info = mkvinfo(path)
                    self.assertEqual(tag_pairs(frag), info["tags"])
                    got_tracks = [{"number": t["number"], "type": t["type"], "name": t["name"],
                                   "codec_id": t["codec_id"], "rate": float(t["sampling_frequency"]),
                                   "channels": t["channels"], "bit_depth": t["bit_depth"]}
                                  for t in frag["tracks"]]
                    self.assertEqual(got_tracks, info["tracks"])
                    got_blocks = {t: {"blocks": b["blocks"], "first": b["first_time_ns"],
                                      "last": b["last_time_ns"]}
                                  for t, b in blocks_by_track(frag).items()}
                    self.assertEqual(got_blocks, info["blocks"])

    @unittest.skipUnless(shutil.which("ffprobe"), "ffprobe (ffmpeg) not installed")
    def test_mkv_captures_match_ffprobe(self):
        checked = 0
        for name in self.FILES:
            for frag, path in self.documents(name):
                probe = ffprobe_packets(path)
                if probe is None or not frag["complete"]:
                    continue  # ffprobe cannot read it (test_tags_empty_cluster), or it is cut
                with self.subTest(name, fragment=frag["index"]):
                    # ffprobe numbers streams in Tracks order
                    by_track = blocks_by_track(frag)
                    for i, t in enumerate(frag["tracks"]):
                        want = by_track.get(t["number"], {"blocks": 0})
                        self.assertEqual(probe["counts"].get(i, 0), want["blocks"])
                        if i in probe["first_ns"]:
                            self.assertEqual(probe["first_ns"][i], want["first_time_ns"])
                    checked += 1
        self.assertGreaterEqual(checked, 10)


if __name__ == "__main__":
    unittest.main()

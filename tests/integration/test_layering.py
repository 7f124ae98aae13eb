"""The rooms of the architecture (README "Architecture") include only the
rooms below them: checked from every #include "room/file.h" line, so a
module that reaches upward, or a cycle between rooms, fails here."""
import glob
import os
import re
import tempfile
import unittest

import helpers

# room -> rooms (or single headers) it may include; its own room is always allowed.
ALLOWED = {
    "bootstrap.c": {"runtime", "handler", "aws", "common"},
    "runtime": {"common"},
    "handler": {"connect", "chime", "video", "recorder", "kvs", "services", "s3", "aws", "sigv4", "audio", "common"},
    "connect": {"common", "kvs/fragment_number.h", "recorder/redaction.h"},
    "chime": {"recorder", "kvs", "services", "common"},
    "video": {"services", "sigv4", "common"},
    "recorder": {"kvs", "audio", "common"},
    "kvs": {"services/kvs_client.h", "aws/http.h", "common"},
    "services": {"aws", "sigv4", "common", "kvs/fragment_number.h"},
    "s3": {"services", "aws/http.h", "sigv4/crypto.h", "audio/byte_sink.h", "common"},
    "aws": {"sigv4", "common"},
    "sigv4": {"common"},
    "audio": {"common"},
    "common": set(),
}
INCLUDE = re.compile(r'^\s*#\s*include\s+"([a-z0-9_]+)/([a-z0-9_]+\.h)"', re.M)


def sources():
    for room in ALLOWED:
        if room.endswith(".c"):
            yield room, os.path.join(helpers.ROOT, room)
            continue
        for path in sorted(glob.glob(os.path.join(helpers.ROOT, room, "*.[ch]"))):
            yield room, path


def includes(path):
    with open(path, encoding="utf-8") as f:
        return INCLUDE.findall(f.read())


def violations(files):
    """[(room, path)] -> the include lines that break ALLOWED."""
    bad = []
    for room, path in files:
        for target_room, header in includes(path):
            if target_room == room:
                continue
            allowed = ALLOWED[room]
            if target_room not in allowed and f"{target_room}/{header}" not in allowed:
                bad.append(f"{os.path.relpath(path, helpers.ROOT)} includes {target_room}/{header}")
    return bad


class LayeringTest(unittest.TestCase):
    def test_every_room_includes_only_rooms_below_it(self):
        self.assertEqual(violations(sources()), [],
                         "a room reaches outside what README's architecture table allows")

    def test_every_room_is_in_the_table(self):
        known = {r for r in ALLOWED if not r.endswith(".c")} | {
            "tools", "tests", "fuzz", "bench", "scripts", "events", "SampleFlows", "build", "demo-output"}
        for entry in sorted(os.listdir(helpers.ROOT)):
            path = os.path.join(helpers.ROOT, entry)
            if os.path.isdir(path) and not entry.startswith(".") and not entry.startswith("build"):
                self.assertIn(entry, known, f"{entry}/ is a room README's architecture table does not name")

    def test_the_checker_sees_a_violation(self):
        # The check above must be able to fail: the recorder reaching a service is one.
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "x.c")
            with open(path, "w") as f:
                f.write('#include "recorder/output.h"\n  #  include "services/s3_client.h"\n')
            self.assertEqual(len(violations([("recorder", path)])), 1)
            self.assertEqual(violations([("handler", path)]), [])


if __name__ == "__main__":
    unittest.main()

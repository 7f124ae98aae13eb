"""A four-hour call goes through with flat memory: bootstrap's peak RSS for
a 4-hour call is that of a 1-hour call, within 2 MB, and both stay under the
32 MB target (the audio streams from GetMedia to S3 multipart uploads; the
first part of each WAV and the part filling wait in unlinked spool files in
UPLOAD_SPOOL_DIR, not in memory), and the objects are complete and in the
right place.

Plain build only: ASan's quarantine and shadow memory make RSS meaningless."""
import os
import random
import shutil
import tempfile
import unittest

import helpers
from recording_env import FROM, TO, Bootstrap, Capture, ctr_for, event, keys_for, record, write_capture
from stack.localstack import DEFAULT_BUCKET, LocalStack
from stack.runtime_api import RuntimeApiEmulator

WAV_HEADER = 80  # bytes: the writer's RIFF header with room to become RF64
TARGET_KB = 32 * 1024  # issue 11: the pipeline in 32 MB
FLAT_KB = 2048         # 4 hours may hold at most this much more than 1 hour



@unittest.skipIf(helpers.is_sanitized(helpers.program("bootstrap")), helpers.sanitizer_skip("RSS is measured on the plain build"))
class LongCallTest(unittest.TestCase):
    def record_call(self, st, rt, tmp, hours):
        contact = f"long-{hours}h"
        cap = Capture(seed=hours)
        cap.add_contact(contact, seconds=hours * 3600)
        path = write_capture(cap, tmp, contact)
        arn = st.add_media(f"stream-{contact}", path, chunk_bytes=256 * 1024)["StreamARN"]
        boot = Bootstrap(st, rt, KVS_IDLE_TIMEOUT_MS=3000)
        try:
            answer = boot.invoke(event(record(ctr_for(cap, arn, contact, initiation="2025-12-01T10:00:00Z"), 1)),
                                 timeout_ms=900000, timeout=1200)
            rss = helpers.peak_rss_kb(boot.proc.pid)
        finally:
            log = boot.stop()
        self.assertEqual(answer["kind"], "response", log[-3000:])
        self.assertEqual(answer["body"], b'{"batchItemFailures":[]}', log[-3000:])
        os.unlink(path)
        return cap, contact, rss

    def test_four_hour_call_with_flat_memory(self):
        tmp = tempfile.mkdtemp(prefix="long-call-")
        try:
            with LocalStack() as st, RuntimeApiEmulator() as rt:
                _, _, rss_1h = self.record_call(st, rt, tmp, 1)
                cap, contact, rss_4h = self.record_call(st, rt, tmp, 4)
                s3 = st.client("s3")
                keys = keys_for(contact)
                samples = 4 * 3600 * 8000
                rng = random.Random(4)
                for kind, channels in ((FROM, 1), (TO, 1), ("mixed", 2)):
                    head = s3.head_object(Bucket=DEFAULT_BUCKET, Key=keys[kind])
                    self.assertEqual(head["ContentLength"], WAV_HEADER + samples * 2 * channels, kind)
                    # The header, uploaded last, must describe the data that went first.
                    hdr = s3.get_object(Bucket=DEFAULT_BUCKET, Key=keys[kind],
                                        Range=f"bytes=0-{WAV_HEADER - 1}")["Body"].read()
                    self.assertEqual(hdr[:4], b"RIFF")
                    self.assertEqual(int.from_bytes(hdr[4:8], "little"), head["ContentLength"] - 8)
                    self.assertEqual(hdr[WAV_HEADER - 8:WAV_HEADER - 4], b"data")
                    self.assertEqual(int.from_bytes(hdr[WAV_HEADER - 4:WAV_HEADER], "little"), samples * 2 * channels)
                    # Spot checks: the counter audio tells where every sample belongs.
                    for _ in range(3):
                        pos = rng.randrange(0, samples - 1000)
                        lo = WAV_HEADER + pos * 2 * channels
                        got = s3.get_object(Bucket=DEFAULT_BUCKET, Key=keys[kind],
                                            Range=f"bytes={lo}-{lo + 1000 * 2 * channels - 1}")["Body"].read()
                        if kind == "mixed":
                            got = got[0::4] + got[1::4], got[2::4] + got[3::4]
                            want = (cap.sources[FROM].samples(pos, 1000)[0::2] + cap.sources[FROM].samples(pos, 1000)[1::2],
                                    cap.sources[TO].samples(pos, 1000)[0::2] + cap.sources[TO].samples(pos, 1000)[1::2])
                            self.assertEqual(got, want, f"mixed at sample {pos}")
                        else:
                            self.assertEqual(got, cap.sources[kind].samples(pos, 1000), f"{kind} at sample {pos}")
                self.assertFalse(s3.list_multipart_uploads(Bucket=DEFAULT_BUCKET).get("Uploads"))
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
        self.assertLess(rss_1h, TARGET_KB, f"peak RSS {rss_1h} kB for 1 hour")
        self.assertLess(rss_4h, TARGET_KB, f"peak RSS {rss_4h} kB for 4 hours")
        self.assertLess(rss_4h, rss_1h + FLAT_KB, f"peak RSS grew from {rss_1h} kB (1 h) to {rss_4h} kB (4 h)")


if __name__ == "__main__":
    unittest.main()

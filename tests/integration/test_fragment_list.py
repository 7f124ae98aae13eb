"""The bounded reader (KVS_READ_MODE): ListFragments + GetMediaForFragmentList
through the local stack's KVS stand-in gives the same objects as GetMedia,
never waits at the live edge, pages, batches, resumes, and treats a fragment
it cannot get as a failure that may pass."""
import json
import time
import unittest

from recording_env import (DEFAULT_BUCKET, FROM, TO, Bootstrap, Capture, contact_fragments, ctr_with_span,
                           event, keys_for, record, write_capture)
from stack_case import StackTestCase

# The recorder's capture shapes: gaps and late tracks, the older one-track
# layout, real PCM codec IDs, 1-byte unknown sizes, streams without
# continuation tokens, fragments that are not one second long.
CAPTURES = {
    "connect": dict(seed=21),
    "gaps": dict(seed=22),
    "old-layout": dict(seed=23, layout="old"),
    "pcm-lit": dict(seed=24, codec="A_PCM/INT/LIT", mime=False),
    "one-byte-sizes": dict(seed=25, segment_size_width=1),
    "no-tokens": dict(seed=26, continuation_tokens=False),
    "short-fragments": dict(seed=27, fragment_ms=400),
}


class FragmentListTest(StackTestCase):
    def stream(self, name, contacts=(("fl-a", 3), ("fl-b", 5), ("fl-c", 2)), **options):
        """A reused stream of several contacts; returns (capture, ARN)."""
        cap_opts = dict(CAPTURES.get(name, {"seed": 31}))
        cap = Capture(**cap_opts)
        for i, (contact, seconds) in enumerate(contacts):
            gaps = {FROM: [(700, 500)]} if name == "gaps" and i == 1 else None
            cap.add_contact(contact, seconds=seconds, to_start_ms=300 if name == "gaps" else 0, gaps=gaps)
        arn = self.st.add_media(f"s-{name}", write_capture(cap, self.tmp, name), chunk_bytes=4096,
                                **options)["StreamARN"]
        return cap, arn

    def run_event(self, ev, **env):
        boot = Bootstrap(self.st, self.rt, **env)
        try:
            t0 = time.monotonic()
            answer = boot.invoke(ev)
            took = time.monotonic() - t0
        finally:
            log = boot.stop()
        self.assertEqual(answer["kind"], "response", log[-4000:])
        return json.loads(answer["body"]), boot.lines(log), took

    def objects(self, contact, kinds=(FROM, TO, "mixed")):
        keys = keys_for(contact, date="2023/11/14")
        out = {}
        for kind in kinds:
            out[kind] = self.s3.get_object(Bucket=DEFAULT_BUCKET, Key=keys[kind])["Body"].read()
            self.s3.delete_object(Bucket=DEFAULT_BUCKET, Key=keys[kind])
        return out

    def record_with(self, mode, cap, arn, contact, kinds=(FROM, TO, "mixed"), **env):
        rec = record(ctr_with_span(cap, arn, contact, initiation="2023-11-14T22:13:20Z"), self.next_seq())
        out, lines, took = self.run_event(event(rec), KVS_READ_MODE=mode, **env)
        self.assertEqual(out, {"batchItemFailures": []}, lines[-5:])
        stored = [l for l in lines if l.get("message") == "recording stored"]
        self.assertEqual(len(stored), 1, lines[-5:])
        return self.objects(contact, kinds), stored[0], took

    # -- the same objects ---------------------------------------------------------
    def test_both_modes_write_identical_objects_on_every_capture_shape(self):
        for name in CAPTURES:
            with self.subTest(capture=name):
                cap, arn = self.stream(name)
                kinds = (FROM,) if name == "old-layout" else (FROM, TO, "mixed")
                auth = "1" if name == "old-layout" else "3"
                for contact in ("fl-a", "fl-b"):
                    got = {}
                    for mode in ("getmedia", "fragment-list"):
                        rec = record(ctr_with_span(cap, arn, contact, initiation="2023-11-14T22:13:20Z",
                                                   recording_auth=auth), self.next_seq())
                        out, lines, _ = self.run_event(event(rec), KVS_READ_MODE=mode)
                        self.assertEqual(out, {"batchItemFailures": []})
                        stored = [l for l in lines if l.get("message") == "recording stored"][0]
                        self.assertEqual(stored["readWith"],
                                         "GetMedia" if mode == "getmedia" else "GetMediaForFragmentList")
                        got[mode] = self.objects(contact, kinds)
                    self.assertEqual(got["getmedia"], got["fragment-list"], f"{name} {contact}")
                    exp = cap.expected(contact_id=contact)
                    self.assertGreater(len(got["getmedia"][FROM]), 44 + len(exp.tracks[kinds[0]]) - 1)

    # -- bounded ---------------------------------------------------------------------
    def test_no_wait_at_the_live_edge_and_nothing_read_past_the_contact(self):
        # The contact is the stream's last; then the stream idles (GetMedia stalls there).
        cap, arn = self.stream("edge", contacts=(("fl-a", 2), ("fl-last", 3)), live_edge_stall_s=30)
        base = self.st.stream_log("s-edge")
        objs, _, took = self.record_with("fragment-list", cap, arn, "fl-last", KVS_IDLE_TIMEOUT_MS=6000)
        self.assertLess(took, 6.0)  # never waited for the idle timeout
        log = self.st.stream_log("s-edge")
        self.assertEqual(len(log["calls"]), len(base["calls"]))  # no GetMedia at all
        sent = [n for c in log["fragment_calls"] for n in c["fragments"]]
        self.assertEqual(sent, [str(f.number) for f in contact_fragments(cap, "fl-last")])
        self.assertEqual(objs, self.record_with("getmedia", cap, arn, "fl-last")[0])

    def test_a_stream_that_keeps_going_after_the_contact_reads_only_its_fragments(self):
        cap, arn = self.stream("going", contacts=(("fl-a", 2), ("fl-b", 3), ("fl-c", 20)))
        self.record_with("fragment-list", cap, arn, "fl-b")
        sent = [n for c in self.st.stream_log("s-going")["fragment_calls"] for n in c["fragments"]]
        self.assertEqual(sent, [str(f.number) for f in contact_fragments(cap, "fl-b")])

    def test_pages_and_batches(self):
        cap, arn = self.stream("paged", contacts=(("fl-a", 2), ("fl-long", 23)), list_page_size=4)
        objs, stored, _ = self.record_with("fragment-list", cap, arn, "fl-long", FRAGMENT_LIST_BATCH=5)
        log = self.st.stream_log("s-paged")
        self.assertGreaterEqual(len(log["list_calls"]), 6)  # 25 fragments in the range, 4 a page
        self.assertTrue(all(c["next_token"] for c in log["list_calls"][1:]))
        self.assertEqual([len(c["fragments"]) for c in log["fragment_calls"]], [5, 5, 5, 5, 3])
        self.assertEqual(stored["listFragmentsCalls"], len(log["list_calls"]))
        self.assertEqual(objs, self.record_with("getmedia", cap, arn, "fl-long")[0])

    def test_a_batch_cut_short_resumes_after_the_last_complete_fragment(self):
        cap, arn = self.stream("drop", contacts=(("fl-a", 6),),
                               failures=[{"drop_after_bytes": 30000}, {"drop_after_bytes": 20000}])
        objs, _, _ = self.record_with("fragment-list", cap, arn, "fl-a")
        calls = self.st.stream_log("s-drop")["fragment_calls"]
        self.assertEqual(len(calls), 3)
        numbers = [str(f.number) for f in contact_fragments(cap, "fl-a")]
        self.assertEqual(calls[0]["fragments"], numbers)
        self.assertEqual(calls[-1]["fragments"], numbers[-len(calls[-1]["fragments"]):])
        self.assertEqual(objs, self.record_with("getmedia", cap, arn, "fl-a")[0])

    # -- fragments it cannot get ------------------------------------------------------
    def test_fragment_not_found_in_the_answer_is_retried_later_and_leaves_nothing(self):
        cap, arn = self.stream("missing")
        middle = str(contact_fragments(cap, "fl-b")[2].number)
        self.st.add_media("s-missing", self.tmp + "/missing.mkv", chunk_bytes=4096, not_found=[middle])
        rec = record(ctr_with_span(cap, arn, "fl-b", initiation="2023-11-14T22:13:20Z"), self.next_seq())
        out, lines, _ = self.run_event(event(rec), KVS_READ_MODE="fragment-list")
        self.assertEqual(out, {"batchItemFailures": [{"itemIdentifier": rec["kinesis"]["sequenceNumber"]}]})
        warn = [l for l in lines if l.get("message", "").startswith("recording failed; Lambda will retry")]
        self.assertIn("FRAGMENT_NOT_FOUND", warn[0]["reason"])
        listing = self.s3.list_objects_v2(Bucket=DEFAULT_BUCKET).get("Contents", [])
        self.assertFalse([o for o in listing if "fl-b" in o["Key"]])
        self.assertFalse(self.s3.list_multipart_uploads(Bucket=DEFAULT_BUCKET).get("Uploads"))

    def test_a_stop_fragment_not_listed_yet(self):
        cap, arn = self.stream("unlisted")
        last = str(contact_fragments(cap, "fl-b")[-1].number)
        self.st.add_media("s-unlisted", self.tmp + "/unlisted.mkv", chunk_bytes=4096, unlisted=[last])
        rec = record(ctr_with_span(cap, arn, "fl-b", initiation="2023-11-14T22:13:20Z"), self.next_seq())
        # fragment-list: the record comes back later (Lambda's retries are bounded)
        out, lines, _ = self.run_event(event(rec), KVS_READ_MODE="fragment-list")
        self.assertEqual(out, {"batchItemFailures": [{"itemIdentifier": rec["kinesis"]["sequenceNumber"]}]})
        self.assertTrue(any("does not list the stop fragment" in l.get("reason", "") for l in lines))
        # auto: read with GetMedia at once, same objects as GetMedia gives
        objs, stored, _ = self.record_with("auto", cap, arn, "fl-b")
        self.assertEqual(stored["readWith"], "GetMedia")
        self.assertEqual(objs, self.record_with("getmedia", cap, arn, "fl-b")[0])

    def test_auto_uses_the_list_when_the_ctr_names_its_span_and_getmedia_otherwise(self):
        cap, arn = self.stream("auto")
        _, stored, _ = self.record_with("auto", cap, arn, "fl-a")
        self.assertEqual(stored["readWith"], "GetMediaForFragmentList")
        c = ctr_with_span(cap, arn, "fl-a", initiation="2023-11-14T22:13:20Z")
        del c["Recordings"][0]["StopTimestamp"]
        out, lines, _ = self.run_event(event(record(c, self.next_seq())))
        self.assertEqual(out, {"batchItemFailures": []})
        self.assertEqual([l["readWith"] for l in lines if l.get("message") == "recording stored"], ["GetMedia"])
        self.objects("fl-a")

    def test_an_unknown_read_mode_is_an_init_error(self):
        boot = Bootstrap(self.st, self.rt, KVS_READ_MODE="fast")
        try:
            err = self.rt.wait_init_error(timeout=20)
        finally:
            self.rt.init_errors.clear()
            boot.stop()
        self.assertIn("KVS_READ_MODE", json.loads(err["body"])["errorMessage"])


if __name__ == "__main__":
    unittest.main()

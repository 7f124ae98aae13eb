"""The recording handler end to end through the local stack: moto with auth
on and temporary credentials, the KVS stand-in serving synthetic Connect
captures, the Runtime API emulator driving build/bootstrap."""
import json
import unittest

from recording_env import (CLOUDFRONT, DEFAULT_BUCKET, FROM, INSTANCE_ID, TO, Bootstrap, Capture, ctr,
                           ctr_for, event, keys_for, record, s3_wav, write_capture)
from stack_case import StackTestCase


class RecordingHandlerTest(StackTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # Two contacts, one after the other, on one reused stream; the second
        # contact's agent side starts late and has a gap.
        cap = Capture(seed=7)
        cap.add_contact("contact-a", seconds=4)
        cap.add_contact("contact-b", seconds=3, to_start_ms=700, gaps={FROM: [(1200, 400)]})
        cap.add_contact("contact-c", seconds=2)
        cls.cap = cap
        path = write_capture(cap, cls.tmp, "shared")
        cls.arn = cls.st.add_media("connect-shared-stream", path, chunk_bytes=8192)["StreamARN"]

    def setUp(self):
        # Every test starts from an empty bucket too, so what it finds is what
        # its own invocation wrote.
        super().setUp()
        keys = [{"Key": k} for k in self.object_keys("")]
        for i in range(0, len(keys), 1000):
            self.s3.delete_objects(Bucket=DEFAULT_BUCKET, Delete={"Objects": keys[i:i + 1000]})

    def run_event(self, ev, timeout_ms=60000, **env):
        boot = Bootstrap(self.st, self.rt, **env)
        try:
            answer = boot.invoke(ev, timeout_ms=timeout_ms)
        finally:
            log = boot.stop()
        self.assertEqual(answer["kind"], "response", log[-4000:])
        _, secret, token = self.st.session_credentials
        self.assertNotIn(secret, log)  # secrets never reach the logs
        self.assertNotIn(token, log)
        return json.loads(answer["body"]), boot.lines(log)

    def assert_objects_match(self, contact_id, cap=None, suffix="", kinds=(FROM, TO, "mixed"), start=None,
                             stop=None):
        cap = cap or self.cap
        exp = cap.expected(contact_id=contact_id, start=start, stop=stop)
        keys = keys_for(contact_id, suffix=suffix)
        listing = self.object_keys(f"recordings/2025/12/1/{contact_id}_")
        self.assertEqual(listing & set(keys.values()), {keys[k] for k in kinds})
        for kind in kinds:
            frames, rate, channels = s3_wav(self.s3, keys[kind])
            self.assertEqual(rate, 8000)
            if kind == "mixed":
                self.assertEqual(channels, 2)
                self.assertEqual(frames, exp.mixed, f"{contact_id} mixed differs")
            else:
                self.assertEqual(channels, 1)
                self.assertEqual(frames, exp.tracks[kind], f"{contact_id} {kind} differs")
            head = self.s3.head_object(Bucket=DEFAULT_BUCKET, Key=keys[kind])
            self.assertEqual(head["ContentType"], "audio/wav")
            self.assertEqual(head["Metadata"].get("contact-id"), contact_id)
            self.assertEqual(head.get("ServerSideEncryption"), "AES256")
        return keys

    def object_keys(self, prefix):
        # moto's signature check rejects a Prefix with '/' (it needs percent-encoding): filter here.
        pages = self.s3.get_paginator("list_objects_v2").paginate(Bucket=DEFAULT_BUCKET)
        return {o["Key"] for page in pages for o in page.get("Contents", []) if o["Key"].startswith(prefix)}

    def attributes(self, contact_id):
        return self.st.contact_attributes().get(f"{INSTANCE_ID}/{contact_id}")

    def no_open_uploads(self):
        return not self.s3.list_multipart_uploads(Bucket=DEFAULT_BUCKET).get("Uploads")

    # -- the contract -----------------------------------------------------------
    def test_two_contacts_on_one_stream_each_get_only_their_own_audio(self):
        ev = event(record(ctr_for(self.cap, self.arn, "contact-a"), self.next_seq()),
                   record(ctr_for(self.cap, self.arn, "contact-b"), self.next_seq()))
        out, lines = self.run_event(ev)
        self.assertEqual(out, {"batchItemFailures": []})
        for contact in ("contact-a", "contact-b"):
            keys = self.assert_objects_match(contact)
            attrs = self.attributes(contact)
            self.assertEqual(attrs, {"audioFromCustomer": f"{CLOUDFRONT}/{keys[FROM]}",
                                     "audioToCustomer": f"{CLOUDFRONT}/{keys[TO]}",
                                     "audioMixed": f"{CLOUDFRONT}/{keys['mixed']}"})
        stored = [l for l in lines if l.get("message") == "recording stored"]
        self.assertEqual([l["contactId"] for l in stored], ["contact-a", "contact-b"])
        self.assertEqual(stored[0]["fragmentsUsed"], 4)
        self.assertAlmostEqual(stored[0]["fromCustomerSeconds"], 4.0, places=2)

    def test_recording_auth_1_and_2_write_one_side_and_empty_attributes(self):
        for auth, kind, attr in (("1", FROM, "audioFromCustomer"), ("2", TO, "audioToCustomer")):
            contact = "contact-c"
            self.s3.delete_objects(Bucket=DEFAULT_BUCKET, Delete={"Objects": [
                {"Key": k} for k in keys_for(contact).values()]})
            out, _ = self.run_event(event(record(ctr_for(self.cap, self.arn, contact, recording_auth=auth),
                                                 self.next_seq())))
            self.assertEqual(out, {"batchItemFailures": []})
            keys = self.assert_objects_match(contact, kinds=(kind,))
            attrs = self.attributes(contact)
            expected = {"audioFromCustomer": "", "audioToCustomer": "", "audioMixed": ""}
            expected[attr] = f"{CLOUDFRONT}/{keys[kind]}"
            self.assertEqual(attrs, expected)

    def test_several_recordings_in_one_ctr_get_their_own_objects(self):
        frags = [f for f in self.cap.fragments if f.contact_id == "contact-a"]
        c = ctr("contact-a", [(self.arn, frags[0].number, frags[1].number),
                              (self.arn, frags[2].number, frags[3].number)], initiation="2025-12-01T00:00:01Z")
        out, _ = self.run_event(event(record(c, self.next_seq())))
        self.assertEqual(out, {"batchItemFailures": []})
        self.assert_objects_match("contact-a", start=frags[0].number, stop=frags[1].number)
        self.assert_objects_match("contact-a", suffix="_2", start=frags[2].number, stop=frags[3].number)
        attrs = self.attributes("contact-a")
        k1, k2 = keys_for("contact-a"), keys_for("contact-a", suffix="_2")
        self.assertEqual(attrs["audioMixed"], f"{CLOUDFRONT}/{k1['mixed']}, {CLOUDFRONT}/{k2['mixed']}")

    def test_a_track_that_cannot_be_decoded_is_an_error_not_a_stored_recording(self):
        # Real AAC (no MimeType saying audio/L16): nothing we may decode as PCM.
        cap = Capture(seed=11, mime=False)
        cap.add_contact("contact-aac", seconds=2)
        arn = self.st.add_media("connect-aac-stream", write_capture(cap, self.tmp, "aac"))["StreamARN"]
        out, lines = self.run_event(event(record(ctr_for(cap, arn, "contact-aac"), self.next_seq())))
        self.assertEqual(out, {"batchItemFailures": []})  # permanent: not retried
        mine = [l for l in lines if l.get("contactId") == "contact-aac"]
        self.assertFalse([l for l in mine if l.get("message") == "recording stored"])
        failed = [l for l in mine if l.get("message") == "recording failed permanently"]
        self.assertEqual(len(failed), 1, mine)
        self.assertEqual(failed[0]["level"], "ERROR")
        self.assertIn("A_AAC", failed[0]["reason"])
        self.assertFalse(self.object_keys("recordings/2025/12/1/contact-aac_"))
        self.assertIsNone(self.attributes("contact-aac"))

    def test_chat_already_processed_and_malformed_records_are_skipped_without_failing(self):
        good = ctr_for(self.cap, self.arn, "contact-b", initial_contact_id="initial-b")
        chat = ctr("chat-1", [(self.arn, None, None)], channel="CHAT")
        done = ctr("done-1", [(self.arn, None, None)], attributes={"audioMixed": "x"})
        missing = ctr("missing-1", [(self.arn, None, None)])
        del missing["InstanceARN"]
        ev = event(record(chat, self.next_seq()), record(done, self.next_seq()),
                   record(b"{not json", self.next_seq()), record(b"", self.next_seq(), encoding="raw"),
                   {"kinesis": {"sequenceNumber": "1", "data": "%%%"}},
                   record(missing, self.next_seq()), record(good, self.next_seq(), encoding="gzip"))
        out, lines = self.run_event(ev)
        self.assertEqual(out, {"batchItemFailures": []})
        skipped = [l for l in lines if l.get("message", "").startswith(("skipping", "contact not recorded"))]
        self.assertGreaterEqual(len(skipped), 6)
        self.assertTrue(any(l.get("contactId") == "missing-1" and "InstanceARN" in l.get("reason", "")
                            for l in skipped))
        for c in ("chat-1", "done-1", "missing-1"):
            self.assertIsNone(self.attributes(c))
        self.assert_objects_match("contact-b")
        self.assertIn("audioMixed", self.st.contact_attributes()[f"{INSTANCE_ID}/initial-b"])

    def test_inline_ctr_object_is_accepted(self):
        out, _ = self.run_event(event(record(ctr_for(self.cap, self.arn, "contact-c"), self.next_seq(),
                                             encoding="inline")))
        self.assertEqual(out, {"batchItemFailures": []})
        self.assert_objects_match("contact-c")

    # -- failures ------------------------------------------------------------------
    def test_s3_503_and_kvs_throttling_are_retried(self):
        self.st.inject_fault(method="PUT", path_prefix="/recordings/recordings/", status=503, code="SlowDown",
                             count=2, error_format="xml")
        self.st.inject_fault(method="POST", path_prefix="/getMedia", status=400,
                             code="ClientLimitExceededException", count=1)
        self.st.clear_request_log()
        out, _ = self.run_event(event(record(ctr_for(self.cap, self.arn, "contact-a"), self.next_seq())))
        self.assertEqual(out, {"batchItemFailures": []})
        self.assert_objects_match("contact-a")
        log = self.st.request_log()
        self.assertEqual([r["status"] for r in log if r["path"] == "/getMedia"][:2], [400, 200])
        puts = [r["status"] for r in log if r["method"] == "PUT" and r["path"].startswith("/recordings/")]
        self.assertEqual(puts.count(503), 2)

    def test_data_endpoint_is_cached_and_refreshed_on_invalid_endpoint(self):
        self.st.inject_fault(method="POST", path_prefix="/getMedia", status=400,
                             code="InvalidEndpointException", count=1)
        self.st.clear_request_log()
        ev = event(record(ctr_for(self.cap, self.arn, "contact-a"), self.next_seq()),
                   record(ctr_for(self.cap, self.arn, "contact-b"), self.next_seq()))
        out, lines = self.run_event(ev)
        self.assertEqual(out, {"batchItemFailures": []}, lines)
        self.assert_objects_match("contact-a")
        self.assert_objects_match("contact-b")
        calls = [r["path"] for r in self.st.request_log() if r["path"] in ("/getDataEndpoint", "/getMedia")]
        # One lookup, then one more after InvalidEndpointException; the second contact uses the cache.
        self.assertEqual(calls[:4], ["/getDataEndpoint", "/getMedia", "/getDataEndpoint", "/getMedia"])
        self.assertEqual(calls.count("/getDataEndpoint"), 2)

    def test_permanent_failures_are_logged_not_retried(self):
        missing = ctr("ghost", [(self.arn.replace("connect-shared-stream", "no-such-stream"), None, None)])
        bad_fragment = ctr("contact-a", [(self.arn, "123", None)])
        ev = event(record(missing, self.next_seq()), record(bad_fragment, self.next_seq()))
        out, lines = self.run_event(ev)
        self.assertEqual(out, {"batchItemFailures": []})
        errors = [l for l in lines if l.get("level") == "ERROR"]
        self.assertTrue(any(l.get("contactId") == "ghost" and "ResourceNotFound" in l.get("reason", "")
                            for l in errors), errors)
        self.assertIsNone(self.attributes("ghost"))

    def test_throttled_connect_is_reported_as_batch_item_failure(self):
        self.st.inject_fault(method="POST", path_prefix="/contact/attributes", status=429,
                             code="ThrottlingException", count=100)
        rec = record(ctr_for(self.cap, self.arn, "contact-c"), self.next_seq())
        out, _ = self.run_event(event(rec))
        self.assertEqual(out, {"batchItemFailures": [{"itemIdentifier": rec["kinesis"]["sequenceNumber"]}]})

    def test_get_media_dropped_mid_stream_and_session_end_resume_without_loss_or_duplication(self):
        for name, opts in (("drop", {"failures": [{"drop_after_bytes": 70000}, {"drop_after_bytes": 50000}]}),
                           ("session", {"session_fragments": 2})):
            path = write_capture(self.cap, self.tmp, name)
            arn = self.st.add_media(f"stream-{name}", path, chunk_bytes=4096, **opts)["StreamARN"]
            out, lines = self.run_event(event(record(ctr_for(self.cap, arn, "contact-b"), self.next_seq())))
            self.assertEqual(out, {"batchItemFailures": []}, name)
            self.assert_objects_match("contact-b")
            self.assertTrue(any(l.get("message") == "GetMedia ended early; resuming" for l in lines), name)
            calls = self.st.stream_calls(f"stream-{name}")
            self.assertGreaterEqual(len(calls), 2)
            self.assertEqual(calls[1]["selector"]["StartSelectorType"], "CONTINUATION_TOKEN")

    def test_resume_without_continuation_tokens_does_not_duplicate_the_last_fragment(self):
        # FRAGMENT_NUMBER includes the named fragment: the resumed stream starts with
        # the last fragment already used, which must not be used twice.
        cap = Capture(seed=7, continuation_tokens=False)
        cap.add_contact("contact-a", seconds=4)
        cap.add_contact("contact-b", seconds=5, to_start_ms=700)
        path = write_capture(cap, self.tmp, "no-tokens")
        arn = self.st.add_media("stream-no-tokens", path, chunk_bytes=4096, session_fragments=3)["StreamARN"]
        out, _ = self.run_event(event(record(ctr_for(cap, arn, "contact-b"), self.next_seq())))
        self.assertEqual(out, {"batchItemFailures": []})
        self.assert_objects_match("contact-b", cap=cap)
        calls = self.st.stream_calls("stream-no-tokens")
        self.assertEqual(len(calls), 2)
        self.assertEqual(calls[1]["selector"]["StartSelectorType"], "FRAGMENT_NUMBER")
        self.assertEqual(calls[1]["first_index"], calls[0]["first_index"] + 2)  # re-delivers the last one read

    def test_deadline_too_short_reports_failures_and_leaves_nothing_behind(self):
        # A long contact served slowly: the invocation's deadline comes mid-stream, after the
        # stereo mix has passed two 5 MiB parts (a multipart upload is open by then).
        cap = Capture(seed=3)
        cap.add_contact("slow-1", seconds=900)
        cap.add_contact("slow-2", seconds=2)
        path = write_capture(cap, self.tmp, "slow")
        arn = self.st.add_media("stream-slow", path, chunk_bytes=65536, pace_ms=20)["StreamARN"]
        r1 = record(ctr_for(cap, arn, "slow-1"), self.next_seq())
        r2 = record(ctr_for(cap, arn, "slow-2"), self.next_seq())
        self.st.clear_request_log()
        # 12 s: at the pace above the mix passes 10 MiB after about 7 s of reading, with room for a
        # loaded machine (the parts now also go through the /tmp spool)
        out, lines = self.run_event(event(r1, r2), timeout_ms=12000, MULTIPART_PART_BYTES=5 * 1024 * 1024,
                                    DEADLINE_FINISH_RESERVE_MS=2000, DEADLINE_START_RESERVE_MS=2500)
        self.assertEqual(out, {"batchItemFailures": [{"itemIdentifier": r1["kinesis"]["sequenceNumber"]},
                                                     {"itemIdentifier": r2["kinesis"]["sequenceNumber"]}]})
        self.assertFalse(self.object_keys("recordings/2025/12/1/slow-"))
        mixed = [r for r in self.st.request_log() if r["path"].endswith("slow-1_audio_mixed.wav")]
        self.assertIn(("POST", "uploads="), [(r["method"], r["query"]) for r in mixed])  # it was started...
        self.assertIn("DELETE", [r["method"] for r in mixed])                             # ...and aborted
        self.assertTrue(self.no_open_uploads())
        self.assertIsNone(self.attributes("slow-1"))

if __name__ == "__main__":
    unittest.main()

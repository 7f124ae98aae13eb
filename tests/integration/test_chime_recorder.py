"""ChimeVoiceConnectorRecorder end to end: build/bootstrap driven by the
Runtime API emulator, the local stack (moto with auth on: DynamoDB and S3;
the KVS stand-in serving synthetic Voice Connector legs), temporary
credentials. Every test uses its own callId, so claims never meet."""
import io
import json
import os
import tempfile
import unittest
import wave

import emf
from chime_env import (CALL_TABLE, PREFIX, Leg, StackCase, chime_env, envelope, expected_stereo, sns_record,
                       sqs_batch, with_detail)
from fixtures.make_chime_mkv import ChimeLeg
from recording_env import DEFAULT_BUCKET, Bootstrap

T0 = 1_767_225_600_000  # 2026-01-01T00:00:00Z
OFFSET_MS = 1755        # the real 2023 pair's legs started this far apart


class ChimeRecorderTest(StackCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.s3 = cls.st.client("s3")
        # The caller's leg: its stream is recycled for the next call after this one.
        a = ChimeLeg(start_ms=T0, seed=1)
        a.add_call("tx-1", "call-1", 4)
        a.add_call("tx-next", "call-next", 2)
        # The other leg starts 1.755 s later, has a gap, a named track and
        # Connect's A_AAC label over L16; it is the end of its stream.
        b = ChimeLeg(start_ms=T0 + OFFSET_MS, seed=2, track_name="AUDIO", codec="A_AAC", mime=True)
        b.add_call("tx-1", "call-1", 3, gaps={"AUDIO": [(1000, 300)]})
        cls.a_cap, cls.b_cap = a, b
        cls.a = Leg(cls.st, cls.tmp, "a", a, "tx-1", True, chunk_bytes=8192)
        cls.b = Leg(cls.st, cls.tmp, "b", b, "tx-1", False, chunk_bytes=8192)
        # The same legs served with GetMedia sessions that end after one fragment.
        cls.b_short = Leg(cls.st, cls.tmp, "b-short", b, "tx-1", False, session_fragments=1,
                          failures=[{}, {"drop_after_bytes": 5000}])
        # A leg served so slowly that it cannot be read before the deadline.
        cls.a_slow = Leg(cls.st, cls.tmp, "a-slow", a, "tx-1", True, chunk_bytes=2048, pace_ms=250)
        cls.stereo = expected_stereo(cls.a, cls.b)
        cls.n = 0

    def setUp(self):
        self.st.clear_faults()
        self.work = tempfile.mkdtemp(prefix="work-", dir=self.tmp)
        type(self).n += 1
        self.call = f"call-{self.n:03d}-{self._testMethodName[5:25]}"

    # -- helpers -------------------------------------------------------------
    def run_events(self, *events, timeout_ms=60000, expect="response", **env):
        boot = Bootstrap(self.st, self.rt, **chime_env(self.work, **env))
        answers = []
        try:
            for ev in events:
                answers.append(boot.invoke(ev, timeout_ms=timeout_ms))
        finally:
            log = boot.stop()
        _, secret, token = self.st.session_credentials
        self.assertNotIn(secret, log)
        self.assertNotIn(token, log)
        out = []
        for a in answers:
            if expect == "response":
                self.assertEqual(a["kind"], "response", log[-3000:])
            out.append(json.loads(a["body"]) if a["kind"] == "response" else a)
        self.log = boot.lines(log)
        self.metrics = emf.metric_lines(log)  # every EMF line, checked against the specification
        return out

    def keys(self):
        # moto's signature check rejects a Prefix with '/' (it needs percent-encoding): filter here.
        pages = self.s3.get_paginator("list_objects_v2").paginate(Bucket=DEFAULT_BUCKET)
        return sorted(o["Key"] for page in pages for o in page.get("Contents", [])
                      if o["Key"].startswith(f"{PREFIX}/{self.call}"))

    def wav(self, key):
        body = self.s3.get_object(Bucket=DEFAULT_BUCKET, Key=key)["Body"].read()
        with wave.open(io.BytesIO(body), "rb") as w:
            return w.readframes(w.getnframes()), w.getframerate(), w.getnchannels()

    def metadata(self):
        body = self.s3.get_object(Bucket=DEFAULT_BUCKET, Key=f"{PREFIX}/{self.call}.json")["Body"].read()
        return json.loads(body)

    def assert_recorded(self, answer, left, right, assignment="isCaller"):
        self.assertEqual(answer["status"], "recorded", answer)
        wav_key, json_key = f"{PREFIX}/{self.call}.wav", f"{PREFIX}/{self.call}.json"
        self.assertEqual(answer["keys"], [wav_key, json_key])
        self.assertEqual(self.keys(), [json_key, wav_key])
        frames, rate, channels = self.wav(wav_key)
        self.assertEqual((rate, channels), (8000, 2))
        self.assertEqual(frames, expected_stereo(left, right), "the stereo WAV is not sample-exact")
        meta = self.metadata()
        self.assertEqual(meta["channelAssignment"], assignment)
        self.assertEqual([leg["streamArn"] for leg in meta["legs"]], [left.arn, right.arn])
        return meta

    def metric(self, name, **dimensions):
        """The values of metric `name` on this run's EMF lines (all of them the handler's)."""
        self.assertEqual({(d["Handler"], d["FunctionName"]) for d in self.metrics},
                         {("ChimeVoiceConnectorRecorder", "local")} if self.metrics else set())
        return emf.values(self.metrics, name, **dimensions)

    def claim(self):
        item = self.ddb.get_item(TableName=CALL_TABLE, ConsistentRead=True,
                                 Key={"call_id": {"S": self.call}, "is_caller": {"S": "#claim"}})
        return item.get("Item")

    # -- the call ------------------------------------------------------------
    def test_both_legs_aligned_sample_exact_with_the_seed_keys(self):
        a, b = self.a, self.b
        out = self.run_events(a.event("STARTED", self.call), b.event("STARTED", self.call),
                              b.event("ENDED", self.call), a.event("ENDED", self.call))
        self.assertEqual([o["status"] for o in out[:3]], ["stored", "stored", "waiting_for_other_leg"])
        meta = self.assert_recorded(out[3], a, b)
        detail = a.event("ENDED", self.call)["detail"]
        for k in ("callId", "transactionId", "direction", "fromNumber", "toNumber", "voiceConnectorId",
                  "startTime", "endTime"):
            self.assertEqual(meta[k], detail[k], k)
        self.assertEqual(meta["account"], "123456789012")
        self.assertEqual((meta["sampleRate"], meta["channels"]), (8000, 2))
        self.assertEqual(meta["wavKey"], f"{PREFIX}/{self.call}.wav")
        left, right = meta["legs"]
        self.assertEqual((left["side"], left["isCaller"], left["channel"]), ("caller", True, 0))
        self.assertEqual((right["side"], right["isCaller"], right["channel"]), ("other", False, 1))
        self.assertEqual(right["leadSamples"], OFFSET_MS * 8)
        self.assertEqual(left["samples"], len(a.pcm) // 2)
        self.assertEqual(left["lastFragment"], str(a.frags[-1].number))  # not the recycled call's
        head = self.s3.head_object(Bucket=DEFAULT_BUCKET, Key=f"{PREFIX}/{self.call}.wav")
        self.assertEqual(head["ContentType"], "audio/wav")
        self.assertEqual(head["ServerSideEncryption"], "AES256")
        self.assertEqual(head["Metadata"], {"call-id": self.call, "transaction-id": "tx-1",
                                            "voice-connector-id": a.cap.voice_connector_id})
        jhead = self.s3.head_object(Bucket=DEFAULT_BUCKET, Key=f"{PREFIX}/{self.call}.json")
        self.assertEqual(jhead["ContentType"], "application/json")
        self.assertEqual(self.claim()["state"], {"S": "done"})
        self.assertFalse(os.listdir(self.work), "staged legs are removed")
        # One metric line for the call stored, none for the events that only stored a leg.
        self.assertEqual(self.metric("RecordingsStored"), [1])
        [seconds] = self.metric("AudioSeconds")
        self.assertEqual(seconds, len(self.stereo) / 4 / 8000)
        self.assertEqual(self.metric("BytesUploaded"), [head["ContentLength"] + jhead["ContentLength"]])
        self.assertEqual(len(self.metric("RecordingMs")), 1)
        self.assertEqual(self.metric("RecordingFailures"), [])
        [line] = self.metrics
        self.assertEqual(line["callId"], self.call)
        self.assertEqual(line["_aws"]["CloudWatchMetrics"][0]["Dimensions"], [["FunctionName", "Handler"]])

    def test_ended_in_either_order_duplicated_and_with_started_lost(self):
        a, b = self.a, self.b
        out = self.run_events(a.event("ENDED", self.call), a.event("ENDED", self.call),
                              b.event("ENDED", self.call), b.event("ENDED", self.call),
                              a.event("STARTED", self.call))
        self.assertEqual([o["status"] for o in out],
                         ["waiting_for_other_leg", "waiting_for_other_leg", "recorded", "already_recorded",
                          "stored"])
        self.assert_recorded(out[2], a, b)
        puts = [r for r in self.st.request_log() if r["method"] == "PUT" and self.call in r["path"]
                and r["path"].endswith(".wav")]
        self.assertEqual(len(puts), 1, "recorded exactly once")

    def test_a_claim_held_by_another_invocation_is_left_alone_until_its_lease_ends(self):
        self.ddb.put_item(TableName=CALL_TABLE, Item={
            "call_id": {"S": self.call}, "is_caller": {"S": "#claim"}, "state": {"S": "claimed"},
            "owner": {"S": "someone"}, "lease_until": {"N": str(2**52)}})
        out = self.run_events(self.a.event("ENDED", self.call), self.b.event("ENDED", self.call))
        self.assertEqual(out[1]["status"], "in_progress")
        self.assertEqual(self.keys(), [])
        # The lease ran out (the other invocation died): the next delivery takes it.
        self.ddb.update_item(TableName=CALL_TABLE, Key={"call_id": {"S": self.call}, "is_caller": {"S": "#claim"}},
                             UpdateExpression="SET lease_until = :z", ExpressionAttributeValues={":z": {"N": "1"}})
        out = self.run_events(self.b.event("ENDED", self.call))
        self.assert_recorded(out[0], self.a, self.b)

    def test_caller_right_and_string_is_caller(self):
        out = self.run_events(self.a.event("ENDED", self.call, is_caller="True"),
                              self.b.event("ENDED", self.call, is_caller="false"), CHANNEL_ORDER="caller-right")
        self.assert_recorded(out[1], self.b, self.a)

    def test_unknown_side_puts_the_smaller_stream_arn_left(self):
        out = self.run_events(self.a.event("ENDED", self.call, is_caller=None),
                              self.b.event("ENDED", self.call, is_caller=None))
        left, right = sorted([self.a, self.b], key=lambda leg: leg.arn)
        meta = self.assert_recorded(out[1], left, right, assignment="arbitrary")
        self.assertEqual([leg["isCaller"] for leg in meta["legs"]], [None, None])

    def read_legs(self):
        """The "call leg read" log lines by stream ARN."""
        return {l["stream"]: l for l in self.log if l.get("message") == "call leg read"}

    def test_without_current_fragment_the_tag_change_and_the_live_edge_bound_the_legs(self):
        # Without an end fragment the list cannot bound a leg: GetMedia whatever the mode.
        out = self.run_events(self.a.event("ENDED", self.call, end_fragment=False),
                              self.b.event("ENDED", self.call, end_fragment=False), KVS_READ_MODE="fragment-list")
        meta = self.assert_recorded(out[1], self.a, self.b)
        self.assertEqual(meta["legs"][0]["lastFragment"], str(self.a.frags[-1].number))
        read = self.read_legs()
        self.assertEqual(read[self.a.arn]["doneReason"], "call_changed")
        self.assertEqual({l["readWith"] for l in read.values()}, {"GetMedia"})

    def test_fragment_list_mode_gives_the_same_wav_and_never_calls_get_media(self):
        # Streams that stall at the live edge, as KVS does: only GetMedia could wait there.
        a = Leg(self.st, self.tmp, "a-list", self.a_cap, "tx-1", True, chunk_bytes=8192, live_edge_stall_s=30)
        b = Leg(self.st, self.tmp, "b-list", self.b_cap, "tx-1", False, chunk_bytes=8192, live_edge_stall_s=30)
        out = self.run_events(a.event("ENDED", self.call), b.event("ENDED", self.call), KVS_READ_MODE="fragment-list")
        self.assert_recorded(out[1], a, b)
        listed_wav = self.wav(f"{PREFIX}/{self.call}.wav")
        read = self.read_legs()
        for leg in (a, b):  # a's stream goes on with the next call; b's ends with the leg
            with self.subTest(leg=leg.stream_name):
                self.assertEqual((read[leg.arn]["readWith"], read[leg.arn]["doneReason"]),
                                 ("GetMediaForFragmentList", "stop_fragment"))
                calls = self.st.stream_log(leg.stream_name)
                self.assertEqual(calls["calls"], [], "no GetMedia call, so no wait at a live edge")
                self.assertEqual(len(calls["list_calls"]), 1)
                self.assertEqual([n for c in calls["fragment_calls"] for n in c["fragments"]],
                                 [str(f.number) for f in leg.frags], "exactly the leg's fragments, in order")
        # The same legs read with GetMedia (the default) give the same stereo WAV.
        self.call += "-getmedia"
        out = self.run_events(a.event("ENDED", self.call), b.event("ENDED", self.call))
        self.assertEqual(out[1]["status"], "recorded")
        self.assertEqual({l["readWith"] for l in self.read_legs().values()}, {"GetMedia"})
        self.assertEqual(self.wav(f"{PREFIX}/{self.call}.wav"), listed_wav)

    def test_auto_reads_a_leg_whose_end_fragment_is_not_listed_yet_with_get_media(self):
        b = Leg(self.st, self.tmp, "b-unlisted", self.b_cap, "tx-1", False, chunk_bytes=8192,
                unlisted=[str(self.b.frags[-1].number)])
        out = self.run_events(self.a.event("ENDED", self.call), b.event("ENDED", self.call), KVS_READ_MODE="auto")
        self.assert_recorded(out[1], self.a, b)
        read = self.read_legs()
        self.assertEqual((read[self.a.arn]["readWith"], read[b.arn]["readWith"]),
                         ("GetMediaForFragmentList", "GetMedia"))

    def test_get_media_that_ends_early_is_resumed(self):
        out = self.run_events(self.a.event("ENDED", self.call), self.b_short.event("ENDED", self.call))
        self.assert_recorded(out[1], self.a, self.b_short)
        calls = self.st.stream_calls(self.b_short.stream_name)
        self.assertGreater(len(calls), 2)
        self.assertEqual(calls[1]["selector"]["StartSelectorType"], "CONTINUATION_TOKEN")

    def test_deadline_releases_the_claim_and_leaves_no_object_then_a_retry_records(self):
        out = self.run_events(self.b.event("ENDED", self.call), self.a_slow.event("ENDED", self.call),
                              timeout_ms=6000, expect="error")
        self.assertEqual(out[0]["status"], "waiting_for_other_leg")
        self.assertEqual(out[1]["kind"], "error")
        self.assertEqual(self.keys(), [])
        self.assertEqual(self.s3.list_multipart_uploads(Bucket=DEFAULT_BUCKET).get("Uploads", []), [])
        self.assertEqual(self.claim()["state"], {"S": "failed"})
        self.assertFalse([f for f in os.listdir(self.work) if f.startswith(("leg-", ".leg-"))])
        out = self.run_events(self.a.event("ENDED", self.call))
        self.assert_recorded(out[0], self.a, self.b)

    def test_s3_failing_with_5xx_is_retried_by_lambda_and_leaves_nothing(self):
        self.st.inject_fault(method="PUT", path_prefix=f"/{DEFAULT_BUCKET}/{PREFIX}/{self.call}.json",
                             status=503, code="SlowDown", count=10, error_format="xml", service="s3")
        out = self.run_events(self.a.event("ENDED", self.call), self.b.event("ENDED", self.call),
                              expect="error")
        self.assertEqual(out[1]["kind"], "error")
        self.assertEqual(out[1]["error_type"], "RetriableFailure")
        self.assertEqual(self.keys(), [], "the WAV of a call whose JSON failed is removed")
        self.assertEqual(self.claim()["state"], {"S": "failed"})
        self.assertEqual(self.metric("RecordingsStored"), [], "nothing stayed stored")
        self.assertEqual(self.metric("RecordingFailures", Class="retriable"), [1])
        self.assertEqual(self.metric("RecordingFailures", Class="permanent"), [])
        failure = [d for d in self.metrics if d.get("Class")][0]
        self.assertEqual(failure["callId"], self.call)
        self.assertEqual(failure["_aws"]["CloudWatchMetrics"][0]["Dimensions"],
                         [["FunctionName", "Handler"], ["FunctionName", "Handler", "Class"]])

    def test_wrapped_events_sqs_lower_case_records_and_sns(self):
        out = self.run_events(sqs_batch(self.a.event("STARTED", self.call), self.a.event("ENDED", self.call)),
                              sns_record(self.b.event("STARTED", self.call)),
                              sqs_batch(self.b.event("ENDED", self.call), lower=True))
        self.assertEqual(out[0]["status"], "batch")
        self.assertEqual([r["status"] for r in out[0]["results"]], ["stored", "waiting_for_other_leg"])
        self.assertTrue(all(r["messageId"] for r in out[0]["results"]))
        self.assertEqual(out[1]["status"], "stored")
        self.assert_recorded(out[2], self.a, self.b)

    def test_other_connectors_updated_and_failed_events(self):
        self.st.clear_request_log()
        other = with_detail(self.a.event("ENDED", self.call), voiceConnectorId="someoneelse")
        updated = envelope({"callId": self.call, "transactionId": "tx-1", "streamingStatus": "UPDATED",
                            "voiceConnectorId": self.a.cap.voice_connector_id})
        insights = dict(envelope({"callId": self.call}), **{"detail-type": "Media Insights State Change"})
        out = self.run_events(other, updated, insights, b"not json", VOICECONNECTOR_ID=self.a.cap.voice_connector_id)
        self.assertEqual([o["status"] for o in out], ["ignored"] * 4)
        self.assertEqual(out[0]["reason"], "another Voice Connector")
        self.assertEqual(self.st.request_log(), [], "ignored events make no AWS call")
        self.assertEqual(self.metrics, [], "nor a metric line")
        failed = envelope({"streamingStatus": "FAILED", "voiceConnectorId": self.a.cap.voice_connector_id,
                           "transactionId": "tx-1", "callId": self.call, "direction": "Inbound",
                           "failTime": "2026-01-01T00:00:09Z", "failureReason": "Internal failure"})
        out = self.run_events(failed)
        self.assertEqual(out[0]["status"], "stored")
        self.assertIn("Voice Connector streaming failed", [l["message"] for l in self.log if l["level"] == "ERROR"])
        self.assertEqual(self.metric("StreamingFailures"), [1])
        self.assertEqual(self.metric("RecordingFailures"), [])
        item = self.ddb.get_item(TableName=CALL_TABLE, Key={"call_id": {"S": self.call}, "is_caller": {"S": "#call"}})
        self.assertEqual(item["Item"]["failure_reason"], {"S": "Internal failure"})

    def test_legs_at_different_rates_give_two_mono_files_and_an_error(self):
        wide = ChimeLeg(start_ms=T0 + 500, seed=3, rate=16000)
        wide.add_call("tx-1", "call-1", 2)
        b16 = Leg(self.st, self.tmp, "b16", wide, "tx-1", False)
        out = self.run_events(self.a.event("ENDED", self.call), b16.event("ENDED", self.call))
        self.assertEqual(out[1]["status"], "recorded")
        self.assertIn("rates differ", out[1]["reason"])
        left, right = f"{PREFIX}/{self.call}_left.wav", f"{PREFIX}/{self.call}_right.wav"
        self.assertEqual(self.keys(), sorted([f"{PREFIX}/{self.call}.json", left, right]))
        self.assertEqual(self.wav(left), (self.a.pcm, 8000, 1))
        self.assertEqual(self.wav(right), (b16.pcm, 16000, 1))
        meta = self.metadata()
        self.assertEqual(meta["wavKeys"], [left, right])
        self.assertEqual((meta["channels"], meta["sampleRate"]), (1, 0))
        self.assertIn("call recording incomplete", [l["message"] for l in self.log if l["level"] == "ERROR"])
        # stored, and a permanent failure: the stereo file an operator expects is not there
        self.assertEqual(self.metric("RecordingsStored"), [1])
        self.assertEqual(self.metric("AudioSeconds"), [max(len(self.a.pcm) / 2 / 8000, len(b16.pcm) / 2 / 16000)])
        self.assertEqual(self.metric("RecordingFailures", Class="permanent"), [1])

    def test_malformed_leg_events_are_ignored_with_a_reason(self):
        bad = with_detail(self.a.event("ENDED", self.call), startFragmentNumber="12x")
        long_id = with_detail(self.a.event("ENDED", self.call), callId="c" * 200)
        out = self.run_events(bad, long_id)
        self.assertEqual([o["status"] for o in out], ["ignored", "ignored"])
        self.assertIn("startFragmentNumber", out[0]["reason"])
        self.assertIn("callId", out[1]["reason"])
        self.assertEqual(self.metric("RecordingFailures", Class="permanent"), [1, 1])


if __name__ == "__main__":
    unittest.main()

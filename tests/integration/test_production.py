"""Running it in production: metric lines (EMF) an operator graphs and alarms
on, and throttling answered as the service asks (Retry-After). Through the
local stack with auth on, the KVS stand-in and build/bootstrap."""
import json
import time
import unittest

import emf
from recording_env import (DEFAULT_BUCKET, Bootstrap, Capture, ctr_for, event, keys_for, record,
                           write_capture)
from stack_case import StackTestCase


class ProductionTest(StackTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cap = Capture(seed=5)
        cap.add_contact("prod-a", seconds=3)
        cap.add_contact("prod-b", seconds=2)
        cls.cap = cap
        cls.arn = cls.st.add_media("connect-prod", write_capture(cap, cls.tmp, "prod"),
                                   chunk_bytes=8192)["StreamARN"]

    def run_event(self, ev, **env):
        boot = Bootstrap(self.st, self.rt, **env)
        try:
            answer = boot.invoke(ev)
        finally:
            log = boot.stop()
        self.assertEqual(answer["kind"], "response", log[-4000:])
        return json.loads(answer["body"]), log

    def stored_objects(self, contact):
        return all(self.s3.head_object(Bucket=DEFAULT_BUCKET, Key=k) for k in keys_for(contact).values())

    # -- metrics ---------------------------------------------------------------
    def test_metric_lines_count_recordings_failures_and_the_batch(self):
        good = record(ctr_for(self.cap, self.arn, "prod-a"), self.next_seq())
        throttled = record(ctr_for(self.cap, self.arn, "prod-b"), self.next_seq())
        malformed = record(b"{not json", self.next_seq())
        # prod-b comes first and its UpdateContactAttributes stays throttled for all
        # five attempts (retriable); prod-a's then goes through.
        self.st.inject_fault(method="POST", path_prefix="/contact/attributes", status=429,
                             code="TooManyRequestsException", count=5)
        out, log = self.run_event(event(throttled, good, malformed), AWS_LAMBDA_FUNCTION_NAME="fn-under-test")
        lines = emf.metric_lines(log)  # every line valid EMF
        self.assertTrue(lines)
        self.assertEqual({emf.namespace(d) for d in lines}, {"ConnectKvsRecorder"})
        self.assertEqual({d["FunctionName"] for d in lines}, {"fn-under-test"})
        self.assertEqual({d["Handler"] for d in lines}, {"ProcessKvsRecording"})
        # both contacts' recordings were stored (prod-b then failed on its attributes)
        self.assertEqual(emf.values(lines, "RecordingsStored"), [1, 1])
        audio = emf.values(lines, "AudioSeconds")
        self.assertAlmostEqual(audio[0], 2.0, places=2)
        self.assertAlmostEqual(audio[1], 3.0, places=2)
        self.assertTrue(all(b > 3 * 44 for b in emf.values(lines, "BytesUploaded")))
        self.assertTrue(all(ms >= 0 for ms in emf.values(lines, "RecordingMs")))
        self.assertEqual(emf.values(lines, "RecordingFailures", Class="retriable"), [1])
        self.assertEqual(emf.values(lines, "RecordingFailures", Class="permanent"), [1])
        failure = [d for d in lines if d.get("Class") == "retriable"][0]
        self.assertEqual(failure["contactId"], "prod-b")
        sets = failure["_aws"]["CloudWatchMetrics"][0]["Dimensions"]
        self.assertEqual(sets, [["FunctionName", "Handler"], ["FunctionName", "Handler", "Class"]])
        self.assertEqual(emf.values(lines, "BatchItemFailures"), [len(out["batchItemFailures"])])
        self.assertEqual(out["batchItemFailures"], [{"itemIdentifier": throttled["kinesis"]["sequenceNumber"]}])
        self.assertEqual(emf.values(lines, "BatchRecords"), [3])

    def test_namespace_is_configurable_and_empty_turns_metrics_off(self):
        ev = event(record(ctr_for(self.cap, self.arn, "prod-b"), self.next_seq()))
        _, log = self.run_event(ev, METRICS_NAMESPACE="Contact Center/Recorder")
        self.assertEqual({emf.namespace(d) for d in emf.metric_lines(log)}, {"Contact Center/Recorder"})
        out, log = self.run_event(ev, METRICS_NAMESPACE="")
        self.assertEqual(out, {"batchItemFailures": []})
        self.assertNotIn('"_aws"', log)
        self.assertIn("recording stored", log)

    def test_a_bad_namespace_is_an_init_error(self):
        boot = Bootstrap(self.st, self.rt, METRICS_NAMESPACE="AWS/Lambda")
        try:
            err = self.rt.wait_init_error(timeout=20)
            boot.proc.wait(timeout=20)
        finally:
            self.rt.init_errors.clear()
            boot.stop()
        self.assertEqual(err["error_type"], "Runtime.InitError")
        self.assertIn("METRICS_NAMESPACE", json.loads(err["body"])["errorMessage"])
        self.assertEqual(boot.proc.returncode, 1)

    # -- the live edge ---------------------------------------------------------
    def test_getmedia_without_a_stop_fragment_stops_at_the_live_edge_and_stores(self):
        # The contact is the stream's last and its CTR names no stop fragment: GetMedia
        # reads it, is resumed, and the resumed call answers 200 and then sends nothing
        # (KVS at the live edge). That is the end of the recording, not a failure to retry.
        cap = Capture(seed=6)
        cap.add_contact("edge-a", seconds=2)
        cap.add_contact("edge-last", seconds=3)
        arn = self.st.add_media("connect-edge", write_capture(cap, self.tmp, "edge"),
                                live_edge_stall_s=20)["StreamARN"]
        c = ctr_for(cap, arn, "edge-last")
        c["Recordings"][0]["FragmentStopNumber"] = None
        out, log = self.run_event(event(record(c, self.next_seq())), KVS_READ_MODE="auto")
        self.assertEqual(out, {"batchItemFailures": []})
        self.assertTrue(self.stored_objects("edge-last"))
        self.assertNotIn("retrying AWS request", log)
        stored = [json.loads(l) for l in log.splitlines() if '"recording stored"' in l]
        self.assertEqual([(l["readWith"], l["fromCustomerSeconds"]) for l in stored], [("GetMedia", 3.0)])

    # -- throttling ------------------------------------------------------------
    def test_retry_after_is_honoured_for_s3_connect_and_kvs(self):
        contact = "prod-a"
        self.st.inject_fault(method="PUT", path_prefix="/recordings/recordings/", status=503, code="SlowDown",
                             count=1, error_format="xml", retry_after=2)
        self.st.inject_fault(method="POST", path_prefix="/contact/attributes", status=429,
                             code="TooManyRequestsException", count=1, retry_after=1)
        self.st.inject_fault(method="POST", path_prefix="/getMedia", status=400,
                             code="ConnectionLimitExceededException", count=1, retry_after=1)
        self.st.clear_request_log()
        t0 = time.monotonic()
        out, log = self.run_event(event(record(ctr_for(self.cap, self.arn, contact), self.next_seq())))
        took = time.monotonic() - t0
        self.assertEqual(out, {"batchItemFailures": []})
        self.assertTrue(self.stored_objects(contact))
        # 2 s (S3) + 1 s (Connect) + 1 s (KVS) waited as asked, not the 100-500 ms backoff
        self.assertGreaterEqual(took, 4.0)
        retries = [json.loads(l) for l in log.splitlines() if "retrying AWS request" in l]
        self.assertEqual(sorted((r["service"], r["delayMs"] >= 1000) for r in retries),
                         [("connect", True), ("kinesisvideo", True), ("s3", True)])
        self.assertGreaterEqual([r for r in retries if r["service"] == "s3"][0]["delayMs"], 2000)

    def test_a_retry_after_past_the_deadline_fails_the_record_for_lambda_to_retry(self):
        rec = record(ctr_for(self.cap, self.arn, "prod-b"), self.next_seq())
        self.st.inject_fault(method="POST", path_prefix="/contact/attributes", status=429,
                             code="TooManyRequestsException", count=1, retry_after=3600)
        t0 = time.monotonic()
        out, log = self.run_event(event(rec))
        self.assertLess(time.monotonic() - t0, 30)
        self.assertEqual(out, {"batchItemFailures": [{"itemIdentifier": rec["kinesis"]["sequenceNumber"]}]})
        self.assertIn("the service asks for too long a wait", log)


if __name__ == "__main__":
    unittest.main()

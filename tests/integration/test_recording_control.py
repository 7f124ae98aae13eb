"""ConnectRecordingControl end to end (issue 14): build/bootstrap with
_HANDLER=ConnectRecordingControl driven by the Runtime API emulator, its
Connect calls answered by the local stack (SigV4 and IAM checked, per-contact
recording state, injected faults), and the paused spans it keeps on the
contact."""
import json
import os
import subprocess
import sys
import tempfile
import time
import unittest

import emf
import helpers
from recording_env import Bootstrap, bootstrap_env
from stack.localstack import SCOPED_INSTANCE, LocalStack
from stack.runtime_api import RuntimeApiEmulator

sys.path.insert(0, os.path.join(helpers.ROOT, "scripts"))
import make_events  # noqa: E402

INSTANCE = make_events.INSTANCE_ID
CUSTOMER = make_events.FLOW_CUSTOMER_CONTACT   # the contact being recorded
GUIDE = make_events.FLOW_GUIDE_CONTACT         # the guide's own contact
KEY = f"{INSTANCE}/{CUSTOMER}"


class Control(Bootstrap):
    """bootstrap serving the emulator with the control handler; env
    replaces the credentials (e.g. the least-privilege user's)."""

    def __init__(self, st, rt, env=None, **extra):
        full = bootstrap_env(st, rt, _HANDLER="ConnectRecordingControl", **extra)
        for k in ("RECORDINGS_BUCKET_NAME", "CLOUDFRONT_DOMAIN"):
            full.pop(k, None)  # not this handler's
        if env:
            full.pop("AWS_SESSION_TOKEN", None)
            full.update(env)
        self.rt = rt
        self.log = tempfile.NamedTemporaryFile(prefix="control-", suffix=".log", delete=False)
        self.proc = subprocess.Popen([helpers.program("bootstrap")], env=full, stdout=self.log,
                                     stderr=subprocess.STDOUT)


class RecordingControlTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.st = LocalStack().start()
        cls.rt = RuntimeApiEmulator().start()

    @classmethod
    def tearDownClass(cls):
        cls.rt.stop()
        cls.st.stop()

    def setUp(self):
        self.st.clear_faults()
        self.st.clear_recording_state()
        self.st.clear_contact_attributes()
        self.st.clear_request_log()
        self.control = None

    def tearDown(self):
        if self.control:
            self.control.stop()

    def start(self, **kw):
        self.control = Control(self.st, self.rt, **kw)
        return self.control

    def invoke(self, ev, timeout_ms=8000):
        if not self.control:
            self.start()
        t0 = time.time()
        answer = self.rt.invoke_and_wait(ev, timeout_ms=timeout_ms, timeout=60)
        answer["elapsed_ms"] = (time.time() - t0) * 1000
        if answer["kind"] == "response":
            answer["json"] = json.loads(answer["body"])
        return answer

    def calls(self):
        return self.st.recording_state()["calls"]

    def spans(self):
        return self.st.contact_attributes().get(KEY, {}).get("recordingPausedSpans")

    # -- the four operations ---------------------------------------------------
    def test_each_operation_makes_its_call_and_answers_a_string_map(self):
        paths = {"START": "/contact/start-recording", "PAUSE": "/contact/suspend-recording",
                 "RESUME": "/contact/resume-recording", "STOP": "/contact/stop-recording"}
        for op in ("START", "PAUSE", "RESUME", "STOP"):
            a = self.invoke(make_events.flow_event(op))
            self.assertEqual(a["json"], {"statusCode": "200", "message": "Success", "operation": op})
        ops = [c["operation"] for c in self.calls()]
        self.assertEqual(ops, ["StartContactRecording", "SuspendContactRecording", "ResumeContactRecording",
                               "StopContactRecording"])
        start = self.calls()[0]["body"]
        self.assertEqual(start, {"InstanceId": INSTANCE, "ContactId": CUSTOMER, "InitialContactId": CUSTOMER,
                                 "VoiceRecordingConfiguration": {"VoiceRecordingTrack": "ALL"}})
        for c in self.calls()[1:]:
            self.assertEqual(c["body"], {"InstanceId": INSTANCE, "ContactId": CUSTOMER, "InitialContactId": CUSTOMER})
        log = self.st.request_log()
        posted = [e["path"] for e in log if e["method"] == "POST" and e["path"] != "/contact/attributes"]
        self.assertEqual(posted, [paths[o] for o in ("START", "PAUSE", "RESUME", "STOP")])
        self.assertTrue(all(e["service"] == "connect" for e in log))
        self.assertEqual(self.st.recording_state()["state"], {KEY: "stopped"})

    def test_the_committed_flow_events_work_as_they_are(self):
        for op in ("start", "pause", "resume", "stop"):
            with open(os.path.join(helpers.ROOT, "events", f"flow-event-{op}.json")) as f:
                a = self.invoke(json.load(f))
            self.assertEqual(a["json"]["statusCode"], "200", a)

    def test_operation_is_trimmed_any_case_and_suspend_means_pause(self):
        self.invoke(make_events.flow_event("START"))
        a = self.invoke(make_events.flow_event("  suspend "))
        self.assertEqual(a["json"], {"statusCode": "200", "message": "Success", "operation": "PAUSE"})
        self.assertEqual(self.calls()[-1]["operation"], "SuspendContactRecording")

    def test_unknown_or_missing_operation_is_a_400_without_any_call(self):
        for op, echoed in (("EXPLODE", "EXPLODE"), (None, "")):
            a = self.invoke(make_events.flow_event(op))
            self.assertEqual(a["kind"], "response")
            self.assertEqual(a["json"]["statusCode"], "400")
            self.assertEqual(a["json"]["operation"], echoed)
            self.assertIn("START, STOP, PAUSE or RESUME", a["json"]["message"])
        self.assertEqual(self.st.request_log(), [])

    def test_an_event_without_details_is_the_only_lambda_error(self):
        a = self.invoke({"Name": "ContactFlowEvent"})
        self.assertEqual(a["kind"], "error")
        self.assertEqual(a["error_type"], "InvalidEvent")
        self.assertEqual(self.st.request_log(), [])

    def test_voice_track_defaults_to_all_and_a_bad_one_records_all_and_says_so(self):
        a = self.invoke(make_events.flow_event("START", voiceRecordingTrack="to_agent"))
        self.assertEqual(self.calls()[-1]["body"]["VoiceRecordingConfiguration"], {"VoiceRecordingTrack": "TO_AGENT"})
        self.st.clear_recording_state()
        a = self.invoke(make_events.flow_event("START", voiceRecordingTrack="BOTH"))
        self.assertEqual(a["json"]["statusCode"], "200")
        self.assertIn("ALL is recorded", a["json"]["message"])
        self.assertEqual(self.calls()[-1]["body"]["VoiceRecordingConfiguration"], {"VoiceRecordingTrack": "ALL"})

    def test_contact_resolution_falls_back_from_related_to_parameter_to_own_contact(self):
        ev = make_events.flow_event("START")
        del ev["Details"]["ContactData"]["RelatedContactId"]
        self.invoke(ev)
        self.assertEqual(self.calls()[-1]["body"]["ContactId"], "param-contact")
        del ev["Details"]["Parameters"]["contactId"]
        del ev["Details"]["Parameters"]["initialContactId"]
        self.st.clear_recording_state()
        self.invoke(ev)
        body = self.calls()[-1]["body"]
        self.assertEqual(body["ContactId"], GUIDE)
        self.assertEqual(body["InitialContactId"], ev["Details"]["ContactData"]["InitialContactId"])
        # INSTANCE_ID wins over the ARN's instance.
        self.control.stop()
        self.start(INSTANCE_ID="inst-from-env")
        self.invoke(make_events.flow_event("STOP"))
        self.assertEqual(self.calls()[-1]["body"]["InstanceId"], "inst-from-env")

    def test_no_contact_id_at_all_is_a_400_without_any_call(self):
        ev = make_events.flow_event("START")
        for k in ("RelatedContactId", "ContactId"):
            del ev["Details"]["ContactData"][k]
        del ev["Details"]["Parameters"]["contactId"]
        a = self.invoke(ev)
        self.assertEqual(a["json"]["statusCode"], "400")
        self.assertIn("no contact id", a["json"]["message"])
        self.assertEqual(self.st.request_log(), [])

    # -- AWS errors are answers ----------------------------------------------------
    def test_start_after_stop_is_a_400_with_connects_message(self):
        for op in ("START", "STOP"):
            self.invoke(make_events.flow_event(op))
        a = self.invoke(make_events.flow_event("START"))
        self.assertEqual(a["kind"], "response")
        self.assertEqual(a["json"]["statusCode"], "400")
        self.assertIn("one-time action", a["json"]["message"])
        self.assertEqual(a["json"]["operation"], "START")

    def test_an_unknown_contact_is_a_404(self):
        self.st.set_recording_contacts(["other/contact"])
        a = self.invoke(make_events.flow_event("START"))
        self.assertEqual(a["json"]["statusCode"], "404")
        self.assertIn("not found", a["json"]["message"])

    def test_a_wrong_secret_surfaces_as_403(self):
        self.start(AWS_SECRET_ACCESS_KEY="wrong-secret")
        a = self.invoke(make_events.flow_event("START"))
        self.assertEqual(a["json"]["statusCode"], "403")

    def test_least_privilege_policy_allows_its_instance_only(self):
        self.start(env=self.st.scoped_env())
        ok = make_events.flow_event("START", instance=SCOPED_INSTANCE)
        self.assertEqual(self.invoke(ok)["json"]["statusCode"], "200")
        pause = make_events.flow_event("PAUSE", instance=SCOPED_INSTANCE)
        self.assertEqual(self.invoke(pause)["json"]["statusCode"], "200")  # Get+UpdateContactAttributes allowed
        denied = self.invoke(make_events.flow_event("START"))  # another instance
        self.assertEqual(denied["json"]["statusCode"], "403", denied)

    # -- retries and the deadline ------------------------------------------------------
    def test_one_5xx_is_retried_once(self):
        self.st.inject_fault(path_prefix="/contact/start-recording", status=500, code="InternalServiceException")
        a = self.invoke(make_events.flow_event("START"))
        self.assertEqual(a["json"]["statusCode"], "200")
        starts = [e for e in self.st.request_log() if e["path"] == "/contact/start-recording"]
        self.assertEqual([e["status"] for e in starts], [500, 200])

    def test_at_most_one_retry(self):
        self.st.inject_fault(path_prefix="/contact/start-recording", status=500, code="InternalServiceException",
                             count=5)
        a = self.invoke(make_events.flow_event("START"))
        self.assertEqual(a["json"]["statusCode"], "500")
        self.assertEqual(len([e for e in self.st.request_log() if e["path"] == "/contact/start-recording"]), 2)

    def test_throttling_until_the_deadline_is_answered_before_it(self):
        # Retry-After of 30 s: waiting for it would pass the deadline.
        self.st.inject_fault(path_prefix="/contact/start-recording", status=429, code="ThrottlingException",
                             count=50, retry_after=30)
        a = self.invoke(make_events.flow_event("START"), timeout_ms=3000)
        self.assertEqual(a["kind"], "response")
        self.assertFalse(a.get("late"), a)
        self.assertLess(a["elapsed_ms"], 2900)  # answered by deadline - 500 ms; slack for a loaded machine
        self.assertIn(a["json"]["statusCode"], ("429", "504"))

    # -- paused spans -----------------------------------------------------------------
    def test_pause_and_resume_keep_the_span_on_the_customer_contact(self):
        self.invoke(make_events.flow_event("START"))
        t0 = int(time.time() * 1000)
        self.invoke(make_events.flow_event("PAUSE"))
        t1 = int(time.time() * 1000)
        start, end = self.spans().split("-")
        self.assertEqual(end, "")
        self.assertTrue(t0 <= int(start) <= t1)
        self.invoke(make_events.flow_event("PAUSE"))  # already paused: unchanged
        self.assertEqual(self.spans(), f"{start}-")
        self.invoke(make_events.flow_event("RESUME"))
        t2 = int(time.time() * 1000)
        s, e = self.spans().split("-")
        self.assertEqual(s, start)
        self.assertTrue(t1 <= int(e) <= t2)
        self.invoke(make_events.flow_event("RESUME"))  # no open span: Connect refuses, nothing changes
        self.assertEqual(self.spans(), f"{s}-{e}")
        self.invoke(make_events.flow_event("PAUSE"))
        self.assertRegex(self.spans(), rf"^{s}-{e},\d{{13}}-$")
        # The guide's own contact got nothing.
        self.assertNotIn(f"{INSTANCE}/{GUIDE}", self.st.contact_attributes())

    def test_a_refused_pause_still_records_its_span(self):
        a = self.invoke(make_events.flow_event("PAUSE"))  # nothing is recording: Connect says 400
        self.assertEqual(a["json"]["statusCode"], "400")
        self.assertRegex(self.spans(), r"^\d{13}-$")

    def test_a_span_that_cannot_be_kept_is_reported(self):
        self.invoke(make_events.flow_event("START"))
        self.st.inject_fault(path_prefix="/contact/attributes", method="POST", status=400,
                             code="InvalidParameterException", message="attributes refused")
        a = self.invoke(make_events.flow_event("PAUSE"))
        self.assertEqual(a["json"]["statusCode"], "400")
        self.assertIn("paused span could not be kept", a["json"]["message"])
        self.assertIn("attributes refused", a["json"]["message"])

    def test_a_full_attribute_extends_the_last_span_instead_of_dropping_one(self):
        spans = ",".join(f"{1764590400000 + i * 10}-{1764590400000 + i * 10 + 5}" for i in range(146))
        self.assertLess(len(spans), 4096)
        self.st.preset_contact_attributes(KEY, {"recordingPausedSpans": spans})
        self.invoke(make_events.flow_event("START"))
        self.invoke(make_events.flow_event("PAUSE"))
        now = self.spans()
        self.assertLessEqual(len(now), 4095)
        self.assertEqual(now, spans.rsplit("-", 1)[0] + "-")  # the last span reopened
        self.invoke(make_events.flow_event("RESUME"))
        self.assertEqual(self.spans(), now)  # kept open: the rest of the call is silenced

    def test_a_malformed_attribute_is_left_as_is_and_reported(self):
        self.st.preset_contact_attributes(KEY, {"recordingPausedSpans": "garbage"})
        self.invoke(make_events.flow_event("START"))
        a = self.invoke(make_events.flow_event("PAUSE"))
        self.assertEqual(a["json"]["statusCode"], "500")
        self.assertIn("recordingPausedSpans", a["json"]["message"])
        self.assertEqual(self.spans(), "garbage")

    def test_one_log_line_per_invocation(self):
        self.invoke(make_events.flow_event("START"))
        self.invoke(make_events.flow_event("BOGUS"))
        lines = [x for x in self.control.lines(self.control.stop()) if x.get("message") == "recording control"]
        self.control = None
        self.assertEqual(len(lines), 2)
        first = lines[0]
        self.assertEqual((first["operation"], first["contactId"], first["initialContactId"], first["status"]),
                         ("START", CUSTOMER, CUSTOMER, 200))
        self.assertTrue(first["awsRequestId"])
        self.assertEqual(lines[1]["status"], 400)

    def test_metric_lines_count_requests_by_operation_and_status_class(self):
        self.invoke(make_events.flow_event("START"))                       # 200
        self.invoke(make_events.flow_event("EXPLODE"))                     # 400, no call
        self.st.inject_fault(path_prefix="/contact/suspend-recording", status=500, code="InternalServiceException",
                             count=5)
        self.invoke(make_events.flow_event("PAUSE"))                       # 500 after its one retry
        self.st.clear_faults()
        self.invoke(make_events.flow_event("STOP"))                        # 200
        self.invoke(make_events.flow_event("START"))                       # Connect: 400 after a stop
        lines = emf.metric_lines(self.control.stop())
        self.control = None
        self.assertEqual({(d["Handler"], emf.namespace(d)) for d in lines},
                         {("ConnectRecordingControl", "ConnectKvsRecorder")})
        seen = [(d["Operation"], d["StatusClass"], d["ControlRequests"], d["ControlFailures"]) for d in lines]
        self.assertEqual(seen, [("START", "2xx", 1, 0), ("INVALID", "4xx", 1, 1), ("PAUSE", "5xx", 1, 1),
                                ("STOP", "2xx", 1, 0), ("START", "4xx", 1, 1)])
        self.assertEqual(emf.values(lines, "ControlFailures", Operation="PAUSE", StatusClass="5xx"), [1])
        self.assertEqual(lines[0]["contactId"], CUSTOMER)
        self.assertEqual(lines[0]["_aws"]["CloudWatchMetrics"][0]["Dimensions"],
                         [["FunctionName", "Handler"], ["FunctionName", "Handler", "Operation", "StatusClass"]])


if __name__ == "__main__":
    unittest.main()

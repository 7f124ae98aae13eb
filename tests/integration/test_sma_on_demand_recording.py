"""SmaOnDemandRecording through build/bootstrap: every event type's exact
actions (written by hand from ../shared/SIBLINGS.md §4.2, the seed's JSON,
with the seed's bugs fixed as the README says), and the call records in
DynamoDB (moto, auth on), also while DynamoDB fails."""
import json
import time
import unittest

import emf
from chime_env import SMA_TABLE, StackCase
from recording_env import Bootstrap

SOURCE = "+15555550100"
CALLER = "+14155551212"
NUMBER = "+15055550100"  # the SIP media application's number
WAV, REC = "sma-prompts", "sma-recordings"
A, B = "409911e5-bfe6-40a5-8bdf-983f5ed5e0a1", "6a2c0b5e-0c9f-4a1e-9d3b-7c4e1f2a3b4c"


def participants(a_from, b=False, a_status="Connected", b_status="Connected"):
    p = [{"CallId": A, "ParticipantTag": "LEG-A", "To": NUMBER, "From": a_from, "Direction": "Inbound",
          "StartTimeInMilliseconds": "1650912345678", "Status": a_status}]
    if b:
        p.append({"CallId": B, "ParticipantTag": "LEG-B", "To": "+12065550123", "From": NUMBER,
                  "Direction": "Outbound", "StartTimeInMilliseconds": "1650912349678", "Status": b_status})
    return p


def event(kind, tx, parts, action_data=None, **top):
    ev = {"SchemaVersion": "1.0", "Sequence": 2, "InvocationEventType": kind,
          "CallDetails": {"TransactionId": tx, "AwsAccountId": "123456789012", "AwsRegion": "us-east-1",
                          "SipRuleId": "cce5c298-4e61-4f6b-bf87-39cacfb5a15f",
                          "SipMediaApplicationId": "9324457f-ad47-407d-bf45-5d409e714808",
                          "Participants": parts}}
    if action_data is not None:
        ev["ActionData"] = action_data
    ev.update(top)
    return ev


def src(key):
    return {"Type": "S3", "BucketName": WAV, "Key": key}


def play(key, call_id=None, tag=None):
    p = {"ParticipantTag": tag} if tag else {"CallId": call_id}
    p["AudioSource"] = src(key)
    return {"Type": "PlayAudio", "Parameters": p}


def bridge(caller_id, dest):
    return {"Type": "CallAndBridge", "Parameters": {"CallTimeoutSeconds": 30, "CallerIdNumber": caller_id,
                                                    "Endpoints": [{"Uri": dest, "BridgeEndpointType": "PSTN"}]}}


def receive(call_id):
    return {"Type": "ReceiveDigits", "Parameters": {"InputDigitsRegex": "[5-7]", "CallId": call_id,
                                                    "InBetweenDigitsDurationInMilliseconds": 1000,
                                                    "FlushDigitsDurationInMilliseconds": 10000}}


def record(call_id):
    return {"Type": "StartCallRecording", "Parameters": {"CallId": call_id, "Track": "BOTH", "Destination": {
        "Type": "S3", "Location": f"{REC}/originalAudio"}}}


def op(kind, call_id):
    return {"Type": kind, "Parameters": {"CallId": call_id}}


def hangup(call_id):
    return {"Type": "Hangup", "Parameters": {"CallId": call_id, "SipResponseCode": "0"}}


GET_DIGITS = {"Type": "PlayAudioAndGetDigits", "Parameters": {
    "MinNumberOfDigits": 10, "MaxNumberOfDigits": 15, "Repeat": 3, "InBetweenDigitsDurationInMilliseconds": 2500,
    "RepeatDurationInMilliseconds": 5000, "TerminatorDigits": ["#"], "AudioSource": src("enterNumberToDial.wav"),
    "FailureAudioSource": src("sorryIDidntGetThat.wav")}}
UNABLE = "we_were_unable_to_connect_your_call.wav"


def digits(d, outbound):
    recorded = B if outbound else A
    prompt, action = {"5": ("recordingPaused.wav", "PauseCallRecording"),
                      "6": ("recordingResumed.wav", "ResumeCallRecording"),
                      "7": ("recordingStopped.wav", "StopCallRecording")}[d]
    return [play(prompt, tag="LEG-A"), play(prompt, tag="LEG-B"), op(action, recorded), receive(recorded)]


# (name, event, expected actions)
CASES = [
    ("new call from the owner: dial out", event("NEW_INBOUND_CALL", "t1", participants(SOURCE)), [GET_DIGITS]),
    ("new call from anyone else: bridge to the owner", event("NEW_INBOUND_CALL", "t1", participants(CALLER)),
     [play("thisCallIsBeingRecorded.wav", A), play("connectingYou.wav", tag="LEG-A"), bridge(CALLER, SOURCE),
      receive(A)]),
    ("digits collected: call that number", event("ACTION_SUCCESSFUL", "t1", participants(SOURCE), {
        "Type": "PlayAudioAndGetDigits", "ReceivedDigits": "5551234567", "Parameters": {}}),
     [play("connectingYou.wav", tag="LEG-A"), bridge(SOURCE, "+15551234567")]),
    ("bridged inbound: record leg A", event("ACTION_SUCCESSFUL", "t1", participants(CALLER, b=True),
                                            {"Type": "CallAndBridge", "Parameters": {}}), [record(A), receive(A)]),
    ("bridged outbound: record leg B", event("ACTION_SUCCESSFUL", "t1", participants(SOURCE, b=True),
                                             {"Type": "CallAndBridge", "Parameters": {}}),
     [play("thisCallIsBeingRecorded.wav", A), record(B), receive(B)]),
    ("answered", event("ACTION_SUCCESSFUL", "t1", participants(CALLER), {"Type": "Answer"}), []),
    ("hung up", event("ACTION_SUCCESSFUL", "t1", participants(CALLER), {"Type": "Hangup"}), []),
    ("another action succeeded", event("ACTION_SUCCESSFUL", "t1", participants(CALLER), {"Type": "PlayAudio"}), []),
    ("5 inbound pauses leg A", event("DIGITS_RECEIVED", "t1", participants(CALLER, b=True),
                                     {"ReceivedDigits": "5", "Type": "ReceiveDigits"}), digits("5", False)),
    ("6 outbound resumes leg B (the seed: A)", event("DIGITS_RECEIVED", "t1", participants(SOURCE, b=True),
                                                     {"ReceivedDigits": "6", "Type": "ReceiveDigits"}),
     digits("6", True)),
    ("7 outbound stops leg B (the seed: A)", event("DIGITS_RECEIVED", "t1", participants(SOURCE, b=True),
                                                   {"ReceivedDigits": "7", "Type": "ReceiveDigits"}),
     digits("7", True)),
    ("8 does nothing", event("DIGITS_RECEIVED", "t1", participants(SOURCE, b=True), {"ReceivedDigits": "8"}), []),
    ("digits with one participant (the seed failed)", event("DIGITS_RECEIVED", "t1", participants(CALLER),
                                                            {"ReceivedDigits": "5"}), []),
    ("hangup with A still connected", event("HANGUP", "t1", participants(CALLER, b=True, b_status="Disconnected"),
                                            {"Type": "Hangup", "Parameters": {"SipResponseCode": 0}}), [hangup(A)]),
    ("hangup with B still connected", event("HANGUP", "t1", participants(CALLER, b=True, a_status="Disconnected"),
                                            {"Type": "Hangup"}), [hangup(B)]),
    ("ringing (the seed answered a bare list)", event("RINGING", "t1", participants(SOURCE)), []),
    ("an action failed", event("ACTION_FAILED", "t1", participants(CALLER), {
        "Type": "CallAndBridge", "ErrorType": "CallNotAnswered", "ErrorMessage": "no answer"}),
     [play(UNABLE, A), hangup(A)]),
    ("the recording could not start", event("ACTION_FAILED", "t1", participants(CALLER, b=True), {
        "Type": "StartCallRecording", "Parameters": {"CallId": A}, "ErrorType": "AccessDenied",
        "ErrorMessage": "no access to the bucket"}), [play(UNABLE, A), hangup(A)]),
    ("an action we never send failed", event("ACTION_FAILED", "t1", participants(CALLER), {
        "Type": "SpeakAndGetDigits", "ErrorType": "SystemException"}), [play(UNABLE, A), hangup(A)]),
    ("the error prompt failed (the seed looped)", event("ACTION_FAILED", "t1", participants(CALLER), {
        "Type": "PlayAudio", "Parameters": {"CallId": A, "AudioSource": src(UNABLE)}, "ErrorType": "InvalidAudioSource"}),
     [hangup(A)]),
    ("invalid response, error at the top", event("INVALID_LAMBDA_RESPONSE", "t1", participants(CALLER),
                                                 ErrorType="InvalidResponse", ErrorMessage="bad"),
     [play(UNABLE, A), hangup(A)]),
    ("invalid response, error in ActionData", event("INVALID_LAMBDA_RESPONSE", "t1", participants(CALLER),
                                                    {"ErrorType": "InvalidResponse", "ErrorMessage": "bad"}),
     [play(UNABLE, A), hangup(A)]),
    ("no participants", {"SchemaVersion": "1.0", "InvocationEventType": "HANGUP"}, []),
]


class SmaTest(StackCase):
    def setUp(self):
        self.st.clear_faults()
        self.st.clear_request_log()

    def run_events(self, events, **env):
        boot = Bootstrap(self.st, self.rt, _HANDLER="SmaOnDemandRecording", WAV_BUCKET=WAV, RECORDING_BUCKET=REC,
                         SOURCE_PHONE=SOURCE, CALL_RECORDS_TABLE=SMA_TABLE, **env)
        out = []
        try:
            for ev in events:
                t0 = time.monotonic()
                answer = boot.invoke(ev, timeout_ms=5000)
                out.append((answer, time.monotonic() - t0))
        finally:
            log = boot.stop()
            self.log = boot.lines(log)
            self.metrics = emf.metric_lines(log)
        return out

    def metric(self, name, **dimensions):
        self.assertEqual({d["Handler"] for d in self.metrics}, {"SmaOnDemandRecording"})
        return emf.values(self.metrics, name, **dimensions)

    def test_every_event_gets_the_exact_actions(self):
        answers = self.run_events([ev for _, ev, _ in CASES])
        for (name, _, expected), (answer, _) in zip(CASES, answers):
            with self.subTest(name):
                self.assertEqual(answer["kind"], "response")
                body = json.loads(answer["body"])
                self.assertEqual(body, {"SchemaVersion": "1.0", "Actions": expected})
                self.assertLessEqual(len(body["Actions"]), 10)
        notes = [l.get("note") for l in self.log if l.get("message") == "SIP media application event answered"]
        self.assertIn("InvalidResponse: bad", notes)
        # Metric lines only for what they count: the two bridges start a recording, four of our
        # actions failed (by name; one we never send is "Other"), two answers were refused.
        self.assertEqual(len(self.metrics), 2 + 4 + 2)
        self.assertEqual(self.metric("RecordingsRequested"), [1, 1])
        failed = {a: self.metric("ActionFailures", Action=a) for a in ("CallAndBridge", "PlayAudio",
                                                                        "StartCallRecording", "Other")}
        self.assertEqual(failed, {"CallAndBridge": [1], "PlayAudio": [1], "StartCallRecording": [1], "Other": [1]})
        self.assertEqual(self.metric("InvalidResponses"), [1, 1])
        self.assertEqual(self.metric("CallRecordFailures"), [])
        line = [d for d in self.metrics if d.get("Action") == "StartCallRecording"][0]
        self.assertEqual(line["transactionId"], "t1")
        self.assertEqual(line["_aws"]["CloudWatchMetrics"][0]["Dimensions"],
                         [["FunctionName", "Handler"], ["FunctionName", "Handler", "Action"]])

    def item(self, tx):
        return self.ddb.get_item(TableName=SMA_TABLE, Key={"callID": {"S": tx}}, ConsistentRead=True).get("Item")

    def test_call_records_when_bridged_and_at_the_last_hangup(self):
        t0 = time.time()
        self.run_events([event("ACTION_SUCCESSFUL", "rec-1", participants(SOURCE, b=True),
                               {"Type": "CallAndBridge", "Parameters": {}}),
                         event("HANGUP", "rec-1", participants(SOURCE, b=True, a_status="Disconnected",
                                                               b_status="Disconnected"), {"Type": "Hangup"})])
        item = self.item("rec-1")
        self.assertEqual(item["direction"], {"S": "Outbound"})
        self.assertEqual(item["caller"], {"S": SOURCE})
        self.assertEqual(item["callee"], {"S": NUMBER})
        start, end = float(item["startTime"]["S"]), float(item["endTime"]["S"])
        self.assertTrue(t0 - 1 <= start <= end <= time.time() + 1)

    def test_dynamodb_failing_changes_nothing_in_the_answer_and_takes_at_most_a_second(self):
        self.st.inject_fault(method="POST", path_prefix="/", status=500, code="InternalServerError",
                             count=10, service="dynamodb")
        ev = event("ACTION_SUCCESSFUL", "rec-2", participants(CALLER, b=True), {"Type": "CallAndBridge"})
        [(answer, seconds)] = self.run_events([ev])
        self.assertEqual(json.loads(answer["body"])["Actions"], [record(A), receive(A)])
        self.assertLess(seconds, 2.0)
        self.st.clear_faults()
        self.assertIsNone(self.item("rec-2"))
        errors = [l for l in self.log if l["level"] == "ERROR"]
        self.assertIn("the call record was not updated; the actions go out unchanged", [l["message"] for l in errors])
        tries = [r for r in self.st.request_log() if r["target"] == "DynamoDB_20120810.UpdateItem"]
        self.assertLessEqual(len(tries), 2)
        self.assertEqual((self.metric("CallRecordFailures"), self.metric("RecordingsRequested")), ([1], [1]))

    def test_missing_environment_is_an_init_error(self):
        boot = Bootstrap(self.st, self.rt, _HANDLER="SmaOnDemandRecording", WAV_BUCKET=WAV)
        try:
            err = self.rt.wait_init_error(timeout=10)
        finally:
            boot.stop()
        self.assertIn("RECORDING_BUCKET", repr(err))


if __name__ == "__main__":
    unittest.main()

"""_HANDLER=VideoCallRecording through build/bootstrap, the Runtime API
emulator and the local stack with auth on: seed 004's Recording API on Chime
SDK media pipelines (routes, envelopes, errors, the start lock, owner
checks, events in and out of order, playback rules, presigned URLs)."""
import json
import os
import time
import unittest
import urllib.error
import urllib.parse
import urllib.request

import emf
import helpers  # noqa: F401
from stack.localstack import LocalStack
from stack.runtime_api import RuntimeApiEmulator
from video_env import BUCKET, INSTANCE_ID, PLAYBACK_BASE, VideoBootstrap, VideoWorld

START, STOP, SUMMARY = "POST /recording", "DELETE /recording", "GET /recording-summary"


def fetch(url):
    try:
        with urllib.request.urlopen(url, timeout=30) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


class VideoRecordingTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.st = LocalStack().start()
        cls.rt = RuntimeApiEmulator().start()
        cls.world = VideoWorld(cls.st)
        cls.fn = VideoBootstrap(cls.st, cls.rt, cls.world)

    @classmethod
    def tearDownClass(cls):
        log = cls.fn.stop()
        cls.rt.stop()
        cls.st.stop()
        # the sanitizer build reports memory errors and leaks at exit into the log
        for marker in ("AddressSanitizer", "LeakSanitizer", "runtime error:"):
            if marker in log:
                raise AssertionError(f"bootstrap reported {marker}:\n{log[-4000:]}")

    def setUp(self):
        self.st.clear_faults()
        self.world.take_events()

    # -- helpers -------------------------------------------------------------
    def start(self, ext, user="agent1", **body):
        return self.fn.api(self.world.request(START, user, dict({"externalMeetingId": ext}, **body)))

    def stop(self, ext, user="agent1"):
        return self.fn.api(self.world.request(STOP, user, {"externalMeetingId": ext}))

    def summary(self, ext, user="sup1"):
        return self.fn.api(self.world.request(SUMMARY, user, query={"externalMeetingId": ext}))

    def deliver(self, events):
        for ev in events:
            answer = self.fn.invoke(ev)
            self.assertEqual(answer["kind"], "response", answer)

    def rec(self, ext, rid):
        return self.world.item(f"M#{ext}", f"REC#{rid}")

    def complete_concat(self, rid, **options):
        concat = [p for p in self.world.pipelines() if p["kind"] == "concat"
                  and p["request"]["ClientRequestToken"] == f"{rid}-c"]
        self.assertEqual(len(concat), 1)
        self.st._post(f"/_stack/pipelines/{concat[0]['MediaPipelineId']}/complete", options)
        return concat[0]

    def log_mark(self):
        return os.path.getsize(self.fn.log.name)

    def metric_lines(self, mark):
        """The function's EMF lines written since mark (log_mark), checked against the specification."""
        with open(self.fn.log.name, "rb") as f:
            f.seek(mark)
            lines = emf.metric_lines(f.read().decode(errors="replace"))
        self.assertEqual({d["Handler"] for d in lines}, {"VideoCallRecording"} if lines else set())
        return lines

    # -- the whole life -------------------------------------------------------
    def test_start_events_stop_concatenation_and_summary(self):
        ext, chime_id = self.world.meeting()
        self.st.clear_request_log()
        status, body = self.start(ext, connectContactId="contact-1",
                                  videoRecordingPlaybackURL="https://evil.example.com/x")
        self.assertEqual(status, 200, body)
        self.assertEqual(body["success"], "Start Recording succeed!")
        self.assertEqual(body["data"]["message"], "Start recording initiated")
        self.assertEqual(set(body), {"success", "data", "reqId"})
        rid = body["data"]["recordingId"]
        # the capture request: signing name chime, the body VIDEO.md §2.3 describes
        calls = [r for r in self.st.request_log() if r["service"] == "chime"]
        self.assertEqual([(c["method"], c["path"], c["status"]) for c in calls],
                         [("POST", "/sdk-media-capture-pipelines", 201)])
        capture = [p for p in self.world.pipelines() if p["kind"] == "capture" and p["meetingId"] == chime_id][0]
        req = capture["request"]
        self.assertEqual(req["SourceArn"], f"arn:aws:chime::123456789012:meeting:{chime_id}")
        self.assertRegex(req["SinkArn"], rf"^arn:aws:s3:::{BUCKET}/captures/\d{{4}}/\d\d/\d\d/{rid}$")
        self.assertEqual(req["ClientRequestToken"], rid)
        art = req["ChimeSdkMeetingConfiguration"]["ArtifactsConfiguration"]
        self.assertEqual(art["Audio"], {"MuxType": "AudioWithCompositedVideo"})
        self.assertEqual(art["CompositedVideo"]["Resolution"], "FHD")
        # the items: recording (seed attributes + ours) and the three index items
        item = self.rec(ext, rid)
        self.assertEqual(item["status"]["S"], "STARTING")
        self.assertEqual(item["ownerUsername"]["S"], "agent1")
        self.assertEqual(item["connectHierarchyGroupId"]["S"], "g-team")
        self.assertEqual(item["connectHierarchyGroupSummary"]["M"]["LevelId"]["S"], "2")
        self.assertNotIn("recordingS3Object", item)
        self.assertGreater(int(item["TTL"]["N"]), time.time() + 44 * 86400)
        for pk in (f"RID#{rid}", f"CM#{chime_id}", f"MP#{capture['MediaPipelineId']}"):
            self.assertEqual(self.world.item(pk)["externalMeetingId"]["S"], ext, pk)
        # the playback URL: built from PLAYBACK_BASE_URL, the client's ignored
        attrs = self.st.contact_attributes()[f"{INSTANCE_ID}/contact-1"]
        self.assertEqual(attrs, {"videoRecordingPlaybackURL": f"{PLAYBACK_BASE}/recording/{ext}"})
        # the pipeline's events: roster name, then RECORDING; delivered twice
        events = self.world.take_events()
        self.deliver(events + events)
        attendee = [i for i in self.world.ddb.query(
            TableName="vce-db", KeyConditionExpression="PK = :p AND begins_with(SK, :a)",
            ExpressionAttributeValues={":p": {"S": f"M#{ext}"}, ":a": {"S": "A#aws:MediaPipeline"}})["Items"]]
        self.assertEqual(len(attendee), 1)
        self.assertEqual(attendee[0]["attendeeName"]["S"], "RECORDING")
        self.assertEqual(self.rec(ext, rid)["status"]["S"], "RECORDING")
        # the summary while recording: listed, no URL yet
        status, body = self.summary(ext)
        self.assertEqual(status, 200, body)
        self.assertEqual([e["recordingId"] for e in body["data"]], [rid])
        self.assertNotIn("recordingURL", body["data"][0])
        self.assertNotIn("endedAt", body["data"][0])
        # stop: Delete, then the concatenation
        status, body = self.stop(ext)
        self.assertEqual((status, body["data"]), (200, {"recordingsStopped": 1, "recordingsNotStopped": 0}))
        item = self.rec(ext, rid)
        self.assertEqual(item["status"]["S"], "CONCATENATING")
        self.assertIn("endedAt", item)
        self.assertNotIn("activeRecordingId", self.world.item(f"M#{ext}"))
        concat = self.complete_concat(rid)
        src = concat["request"]["Sources"][0]["MediaCapturePipelineSourceConfiguration"]
        self.assertEqual(src["MediaPipelineArn"], capture["answer"]["MediaPipelineArn"])
        dest = concat["request"]["Sinks"][0]["S3BucketSinkConfiguration"]["Destination"]
        self.assertRegex(dest, rf"^arn:aws:s3:::{BUCKET}/RECORDINGS/\d{{4}}/\d\d/\d\d/\d\d/{rid}$")
        events = self.world.take_events()  # capture Deleted, concat InProgress, 2 objects, concat Deleted
        self.deliver(list(reversed(events)) + events)
        item = self.rec(ext, rid)
        self.assertEqual(item["status"]["S"], "AVAILABLE")
        self.assertTrue(item["recordingS3Object"]["S"].endswith(f"/audio/{concat['MediaPipelineId']}.mp4"))
        self.assertEqual(len([p for p in self.world.pipelines() if p["kind"] == "concat"
                              and p["request"]["ClientRequestToken"] == f"{rid}-c"]), 1)
        # the summary: a presigned URL that downloads through the checker
        status, body = self.summary(ext)
        self.assertEqual(status, 200, body)
        entry = body["data"][0]
        self.assertIn("endedAt", entry)
        url = entry["recordingURL"]
        q = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(url).query))
        self.assertEqual(q["X-Amz-Expires"], "900")
        self.assertIn("X-Amz-Security-Token", q)
        code, data = fetch(url)
        self.assertEqual(code, 200)
        self.assertTrue(data[4:8] == b"ftyp")
        code, _ = fetch(url.replace("X-Amz-Signature=", "X-Amz-Signature=0"))
        self.assertEqual(code, 403)

    def test_double_start_is_409_and_stop_then_start_again_works(self):
        ext, _ = self.world.meeting()
        status, first = self.start(ext)
        self.assertEqual(status, 200, first)
        status, body = self.start(ext)
        self.assertEqual((status, body["message"]), (409, "Recording already in progress"))
        self.assertEqual(set(body), {"message", "reqId"})
        self.assertEqual(self.stop(ext)[0], 200)
        status, body = self.start(ext)
        self.assertEqual(status, 200, body)
        self.assertNotEqual(body["data"]["recordingId"], first["data"]["recordingId"])

    def test_a_held_lock_is_409_even_without_a_recording_item(self):
        ext, _ = self.world.meeting()
        self.world.ddb.update_item(TableName="vce-db", Key={"PK": {"S": f"M#{ext}"}, "SK": {"S": f"M#{ext}"}},
                                   UpdateExpression="SET activeRecordingId = :r, activeRecordingAt = :t",
                                   ExpressionAttributeValues={":r": {"S": "other"},
                                                              ":t": {"N": str(int(time.time() * 1000))}})
        status, body = self.start(ext)
        self.assertEqual((status, body["message"]), (409, "Recording already in progress"))
        self.assertEqual(self.world.recordings(ext), [])

    def test_owner_rules_and_missing_meeting(self):
        ext, _ = self.world.meeting(owner="agent1")
        status, body = self.start(ext, user="agent2")
        self.assertEqual((status, body["message"]), (400, "Start Recording Error, user is not the owner"))
        self.assertEqual(self.start(ext)[0], 200)
        status, body = self.stop(ext, user="agent2")
        self.assertEqual((status, body["message"]), (400, "Stop Recording Error, user is not the owner"))
        self.assertEqual(self.world.recordings(ext)[0].get("endedAt"), None)
        status, body = self.start("no-such-meeting")
        self.assertEqual((status, body["message"]), (404, "Start Recording Error, meeting not found"))
        status, body = self.stop(ext)
        self.assertEqual(body["data"], {"recordingsStopped": 1, "recordingsNotStopped": 0})
        status, body = self.stop(ext)  # nothing running: 0/0 as the seed
        self.assertEqual(body["data"], {"recordingsStopped": 0, "recordingsNotStopped": 0})

    def test_the_seed_400s_and_unknown_routes(self):
        status, body = self.fn.api(self.world.request(START, "agent1", {}))
        self.assertEqual((status, body["message"]), (400, "Must provide External Meeting Id"))
        # not JSON by content-type: the fields are absent (the seed's parseEventBody)
        status, body = self.fn.api(self.world.request(START, "agent1", {"externalMeetingId": "m"},
                                                      content_type="text/plain"))
        self.assertEqual((status, body["message"]), (400, "Must provide External Meeting Id"))
        status, body = self.fn.api(self.world.request(SUMMARY, "sup1", query=None))
        self.assertEqual((status, body["message"]), (400, "Must provide External Meeting Id"))
        status, body = self.fn.api(self.world.request("GET /nothing", "agent1"))
        self.assertEqual((status, body["message"]), (404, "Not found"))

    def test_identity_other_pool_and_unknown_sub_are_403(self):
        status, body = self.fn.api(self.world.request(START, "agent1", {"externalMeetingId": "m"},
                                                      pool="us-east-1_other"))
        self.assertEqual((status, body["message"]), (403, "Claim issuer is invalid"))
        status, body = self.fn.api(self.world.request(START, "00000000-0000-4000-8000-000000000000",
                                                      {"externalMeetingId": "m"}))
        self.assertEqual((status, body["message"]), (403, "Claim subject does not match"))

    def test_playback_rules(self):
        ext, _ = self.world.meeting()
        status, body = self.summary(ext)
        self.assertEqual((status, body["message"]),
                         (404, "Get Recording Summary Error, recordings not found for the provided meeting"))
        self.assertEqual(self.start(ext)[0], 200)
        # no playback profile: 403 (the owner, an agent)
        status, body = self.summary(ext, user="agent1")
        self.assertEqual((status, body["message"]), (403, "Get Recording Summary Error, permission denied"))
        # the profile, another branch of the hierarchy: 403
        self.assertEqual(self.summary(ext, user="sup2")[0], 403)
        # the profile, the parent group through HierarchyPath: allowed
        self.assertEqual(self.summary(ext, user="sup1")[0], 200)
        # the cache item was written in the seed's format
        cache = self.world.item("CUC#cu-sup")
        self.assertEqual(cache["securityProfileIds"]["L"][1]["S"], "11111111-aaaa-4bbb-8ccc-000000000001")
        self.assertEqual(cache["entityType"]["S"], "ConnectUserCache")
        # no group on both sides: the seed's undefined === undefined lets it through
        ext2, _ = self.world.meeting(owner="sup3")
        self.world.ddb.put_item(TableName="vce-db", Item={
            "PK": {"S": f"M#{ext2}"}, "SK": {"S": "REC#00000000-0000-4000-8000-000000000001"},
            "recordingId": {"S": "00000000-0000-4000-8000-000000000001"}, "createdAt": {"S": "2024-01-01T00:00:00.000Z"},
            "endedAt": {"S": "2024-01-01T00:10:00.000Z"}})
        status, body = self.summary(ext2, user="sup3")
        self.assertEqual(status, 200, body)
        self.assertEqual(body["data"][0]["endedAt"], "2024-01-01T00:10:00.000Z")

    def test_meeting_end_with_a_capture_running_concatenates_once(self):
        ext, chime_id = self.world.meeting()
        status, body = self.start(ext)
        rid = body["data"]["recordingId"]
        self.world.take_events()
        ended = {"version": "0", "source": "aws.chime", "account": "123456789012", "region": "us-east-1",
                 "detail-type": "Chime Meeting State Change", "time": "2026-01-02T03:04:05Z", "resources": [],
                 "detail": {"version": "0", "eventType": "chime:MeetingEnded", "timestamp": 1,
                            "meetingId": chime_id, "externalMeetingId": ext, "mediaRegion": "us-east-1"}}
        self.deliver([ended, ended])
        item = self.rec(ext, rid)
        self.assertEqual(item["endedAt"]["S"], "2026-01-02T03:04:05.000Z")
        self.assertEqual(item["status"]["S"], "CONCATENATING")
        self.deliver(self.world.take_events())  # the capture's Deleted: nothing more
        concats = [p for p in self.world.pipelines() if p["kind"] == "concat"
                   and p["request"]["ClientRequestToken"] == f"{rid}-c"]
        self.assertEqual(len(concats), 1)
        # the S3 event lost: the concatenation's Deleted makes the handler look
        self.complete_concat(rid, s3_events=False)
        self.deliver(self.world.take_events())
        self.assertEqual(self.rec(ext, rid)["status"]["S"], "AVAILABLE")

    def test_a_pipeline_that_fails(self):
        ext, _ = self.world.meeting()
        mark = self.log_mark()
        self.st.inject_fault(method="POST", path_prefix="/sdk-media-capture-pipelines", status=400,
                             code="ResourceLimitExceededException", service="chime")
        status, body = self.start(ext)
        self.assertEqual((status, body["message"]), (500, "Start Recording Error, please try again later"))
        self.assertEqual(self.world.recordings(ext), [])
        self.assertNotIn("activeRecordingId", self.world.item(f"M#{ext}"))  # lock released
        # throttling is retried inside the call
        self.st.inject_fault(method="POST", path_prefix="/sdk-media-capture-pipelines", status=429,
                             code="ThrottledClientException", service="chime")
        status, body = self.start(ext)
        self.assertEqual(status, 200, body)
        rid = body["data"]["recordingId"]
        capture = [p for p in self.world.pipelines() if p["kind"] == "capture"
                   and p["request"]["ClientRequestToken"] == rid][0]
        self.world.take_events()
        self.st._post(f"/_stack/pipelines/{capture['MediaPipelineId']}/fail", {})
        self.deliver(self.world.take_events())
        item = self.rec(ext, rid)
        self.assertEqual(item["status"]["S"], "CONCATENATING")  # what exists is still concatenated
        self.assertEqual(item["failureReason"]["S"], "capture pipeline permanent failure")
        lines = self.metric_lines(mark)
        self.assertEqual([(d["Route"], d["StatusClass"]) for d in lines if "ApiRequests" in d],
                         [("start", "5xx"), ("start", "2xx")])
        [failed] = [d for d in lines if "PipelineFailures" in d]
        self.assertEqual((failed["PipelineFailures"], failed["ConcatenationsStarted"]), (1, 1))
        self.assertEqual(failed["eventType"], "chime:MediaPipelinePermanentFailure")

    def test_metric_lines_per_request_and_per_event(self):
        ext, chime_id = self.world.meeting()
        mark = self.log_mark()
        status, body = self.start(ext)
        self.assertEqual(status, 200, body)
        rid = body["data"]["recordingId"]
        self.assertEqual(self.start(ext)[0], 409)
        self.deliver(self.world.take_events())  # the roster name, RECORDING: nothing an operator counts
        self.assertEqual(self.stop(ext)[0], 200)  # the concatenation starts
        self.complete_concat(rid)
        self.deliver(self.world.take_events())  # the capture's Deleted, the concatenation's, the MP4s
        self.assertEqual(self.rec(ext, rid)["status"]["S"], "AVAILABLE")
        self.assertEqual(self.fn.api(self.world.request("GET /nothing", "agent1"))[0], 404)
        malformed = {"source": "aws.chime", "detail-type": "Chime Media Pipeline State Change",
                     "time": "2026-01-01T00:00:00Z",
                     "detail": {"eventType": "chime:MediaPipelineDeleted", "mediaPipelineId": "not-an-id"}}
        self.deliver([malformed])  # dropped: a permanent failure
        ended = {"source": "aws.chime", "detail-type": "Chime Meeting State Change", "time": "2026-01-02T03:04:05Z",
                 "detail": {"eventType": "chime:MeetingEnded", "meetingId": chime_id, "externalMeetingId": ext}}
        self.st.inject_fault(method="POST", path_prefix="/", status=500, code="InternalServerError", count=50,
                             service="dynamodb")
        answer = self.fn.invoke(ended)  # DynamoDB failing: Lambda retries it
        self.st.clear_faults()
        self.assertEqual((answer["kind"], answer["error_type"]), ("error", "RetriableError"))
        lines = self.metric_lines(mark)
        self.assertEqual([(d["Route"], d["StatusClass"]) for d in lines if "ApiRequests" in d],
                         [("start", "2xx"), ("start", "4xx"), ("stop", "2xx"), ("unknown", "4xx")])
        stop_line = [d for d in lines if d.get("Route") == "stop"][0]
        self.assertEqual(stop_line["_aws"]["CloudWatchMetrics"][0]["Dimensions"],
                         [["FunctionName", "Handler"], ["FunctionName", "Handler", "Route", "StatusClass"]])
        self.assertEqual(emf.values(lines, "ConcatenationsStarted"), [1])
        self.assertEqual(stop_line["ConcatenationsStarted"], 1)
        self.assertEqual(emf.values(lines, "RecordingsAvailable"), [1])
        self.assertEqual(emf.values(lines, "PipelineFailures"), [])
        self.assertEqual(emf.values(lines, "EventFailures", Class="permanent"), [1])
        self.assertEqual(emf.values(lines, "EventFailures", Class="retriable"), [1])
        self.assertEqual([d["eventType"] for d in lines if "EventFailures" in d],
                         ["chime:MediaPipelineDeleted", "chime:MeetingEnded"])

    def test_events_that_are_not_ours_change_nothing(self):
        self.st.clear_request_log()
        mark = self.log_mark()
        others = [
            {"source": "aws.chime", "detail-type": "Chime Media Pipeline State Change", "time": "2026-01-01T00:00:00Z",
             "detail": {"eventType": "chime:MediaPipelineDeleted", "mediaPipelineId": "e40ee45e-2ed1-408e-9156-f52b8208a491"}},
            {"source": "aws.chime", "detail-type": "Chime Meeting State Change", "time": "2026-01-01T00:00:00Z",
             "detail": {"eventType": "chime:AttendeeJoined", "meetingId": "87654321-4321-4321-1234-111122223333",
                        "externalUserId": "a-human", "attendeeId": "x"}},
            {"source": "aws.s3", "detail-type": "Object Created", "time": "2026-01-01T00:00:00Z",
             "detail": {"bucket": {"name": "another-bucket"}, "object": {"key": "RECORDINGS/x.mp4"}}},
        ]
        self.deliver(others)
        writes = [r for r in self.st.request_log() if r["target"] and "GetItem" not in r["target"]]
        self.assertEqual(writes, [])
        self.assertEqual(self.metric_lines(mark), [], "nothing to count: no metric line")
        answer = self.fn.invoke({"hello": "world"})
        self.assertEqual((answer["kind"], answer["error_type"]), ("error", "InvalidEvent"))

    def test_the_presign_checker_refuses_an_expired_url(self):
        import boto3
        from botocore.config import Config
        ak, sk, token = self.st.session_credentials
        s3 = boto3.client("s3", region_name="us-east-1", endpoint_url=self.st.endpoint, aws_access_key_id=ak,
                          aws_secret_access_key=sk, aws_session_token=token,
                          config=Config(signature_version="s3v4", s3={"addressing_style": "path"}))
        s3.put_object(Bucket=BUCKET, Key="RECORDINGS/t.mp4", Body=b"x")
        url = s3.generate_presigned_url("get_object", Params={"Bucket": BUCKET, "Key": "RECORDINGS/t.mp4"},
                                        ExpiresIn=1)
        self.assertEqual(fetch(url)[0], 200)
        time.sleep(2.1)
        code, body = fetch(url)
        self.assertEqual(code, 403)
        self.assertIn(b"Request has expired", body)




class ConcurrentStartTest(unittest.TestCase):
    """Two function instances take two starts of one meeting at once: the
    start lock lets exactly one capture be created."""

    def test_two_concurrent_starts_give_one_200_and_one_409(self):
        with LocalStack() as st, RuntimeApiEmulator() as rt:
            world = VideoWorld(st)
            fns = [VideoBootstrap(st, rt, world) for _ in range(2)]
            try:
                for attempt in range(3):  # each round a new meeting, both starts queued together
                    ext, chime_id = world.meeting()
                    ev = world.request(START, "agent1", {"externalMeetingId": ext})
                    ids = [rt.invoke(ev, timeout_ms=25000) for _ in range(2)]
                    codes = sorted(json.loads(rt.wait(i, timeout=60)["body"])["statusCode"] for i in ids)
                    self.assertEqual(codes, [200, 409])
                    captures = [p for p in world.pipelines() if p["kind"] == "capture" and p["meetingId"] == chime_id]
                    self.assertEqual(len(captures), 1)
                    self.assertEqual(len(world.recordings(ext)), 1)
            finally:
                rt.next_fails = True
                logs = [fn.stop() for fn in fns]
            for marker in ("AddressSanitizer", "LeakSanitizer", "runtime error:"):
                self.assertFalse(any(marker in log for log in logs), marker)


if __name__ == "__main__":
    unittest.main()

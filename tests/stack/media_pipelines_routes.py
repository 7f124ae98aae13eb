"""Amazon Chime SDK media pipelines stand-in routes of the local stack
(moto 5.2.1 has no backend for them; ../shared/VIDEO.md §4.2).

- `POST /sdk-media-capture-pipelines` (CreateMediaCapturePipeline), SigV4
  signing name `chime`: checks the IAM action and the body (required fields,
  enums, the SourceArn and SinkArn patterns, a sink bucket that exists in
  moto and whose policy names mediapipelines.chime.amazonaws.com), one
  active capture per meeting, ClientRequestToken idempotency; 201.
- `DELETE /sdk-media-capture-pipelines/{id}`: 204; unknown or ended: 404.
- `POST /sdk-media-concatenation-pipelines`: all seven artifact states,
  Audio Enabled, a known capture ARN; 201.
- `GET /sdk-media-pipelines/{id}`, `GET /sdk-media-capture-pipelines/{id}`.
- Errors as rest-json: x-amzn-ErrorType + {"Code","Message","RequestId"}.
- Every state change queues the EventBridge events a real pipeline emits
  (the capture's aws:MediaPipeline attendee joining, InProgress, Deleted);
  tests take them (`POST /_stack/pipelines/events`) and deliver them through
  the Runtime API emulator as EventBridge would.
- Control: `GET /_stack/pipelines` (every pipeline with its request),
  `POST /_stack/pipelines/{id}/complete` finishes a concatenation: writes
  `<dest>/audio/<id>.mp4` and `<dest>/composited-video/<id>.mp4` into moto's
  S3 and queues their `Object Created` events and the pipeline's Deleted.
"""
import json
import re
import threading
import time
import uuid

from stack.stack_common import REGION, AwsError, read_body

SIGNING_NAME = "chime"
ARN_RE = re.compile(r"^arn[\/\:\-\_\.a-zA-Z0-9]+$")
MEETING_RE = re.compile(r"^arn:aws:chime::\d{12}:meeting:[0-9a-fA-F-]{36}$")
TOKEN_RE = re.compile(r"^[-_a-zA-Z0-9]{2,64}$")
MUX = {"AudioOnly", "AudioWithActiveSpeakerVideo", "AudioWithCompositedVideo"}
LAYOUTS = {"PresenterOnly", "Horizontal", "Vertical", "ActiveSpeakerOnly"}
CONCAT_ARTIFACTS = ["Audio", "Video", "Content", "DataChannel", "TranscriptionMessages", "MeetingEvents",
                    "CompositedVideo"]
SERVICE_PRINCIPAL = "mediapipelines.chime.amazonaws.com"
# A few bytes that start like an MP4 (ftyp box): a stand-in, not media.
FAKE_MP4 = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + b"\x00" * 64


def _now():
    return time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime())


class PipelineError(AwsError):
    pass


class MediaPipelines:
    def __init__(self, stack):
        self.stack = stack
        self.pipelines = {}   # id -> dict
        self.tokens = {}      # (kind, token) -> id
        self.events = []      # EventBridge events not yet taken
        self.lock = threading.Lock()

    # -- helpers -------------------------------------------------------------
    @staticmethod
    def error(start_response, err):
        """The media pipelines API's error shape (the routes' AwsError)."""
        body = json.dumps({"Code": err.code.replace("Exception", ""), "Message": err.message,
                           "RequestId": "stack"}).encode()
        start_response(f"{err.status} Error", [("Content-Type", "application/json"), ("x-amzn-ErrorType", err.code),
                                               ("Content-Length", str(len(body)))])
        return [body]

    def _s3(self):
        from moto.s3.models import s3_backends
        return s3_backends[self.stack.account]["aws"]

    def _event(self, detail_type, detail, source="aws.chime"):
        ev = {"version": "0", "id": str(uuid.uuid4()), "detail-type": detail_type, "source": source,
              "account": self.stack.account, "time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
              "region": REGION, "resources": [], "detail": dict(detail, version="0") if source == "aws.chime" else detail}
        self.events.append(ev)

    def _pipeline_event(self, p, kind):
        detail = {"eventType": f"chime:MediaPipeline{kind}", "timestamp": int(time.time() * 1000),
                  "mediaPipelineId": p["MediaPipelineId"], "mediaRegion": REGION}
        if p["kind"] == "capture":
            detail.update(meetingId=p["meetingId"])
        self._event("Chime Media Pipeline State Change", detail)

    def _check_sink(self, sink_arn):
        if not ARN_RE.match(sink_arn or "") or not sink_arn.startswith("arn:aws:s3:::"):
            raise PipelineError(400, "BadRequestException", f"Invalid SinkArn {sink_arn}")
        bucket = sink_arn[len("arn:aws:s3:::"):].split("/", 1)[0]
        try:
            policy = self._s3().get_bucket_policy(bucket)
        except Exception:  # noqa: BLE001 (no bucket, or no policy)
            policy = None
        if not policy or SERVICE_PRINCIPAL.encode() not in (policy if isinstance(policy, bytes) else policy.encode()):
            raise PipelineError(400, "BadRequestException", f"S3 Bucket policy not valid/present for Sink {sink_arn}")
        return bucket

    def _artifacts(self, cfg):
        art = (cfg or {}).get("ArtifactsConfiguration") or {}
        for name in ("Audio", "Video", "Content"):
            if name not in art:
                raise PipelineError(400, "BadRequestException", f"ArtifactsConfiguration.{name} is required")
        if art["Audio"].get("MuxType") not in MUX:
            raise PipelineError(400, "BadRequestException", "Audio.MuxType is not valid")
        cv = art.get("CompositedVideo")
        if cv is not None:
            grid = cv.get("GridViewConfiguration") or {}
            if cv.get("Layout") != "GridView" or cv.get("Resolution", "HD") not in ("HD", "FHD") or \
                    grid.get("ContentShareLayout") not in LAYOUTS:
                raise PipelineError(400, "BadRequestException", "CompositedVideo is not valid")

    # -- AWS routes ------------------------------------------------------------
    def create_capture(self, environ, start_response):
        body = read_body(environ)
        self.stack.verify(environ, body, "CreateMediaCapturePipeline")
        req = json.loads(body or b"{}")
        for f in ("SourceType", "SourceArn", "SinkType", "SinkArn"):
            if not req.get(f):
                raise PipelineError(400, "BadRequestException", f"{f} is required")
        if req["SourceType"] != "ChimeSdkMeeting" or req["SinkType"] != "S3Bucket":
            raise PipelineError(400, "BadRequestException", "SourceType/SinkType not valid")
        if not MEETING_RE.match(req["SourceArn"]):
            raise PipelineError(400, "BadRequestException", f"Invalid SourceArn {req['SourceArn']}")
        token = req.get("ClientRequestToken")
        if token is not None and not TOKEN_RE.match(token):
            raise PipelineError(400, "BadRequestException", "ClientRequestToken not valid")
        self._check_sink(req["SinkArn"])
        self._artifacts(req.get("ChimeSdkMeetingConfiguration"))
        with self.lock:
            return self._new_capture(start_response, req, token)

    def _new_capture(self, start_response, req, token):
        if token and ("capture", token) in self.tokens:
            p = self.pipelines[self.tokens[("capture", token)]]
            return self.stack.json_response(start_response, 201, {"MediaCapturePipeline": p["answer"]})
        meeting = req["SourceArn"].rsplit(":", 1)[1]
        if any(p["kind"] == "capture" and p["meetingId"] == meeting and p["status"] in ("Initializing", "InProgress")
               for p in self.pipelines.values()):
            raise PipelineError(400, "BadRequestException", "A media capture pipeline already exists for the meeting")
        pid = str(uuid.uuid4())
        arn = f"arn:aws:chime:{REGION}:{self.stack.account}:media-pipeline/{pid}"
        answer = {"MediaPipelineId": pid, "MediaPipelineArn": arn, "SourceType": req["SourceType"],
                  "SourceArn": req["SourceArn"], "Status": "Initializing", "SinkType": req["SinkType"],
                  "SinkArn": req["SinkArn"], "CreatedTimestamp": _now(), "UpdatedTimestamp": _now(),
                  "ChimeSdkMeetingConfiguration": req.get("ChimeSdkMeetingConfiguration", {})}
        p = {"kind": "capture", "MediaPipelineId": pid, "meetingId": meeting, "status": "InProgress",
             "request": req, "answer": answer, "attendee": f"aws:MediaPipeline-{pid[:5]}"}
        self.pipelines[pid] = p
        if token:
            self.tokens[("capture", token)] = pid
        self._event("Chime Meeting State Change", {
            "eventType": "chime:AttendeeJoined", "timestamp": int(time.time() * 1000), "meetingId": meeting,
            "attendeeId": str(uuid.uuid4()), "externalUserId": p["attendee"], "mediaRegion": REGION})
        self._pipeline_event(p, "InProgress")
        return self.stack.json_response(start_response, 201, {"MediaCapturePipeline": answer})

    def delete_capture(self, environ, start_response):
        body = read_body(environ)
        pid = environ["PATH_INFO"].rsplit("/", 1)[1]
        self.stack.verify(environ, body, "DeleteMediaCapturePipeline")
        with self.lock:
            p = self.pipelines.get(pid)
            if not p or p["kind"] != "capture" or p["status"] != "InProgress":
                raise PipelineError(404, "NotFoundException", f"Media pipeline {pid} not found")
            p["status"] = "Stopped"
            self._pipeline_event(p, "Deleted")
        start_response("204 No Content", [("Content-Length", "0")])
        return [b""]

    def create_concat(self, environ, start_response):
        body = read_body(environ)
        self.stack.verify(environ, body, "CreateMediaConcatenationPipeline")
        req = json.loads(body or b"{}")
        sources, sinks = req.get("Sources") or [], req.get("Sinks") or []
        if len(sources) != 1 or len(sinks) != 1:
            raise PipelineError(400, "BadRequestException", "exactly one source and one sink")
        src = sources[0].get("MediaCapturePipelineSourceConfiguration") or {}
        art = ((src.get("ChimeSdkMeetingConfiguration") or {}).get("ArtifactsConfiguration")) or {}
        if sources[0].get("Type") != "MediaCapturePipeline" or \
                any(n not in art or art[n].get("State") not in ("Enabled", "Disabled") for n in CONCAT_ARTIFACTS) or \
                art["Audio"]["State"] != "Enabled":
            raise PipelineError(400, "BadRequestException", "ArtifactsConfiguration is not valid")
        dest = (sinks[0].get("S3BucketSinkConfiguration") or {}).get("Destination")
        self._check_sink(dest)
        with self.lock:
            return self._new_concat(start_response, req, src["MediaPipelineArn"], dest)

    def _new_concat(self, start_response, req, capture_arn, dest):
        token = req.get("ClientRequestToken")
        if token and ("concat", token) in self.tokens:
            p = self.pipelines[self.tokens[("concat", token)]]
            return self.stack.json_response(start_response, 201, {"MediaConcatenationPipeline": p["answer"]})
        if not any(p["answer"]["MediaPipelineArn"] == capture_arn for p in self.pipelines.values()):
            raise PipelineError(404, "NotFoundException", f"capture {capture_arn} not found")
        pid = str(uuid.uuid4())
        answer = {"MediaPipelineId": pid, "MediaPipelineArn": f"arn:aws:chime:{REGION}:{self.stack.account}:media-pipeline/{pid}",
                  "Sources": req["Sources"], "Sinks": req["Sinks"], "Status": "Initializing",
                  "CreatedTimestamp": _now(), "UpdatedTimestamp": _now()}
        p = {"kind": "concat", "MediaPipelineId": pid, "status": "InProgress", "request": req, "answer": answer,
             "destination": dest}
        self.pipelines[pid] = p
        if token:
            self.tokens[("concat", token)] = pid
        self._pipeline_event(p, "InProgress")
        return self.stack.json_response(start_response, 201, {"MediaConcatenationPipeline": answer})

    def get_pipeline(self, environ, start_response):
        body = read_body(environ)
        pid = environ["PATH_INFO"].rsplit("/", 1)[1]
        self.stack.verify(environ, body, "GetMediaPipeline")
        p = self.pipelines.get(pid)
        if not p:
            raise PipelineError(404, "NotFoundException", f"Media pipeline {pid} not found")
        member = "MediaCapturePipeline" if p["kind"] == "capture" else "MediaConcatenationPipeline"
        return self.stack.json_response(start_response, 200, {"MediaPipeline": {member: dict(p["answer"], Status=p["status"])}})

    # -- control ---------------------------------------------------------------
    def list_pipelines(self, environ, start_response, path, req):
        with self.lock:
            return self.stack.json_response(start_response, 200, list(self.pipelines.values()))

    def take_events(self, environ, start_response, path, req):
        with self.lock:
            events, self.events = self.events, []
        return self.stack.json_response(start_response, 200, events)

    def complete(self, environ, start_response, path, req):
        pid = path.split("/")[3]
        with self.lock:
            p = self.pipelines.get(pid)
            if not p or p["kind"] != "concat":
                return self.stack.json_response(start_response, 404, {"message": "no such concatenation"})
            bucket, prefix = p["destination"][len("arn:aws:s3:::"):].split("/", 1)
            for folder in req.get("folders", ["audio", "composited-video"]):
                key = f"{prefix}/{folder}/{pid}.mp4"
                self._s3().put_object(bucket, key, FAKE_MP4)
                if req.get("s3_events", True):
                    self._event("Object Created", {"version": "0", "bucket": {"name": bucket},
                                                   "object": {"key": key, "size": len(FAKE_MP4)},
                                                   "reason": "PutObject"}, source="aws.s3")
            p["status"] = "Stopped"
            self._pipeline_event(p, "Deleted")
        return self.stack.json_response(start_response, 200, {})

    def fail(self, environ, start_response, path, req):
        pid = path.split("/")[3]
        with self.lock:
            p = self.pipelines.get(pid)
            if not p:
                return self.stack.json_response(start_response, 404, {"message": "no such pipeline"})
            p["status"] = "Failed"
            self._pipeline_event(p, "PermanentFailure")
        return self.stack.json_response(start_response, 200, {})


def register(stack):
    mp = MediaPipelines(stack)
    capture_item = lambda p: re.fullmatch(r"/sdk-media-capture-pipelines/[^/]+", p) is not None  # noqa: E731
    stack.route("POST", "/sdk-media-capture-pipelines", SIGNING_NAME, mp.create_capture, mp.error)
    stack.route("DELETE", capture_item, SIGNING_NAME, mp.delete_capture, mp.error)
    stack.route("GET", capture_item, SIGNING_NAME, mp.get_pipeline, mp.error)
    stack.route("GET", lambda p: re.fullmatch(r"/sdk-media-pipelines/[^/]+", p) is not None, SIGNING_NAME,
                mp.get_pipeline, mp.error)
    stack.route("POST", "/sdk-media-concatenation-pipelines", SIGNING_NAME, mp.create_concat, mp.error)
    stack.control_route("GET", "/_stack/pipelines", mp.list_pipelines)
    stack.control_route("POST", "/_stack/pipelines/events", mp.take_events)
    stack.control_route("POST", lambda p: re.fullmatch(r"/_stack/pipelines/[^/]+/complete", p) is not None, mp.complete)
    stack.control_route("POST", lambda p: re.fullmatch(r"/_stack/pipelines/[^/]+/fail", p) is not None, mp.fail)
    return mp

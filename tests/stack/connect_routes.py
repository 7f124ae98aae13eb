"""Amazon Connect stand-in routes of the local stack.

- `POST /contact/attributes` (UpdateContactAttributes) stores the attributes
  per instance and initial contact, refusing a map over Connect's 32,768
  bytes.
- Control: `GET /_stack/contacts` (the stored attributes), `DELETE` clears.

Recording control (issue 14, SIBLINGS.md §1 and §2.4), in its own block below:
- `POST /contact/{start,stop,suspend,resume}-recording`: SigV4 and the IAM
  action (`connect:StartContactRecording`, ...) on the contact's ARN; the body
  checked (InstanceId, ContactId, InitialContactId; Start's
  VoiceRecordingConfiguration.VoiceRecordingTrack in FROM_AGENT/TO_AGENT/ALL;
  nothing else) as `InvalidParameterException`; per-contact state
  `none -> recording <-> suspended -> stopped`: Start after Stop is a 400
  `InvalidRequestException` (Start is one-time), Suspend/Resume/Stop in the
  wrong state too (UNVERIFIED for the real service); an unknown contact (once
  a test lists the known ones) a 404 `ResourceNotFoundException`. 200 `{}`.
- `GET /contact/attributes/{InstanceId}/{InitialContactId}`
  (GetContactAttributes, IAM action on the initial contact's ARN): what
  UpdateContactAttributes stored, `{"Attributes": {...}}`.
- Control: `GET /_stack/recording-state` (state per "instance/contact" and
  every call with its body), `DELETE` clears; `POST /_stack/recording-contacts`
  `["instance/contact", ...]` the contacts that exist (default: any);
  `POST /_stack/contacts` `{"key": "instance/initial", "Attributes": {...}}`
  presets a contact's attributes.
"""
import json

from stack.stack_common import REGION, AwsError, read_body

SIGNING_NAME = "connect"
ATTRIBUTES_LIMIT = 32768  # bytes, Connect's limit for the attributes map


class Connect:
    def __init__(self, stack):
        self.stack = stack
        self.contacts = {}

    def contact_arn(self, instance, contact):
        return f"arn:aws:connect:{REGION}:{self.stack.account}:instance/{instance}/contact/{contact}"

    def update_contact_attributes(self, environ, start_response):
        body = read_body(environ)
        req = json.loads(body or b"{}")
        instance = req.get("InstanceId")
        contact = req.get("InitialContactId")
        attrs = req.get("Attributes")
        self.stack.verify(environ, body, "UpdateContactAttributes", self.contact_arn(instance, contact))
        if not instance or not contact or not isinstance(attrs, dict):
            raise AwsError(400, "InvalidParameterException", "InstanceId, InitialContactId and Attributes are required")
        size = sum(len(k.encode()) + len(str(v).encode()) for k, v in attrs.items())
        if size > ATTRIBUTES_LIMIT:
            raise AwsError(400, "InvalidParameterException", f"attributes are {size} bytes, over {ATTRIBUTES_LIMIT}")
        with self.stack.lock:
            self.contacts.setdefault(f"{instance}/{contact}", {}).update(attrs)
        return self.stack.json_response(start_response, 200, {})

    def get_contacts(self, environ, start_response, path, req):
        with self.stack.lock:
            return self.stack.json_response(start_response, 200, self.contacts)

    def clear_contacts(self, environ, start_response, path, req):
        with self.stack.lock:
            self.contacts.clear()
        return self.stack.json_response(start_response, 200, {})


# ---- recording control (issue 14) ------------------------------------------

RECORDING_OPS = {
    "/contact/start-recording": ("StartContactRecording", "start"),
    "/contact/stop-recording": ("StopContactRecording", "stop"),
    "/contact/suspend-recording": ("SuspendContactRecording", "suspend"),
    "/contact/resume-recording": ("ResumeContactRecording", "resume"),
}
VOICE_TRACKS = {"FROM_AGENT", "TO_AGENT", "ALL"}
# state -> the states each operation may start from, and where it leads
TRANSITIONS = {
    "start": ({"none", "recording", "suspended"}, None),
    "stop": ({"recording", "suspended"}, "stopped"),
    "suspend": ({"recording"}, "suspended"),
    "resume": ({"suspended"}, "recording"),
}


class RecordingControl:
    def __init__(self, stack, connect):
        self.stack = stack
        self.connect = connect
        self.state = {}      # "instance/contact" -> none|recording|suspended|stopped
        self.calls = []      # every call: {"operation", "body", "status"}
        self.known = None    # None: every contact exists; else a set of "instance/contact"

    @staticmethod
    def _check_body(req, start):
        allowed = {"InstanceId", "ContactId", "InitialContactId"}
        allowed |= {"VoiceRecordingConfiguration"} if start else {"ContactRecordingType"}
        for k in ("InstanceId", "ContactId", "InitialContactId"):
            v = req.get(k)
            if not isinstance(v, str) or not 1 <= len(v) <= (100 if k == "InstanceId" else 256):
                raise AwsError(400, "InvalidParameterException", f"{k} is required (1-256 characters)")
        extra = set(req) - allowed
        if extra:
            raise AwsError(400, "InvalidParameterException", f"unexpected fields {sorted(extra)}")
        if start:
            cfg = req.get("VoiceRecordingConfiguration")
            if not isinstance(cfg, dict) or cfg.get("VoiceRecordingTrack") not in VOICE_TRACKS:
                raise AwsError(400, "InvalidParameterException",
                               "VoiceRecordingConfiguration.VoiceRecordingTrack must be FROM_AGENT, TO_AGENT or ALL")

    def recording(self, environ, start_response):
        path = environ.get("PATH_INFO", "")
        action, op = RECORDING_OPS[path]
        body = read_body(environ)
        try:
            req = json.loads(body or b"{}")
        except ValueError:
            req = None
        ok_json = isinstance(req, dict)
        req = req if ok_json else {}
        key = f"{req.get('InstanceId')}/{req.get('ContactId')}"
        entry = {"operation": action, "body": req, "status": None}
        with self.stack.lock:
            self.calls.append(entry)
        try:
            self.stack.verify(environ, body, action,
                              self.connect.contact_arn(req.get("InstanceId"), req.get("ContactId")))
            if not ok_json:
                raise AwsError(400, "SerializationException", "the body is not a JSON object")
            self._check_body(req, op == "start")
            with self.stack.lock:
                if self.known is not None and key not in self.known:
                    raise AwsError(404, "ResourceNotFoundException", f"contact {key} not found")
                state = self.state.get(key, "none")
                sources, to = TRANSITIONS[op]
                if state not in sources:
                    raise AwsError(400, "InvalidRequestException",
                                   f"cannot {op} the recording of a contact whose recording is {state}"
                                   + (": StartContactRecording is a one-time action" if state == "stopped" else ""))
                self.state[key] = to or ("recording" if state == "none" else state)
            entry["status"] = 200
            return self.stack.json_response(start_response, 200, {},
                                            [("x-amzn-RequestId", f"stack-recording-{len(self.calls)}")])
        except AwsError as e:
            entry["status"] = e.status
            raise

    def get_attributes(self, environ, start_response):
        parts = environ.get("PATH_INFO", "").split("/")
        if len(parts) != 5 or not parts[3] or not parts[4]:
            raise AwsError(400, "InvalidRequestException", "GET /contact/attributes/{InstanceId}/{InitialContactId}")
        instance, contact = parts[3], parts[4]
        self.stack.verify(environ, read_body(environ), "GetContactAttributes",
                          self.connect.contact_arn(instance, contact))
        key = f"{instance}/{contact}"
        with self.stack.lock:
            if self.known is not None and key not in self.known:
                raise AwsError(404, "ResourceNotFoundException", f"contact {key} not found")
            attrs = dict(self.connect.contacts.get(key, {}))
        return self.stack.json_response(start_response, 200, {"Attributes": attrs})

    def get_state(self, environ, start_response, path, req):
        with self.stack.lock:
            return self.stack.json_response(start_response, 200, {"state": self.state, "calls": self.calls})

    def clear_state(self, environ, start_response, path, req):
        with self.stack.lock:
            self.state.clear()
            self.calls.clear()
            self.known = None
        return self.stack.json_response(start_response, 200, {})

    def set_known(self, environ, start_response, path, req):
        with self.stack.lock:
            self.known = set(req)
        return self.stack.json_response(start_response, 200, {})

    def preset_attributes(self, environ, start_response, path, req):
        with self.stack.lock:
            self.connect.contacts.setdefault(req["key"], {}).update(req["Attributes"])
        return self.stack.json_response(start_response, 200, {})


def register_recording_control(stack, connect):
    rc = RecordingControl(stack, connect)
    for path in RECORDING_OPS:
        stack.route("POST", path, SIGNING_NAME, rc.recording)
    stack.route("GET", lambda p: p.startswith("/contact/attributes/"), SIGNING_NAME, rc.get_attributes)
    stack.control_route("GET", "/_stack/recording-state", rc.get_state)
    stack.control_route("DELETE", "/_stack/recording-state", rc.clear_state)
    stack.control_route("POST", "/_stack/recording-contacts", rc.set_known)
    stack.control_route("POST", "/_stack/contacts", rc.preset_attributes)
    return rc


def register(stack):
    connect = Connect(stack)
    register_recording_control(stack, connect)
    stack.route("POST", "/contact/attributes", SIGNING_NAME, connect.update_contact_attributes)
    stack.control_route("GET", "/_stack/contacts", connect.get_contacts)
    stack.control_route("DELETE", "/_stack/contacts", connect.clear_contacts)
    return connect

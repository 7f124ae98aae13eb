#!/usr/bin/env python3
"""The local AWS stand-in: moto's WSGI app with authentication on, wrapped
with the routes moto lacks, in one process on 127.0.0.1.

- Everything moto serves (S3, IAM, STS, ...) goes to moto unchanged, which
  verifies SigV4 and IAM policies once auth is on (INITIAL_NO_AUTH_ACTION_COUNT
  / POST /moto-api/reset-auth).
- KVS `POST /getDataEndpoint` answers with this server's own address.
- KVS `POST /getMedia` streams a stored capture chunked, starting at the
  selected fragment, with settable pacing, an optional stall at the live edge,
  a session that ends after N fragments (like the ~45-minute limit), and
  injectable failures (an error status, or a connection dropped after N bytes).
- Connect `POST /contact/attributes` (UpdateContactAttributes) stores attributes.
  These three verify SigV4 and IAM with moto's own checker (IAMRequest).
- Test-only control routes under /_stack/ (unsigned): faults for any request,
  the request log, media registration, stored contact attributes.

Usage: aws_server.py --port-file FILE   (binds 127.0.0.1:0, writes the port)
"""
import argparse
import json
import mmap
import os
import sys
import threading
import time

os.environ.setdefault("INITIAL_NO_AUTH_ACTION_COUNT", "1000000")

from werkzeug.datastructures import EnvironHeaders  # noqa: E402
from werkzeug.serving import WSGIRequestHandler, make_server  # noqa: E402

from moto import settings  # noqa: E402
from moto.core import DEFAULT_ACCOUNT_ID  # noqa: E402
from moto.core.authorization import ActionAuthenticatorMixin  # noqa: E402
from moto.iam.access_control import IAMRequest  # noqa: E402
from moto.server import DomainDispatcherApplication, create_backend_app  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from stack.mkv_index import fragment_number_key, index_fragments  # noqa: E402

REGION = "us-east-1"
ATTRIBUTES_LIMIT = 32768  # bytes, Connect's limit for the attributes map


class AwsError(Exception):
    def __init__(self, status, code, message):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def service_of(environ):
    auth = environ.get("HTTP_AUTHORIZATION", "")
    try:
        return auth.split("Credential=")[1].split(",")[0].split("/")[3]
    except IndexError:
        return None


class Stream:
    def __init__(self, name, path, options):
        self.name = name
        self.arn = f"arn:aws:kinesisvideo:{REGION}:{DEFAULT_ACCOUNT_ID}:stream/{name}/{options.get('creation_ms', 1700000000000)}"
        self.path = path
        self.chunk = int(options.get("chunk_bytes", 65536))
        self.pace_ms = float(options.get("pace_ms", 0))
        self.stall_s = float(options.get("live_edge_stall_s", 0))
        self.session_fragments = options.get("session_fragments")
        self.failures = list(options.get("failures", []))  # consumed one per GetMedia call
        self.calls = []
        with open(path, "rb") as f:
            self.map = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) if os.path.getsize(path) else b""
        self.fragments = index_fragments(self.map)

    def start_index(self, selector):
        kind = selector.get("StartSelectorType")
        if kind == "EARLIEST":
            return 0
        if kind == "NOW":
            return len(self.fragments)
        if kind in ("FRAGMENT_NUMBER", "CONTINUATION_TOKEN"):
            wanted = selector.get("AfterFragmentNumber") if kind == "FRAGMENT_NUMBER" else selector.get("ContinuationToken")
            if not wanted:
                raise AwsError(400, "InvalidArgumentException", f"{kind} selector without a value")
            key = fragment_number_key(wanted)
            for i, (_, _, number) in enumerate(self.fragments):
                if number is not None and fragment_number_key(number) == key:
                    # The Connect samples expect FRAGMENT_NUMBER to include the
                    # fragment; a continuation token resumes after it.
                    return i if kind == "FRAGMENT_NUMBER" else i + 1
            raise AwsError(404, "ResourceNotFoundException", f"fragment {wanted} not found in stream {self.name}")
        raise AwsError(400, "InvalidArgumentException", f"unsupported StartSelectorType {kind}")


class Stack:
    def __init__(self):
        self.moto = DomainDispatcherApplication(create_backend_app)
        self.lock = threading.Lock()
        self.faults = []
        self.log = []
        self.streams = {}
        self.contacts = {}
        self.port = None

    # -- helpers ---------------------------------------------------------
    @staticmethod
    def _json(start_response, status, obj, headers=()):
        body = json.dumps(obj).encode()
        start_response(f"{status} {'OK' if status < 400 else 'Error'}",
                       [("Content-Type", "application/json"), ("Content-Length", str(len(body)))] + list(headers))
        return [body]

    def _error(self, start_response, err, fmt="json"):
        if fmt == "xml":
            body = (f"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>{err.code}</Code>"
                    f"<Message>{err.message}</Message><RequestId>stack</RequestId></Error>").encode()
            start_response(f"{err.status} Error", [("Content-Type", "application/xml"),
                                                   ("Content-Length", str(len(body)))])
            return [body]
        return self._json(start_response, err.status, {"__type": err.code, "message": err.message},
                          [("x-amzn-ErrorType", err.code)])

    def _auth_enforced(self):
        if ActionAuthenticatorMixin.request_count >= settings.INITIAL_NO_AUTH_ACTION_COUNT:
            return True
        ActionAuthenticatorMixin.request_count += 1
        return False

    def _verify(self, environ, body, action, resource="*"):
        """SigV4 + IAM policy check with moto's own checker."""
        if not self._auth_enforced():
            return
        headers = dict(EnvironHeaders(environ))
        if "Authorization" not in headers:
            raise AwsError(403, "MissingAuthenticationTokenException", "Missing Authentication Token")
        path = environ.get("PATH_INFO", "")
        if environ.get("QUERY_STRING"):
            path += "?" + environ["QUERY_STRING"]
        try:
            req = IAMRequest(account_id=DEFAULT_ACCOUNT_ID, method=environ["REQUEST_METHOD"], path=path,
                             data={}, body=body, headers=headers, action=action)
            req.check_signature()
            req.check_action_permitted(resource)
        except AwsError:
            raise
        except Exception as e:  # moto's RESTError family
            raise AwsError(getattr(e, "code", 403), getattr(e, "error_type", type(e).__name__),
                           getattr(e, "message", str(e)))

    def _take_fault(self, environ):
        method = environ["REQUEST_METHOD"]
        path = environ.get("PATH_INFO", "")
        svc = service_of(environ)
        with self.lock:
            for f in self.faults:
                if f["count"] <= 0:
                    continue
                if f.get("method") and f["method"] != method:
                    continue
                if f.get("path_prefix") and not path.startswith(f["path_prefix"]):
                    continue
                if f.get("service") and f["service"] != svc:
                    continue
                f["count"] -= 1
                return f
        return None

    # -- WSGI ------------------------------------------------------------
    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO", "")
        method = environ["REQUEST_METHOD"]
        entry = {"method": method, "path": path, "query": environ.get("QUERY_STRING", ""),
                 "service": service_of(environ), "status": None}

        def recording_start_response(status, headers, exc_info=None):
            entry["status"] = int(status.split()[0])
            return start_response(status, headers, exc_info)

        if path.startswith("/_stack/"):
            return self.control(environ, start_response)
        with self.lock:
            self.log.append(entry)
        fault = self._take_fault(environ)
        if fault:
            environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
            err = AwsError(fault["status"], fault["code"], fault.get("message", "injected by the local stack"))
            return self._error(recording_start_response, err, fault.get("error_format", "json"))
        svc = entry["service"]
        try:
            if method == "POST" and path == "/getDataEndpoint" and svc == "kinesisvideo":
                return self.get_data_endpoint(environ, recording_start_response)
            if method == "POST" and path == "/getMedia" and svc == "kinesisvideo":
                return self.get_media(environ, recording_start_response)
            if method == "POST" and path == "/contact/attributes" and svc == "connect":
                return self.update_contact_attributes(environ, recording_start_response)
        except AwsError as e:
            return self._error(recording_start_response, e)
        return self.moto(environ, recording_start_response)

    # -- KVS -------------------------------------------------------------
    def _stream_for(self, req):
        name = req.get("StreamName")
        arn = req.get("StreamARN")
        for s in self.streams.values():
            if (name and s.name == name) or (arn and s.arn == arn):
                return s
        raise AwsError(404, "ResourceNotFoundException", f"stream {arn or name} not found")

    @staticmethod
    def _body(environ):
        return environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))

    def get_data_endpoint(self, environ, start_response):
        body = self._body(environ)
        req = json.loads(body or b"{}")
        stream = self._stream_for(req)
        self._verify(environ, body, "GetDataEndpoint", stream.arn)
        if req.get("APIName") not in ("GET_MEDIA", "GET_MEDIA_FOR_FRAGMENT_LIST", "LIST_FRAGMENTS"):
            raise AwsError(400, "InvalidArgumentException", "unsupported APIName")
        host = environ.get("HTTP_HOST") or f"127.0.0.1:{self.port}"
        return self._json(start_response, 200, {"DataEndpoint": f"http://{host}"})

    def get_media(self, environ, start_response):
        body = self._body(environ)
        req = json.loads(body or b"{}")
        stream = self._stream_for(req)
        self._verify(environ, body, "GetMedia", stream.arn)
        first = stream.start_index(req.get("StartSelector") or {})
        with self.lock:
            failure = stream.failures.pop(0) if stream.failures else {}
            stream.calls.append({"selector": req.get("StartSelector"), "first_index": first})
        if failure.get("status"):
            raise AwsError(failure["status"], failure.get("code", "ClientLimitExceededException"),
                           failure.get("message", "injected GetMedia failure"))
        last = len(stream.fragments)
        if stream.session_fragments:
            last = min(last, first + int(stream.session_fragments))
        drop_after = failure.get("drop_after_bytes")
        start_response("200 OK", [("Content-Type", "video/webm")])
        return self._media_body(stream, first, last, last == len(stream.fragments), drop_after)

    def _media_body(self, stream, first, last, at_live_edge, drop_after):
        sent = 0
        for offset, length, _ in stream.fragments[first:last]:
            end = offset + length
            while offset < end:
                n = min(stream.chunk, end - offset)
                if drop_after is not None and sent + n > drop_after:
                    n = drop_after - sent
                    if n > 0:
                        yield bytes(stream.map[offset:offset + n])
                    # Ends the socket mid-body: the client sees an unterminated chunked body.
                    raise ConnectionAbortedError("injected drop")
                yield bytes(stream.map[offset:offset + n])
                offset += n
                sent += n
                if stream.pace_ms:
                    time.sleep(stream.pace_ms / 1000.0)
        if at_live_edge and stream.stall_s:
            deadline = time.monotonic() + stream.stall_s
            while time.monotonic() < deadline:
                time.sleep(0.05)

    # -- Connect ---------------------------------------------------------
    def update_contact_attributes(self, environ, start_response):
        body = self._body(environ)
        req = json.loads(body or b"{}")
        instance = req.get("InstanceId")
        contact = req.get("InitialContactId")
        attrs = req.get("Attributes")
        resource = f"arn:aws:connect:{REGION}:{DEFAULT_ACCOUNT_ID}:instance/{instance}/contact/{contact}"
        self._verify(environ, body, "UpdateContactAttributes", resource)
        if not instance or not contact or not isinstance(attrs, dict):
            raise AwsError(400, "InvalidParameterException", "InstanceId, InitialContactId and Attributes are required")
        size = sum(len(k.encode()) + len(str(v).encode()) for k, v in attrs.items())
        if size > ATTRIBUTES_LIMIT:
            raise AwsError(400, "InvalidParameterException", f"attributes are {size} bytes, over {ATTRIBUTES_LIMIT}")
        with self.lock:
            self.contacts.setdefault(f"{instance}/{contact}", {}).update(attrs)
        return self._json(start_response, 200, {})

    # -- control (tests only) ----------------------------------------------
    def control(self, environ, start_response):
        path = environ["PATH_INFO"]
        method = environ["REQUEST_METHOD"]
        body = self._body(environ)
        req = json.loads(body) if body else {}
        if path == "/_stack/faults" and method == "POST":
            req.setdefault("count", 1)
            with self.lock:
                self.faults.append(req)
            return self._json(start_response, 200, {})
        if path == "/_stack/faults" and method == "GET":
            with self.lock:
                return self._json(start_response, 200, [f for f in self.faults if f["count"] > 0])
        if path == "/_stack/faults" and method == "DELETE":
            with self.lock:
                self.faults.clear()
            return self._json(start_response, 200, {})
        if path == "/_stack/requests" and method == "GET":
            with self.lock:
                return self._json(start_response, 200, list(self.log))
        if path == "/_stack/requests" and method == "DELETE":
            with self.lock:
                self.log.clear()
            return self._json(start_response, 200, {})
        if path == "/_stack/streams" and method == "POST":
            stream = Stream(req["name"], req["path"], req)
            with self.lock:
                self.streams[stream.name] = stream
            return self._json(start_response, 200, {"StreamARN": stream.arn, "fragments": [
                {"offset": o, "length": n, "number": num} for o, n, num in stream.fragments]})
        if path.startswith("/_stack/streams/") and method == "GET":
            s = self.streams.get(path.rsplit("/", 1)[1])
            if not s:
                return self._json(start_response, 404, {"message": "no such stream"})
            return self._json(start_response, 200, {"StreamARN": s.arn, "calls": s.calls})
        if path == "/_stack/contacts" and method == "GET":
            with self.lock:
                return self._json(start_response, 200, self.contacts)
        if path == "/_stack/contacts" and method == "DELETE":
            with self.lock:
                self.contacts.clear()
            return self._json(start_response, 200, {})
        return self._json(start_response, 404, {"message": f"no control route {method} {path}"})


class Handler(WSGIRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_request(self, *args, **kwargs):
        pass


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--parent-pid", type=int, default=0,
                    help="exit when this process is gone (a test killed mid-run leaves no server behind)")
    args = ap.parse_args()
    if args.parent_pid:
        def watch_parent():
            while os.getppid() == args.parent_pid:
                time.sleep(0.5)
            os._exit(0)
        threading.Thread(target=watch_parent, daemon=True).start()
    stack = Stack()
    server = make_server("127.0.0.1", args.port, stack, threaded=True, request_handler=Handler)
    stack.port = server.server_port
    tmp = args.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write(str(server.server_port))
    os.rename(tmp, args.port_file)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()

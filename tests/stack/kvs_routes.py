"""Kinesis Video Streams stand-in routes of the local stack.

- `POST /getDataEndpoint` answers with the stack's own address.
- `POST /getMedia` streams a stored capture chunked, starting at the selected
  fragment, with settable pacing, an optional stall at the live edge, a
  session that ends after N fragments (like the ~45-minute limit), and
  injectable failures (an error status, or a connection dropped after N
  bytes). Choice: FRAGMENT_NUMBER includes the named fragment (the Connect
  samples expect it); CONTINUATION_TOKEN resumes after the fragment it names.
- Control: `POST /_stack/streams` registers a capture as a stream,
  `GET /_stack/streams/NAME` lists the GetMedia calls it got.
"""
import json
import mmap
import os
import time

from stack.mkv_index import fragment_number_key, index_fragments
from stack.stack_common import REGION, AwsError, read_body

SIGNING_NAME = "kinesisvideo"


class Stream:
    def __init__(self, account, name, path, options):
        self.name = name
        self.arn = f"arn:aws:kinesisvideo:{REGION}:{account}:stream/{name}/{options.get('creation_ms', 1700000000000)}"
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
                    return i if kind == "FRAGMENT_NUMBER" else i + 1
            raise AwsError(404, "ResourceNotFoundException", f"fragment {wanted} not found in stream {self.name}")
        raise AwsError(400, "InvalidArgumentException", f"unsupported StartSelectorType {kind}")


class Kvs:
    def __init__(self, stack):
        self.stack = stack
        self.streams = {}

    def stream_for(self, req):
        name = req.get("StreamName")
        arn = req.get("StreamARN")
        for s in self.streams.values():
            if (name and s.name == name) or (arn and s.arn == arn):
                return s
        raise AwsError(404, "ResourceNotFoundException", f"stream {arn or name} not found")

    def get_data_endpoint(self, environ, start_response):
        body = read_body(environ)
        req = json.loads(body or b"{}")
        stream = self.stream_for(req)
        self.stack.verify(environ, body, "GetDataEndpoint", stream.arn)
        if req.get("APIName") not in ("GET_MEDIA", "GET_MEDIA_FOR_FRAGMENT_LIST", "LIST_FRAGMENTS"):
            raise AwsError(400, "InvalidArgumentException", "unsupported APIName")
        host = environ.get("HTTP_HOST") or f"127.0.0.1:{self.stack.port}"
        return self.stack.json_response(start_response, 200, {"DataEndpoint": f"http://{host}"})

    def get_media(self, environ, start_response):
        body = read_body(environ)
        req = json.loads(body or b"{}")
        stream = self.stream_for(req)
        self.stack.verify(environ, body, "GetMedia", stream.arn)
        first = stream.start_index(req.get("StartSelector") or {})
        with self.stack.lock:
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

    @staticmethod
    def _media_body(stream, first, last, at_live_edge, drop_after):
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

    # -- control -----------------------------------------------------------
    def add_stream(self, environ, start_response, path, req):
        stream = Stream(self.stack.account, req["name"], req["path"], req)
        with self.stack.lock:
            self.streams[stream.name] = stream
        return self.stack.json_response(start_response, 200, {"StreamARN": stream.arn, "fragments": [
            {"offset": o, "length": n, "number": num} for o, n, num in stream.fragments]})

    def stream_calls(self, environ, start_response, path, req):
        s = self.streams.get(path.rsplit("/", 1)[1])
        if not s:
            return self.stack.json_response(start_response, 404, {"message": "no such stream"})
        return self.stack.json_response(start_response, 200, {"StreamARN": s.arn, "calls": s.calls})


def register(stack):
    kvs = Kvs(stack)
    stack.route("POST", "/getDataEndpoint", SIGNING_NAME, kvs.get_data_endpoint)
    stack.route("POST", "/getMedia", SIGNING_NAME, kvs.get_media)
    stack.control_route("POST", "/_stack/streams", kvs.add_stream)
    stack.control_route("GET", lambda p: p.startswith("/_stack/streams/"), kvs.stream_calls)
    return kvs

"""Kinesis Video Streams stand-in routes of the local stack.

- `POST /getDataEndpoint` answers with the stack's own address.
- `POST /getMedia` streams a stored capture chunked, starting at the selected
  fragment, with settable pacing, an optional stall at the live edge, a
  session that ends after N fragments (like the ~45-minute limit), and
  injectable failures (an error status, or a connection dropped after N
  bytes). Choice: FRAGMENT_NUMBER includes the named fragment (the Connect
  samples expect it); CONTINUATION_TOKEN resumes after the fragment it names.
- `POST /listFragments` (archived media) answers from the stored stream's
  fragments and their AWS_KINESISVIDEO_SERVER_TIMESTAMP tags: those in the
  SERVER_TIMESTAMP (or PRODUCER_TIMESTAMP) range, MaxResults per page (100 by
  default, as the API), NextToken paging, in a shuffled order as the API's
  "no specific order, even across pages" allows. Options: `list_page_size`
  (a smaller page), `unlisted` (numbers left out: not archived yet).
- `POST /getMediaForFragmentList` streams the named fragments in the order
  given; a number the stream does not have (or in the `not_found` option)
  becomes an EBML document whose tags say AWS_KINESISVIDEO_ERROR_CODE
  FRAGMENT_NOT_FOUND, with HTTP 200, as KVS answers. The `failures` option
  applies to it as to GetMedia (one per call of either).
- Option `get_media_connection_limit`: more concurrent GetMedia connections
  to the stream than that are refused with ConnectionLimitExceededException,
  as KVS does past its quota of 3.
- Control: `POST /_stack/streams` registers a capture as a stream,
  `GET /_stack/streams/NAME` lists the GetMedia calls it got (and the
  ListFragments and GetMediaForFragmentList calls).
"""
import base64
import json
import mmap
import os
import random
import time

from fixtures.make_connect_mkv import ebml_header, tags_el, ID_SEGMENT, UNKNOWN_SIZE
from stack.mkv_index import fragment_number_key, fragment_server_ms, index_fragments
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
        self.server_ms = [fragment_server_ms(self.map, o, n) for o, n, _ in self.fragments]
        self.list_page_size = options.get("list_page_size")
        self.unlisted = set(options.get("unlisted", []))
        self.not_found = set(options.get("not_found", []))
        self.list_calls = []
        self.fragment_calls = []
        # KVS allows 3 concurrent GetMedia connections per stream ("Kinesis Video Streams
        # quotas"); None: no limit (the default, so tests of other things are not throttled)
        self.connection_limit = options.get("get_media_connection_limit")
        self.open_connections = 0

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
        with self.stack.lock:
            if stream.connection_limit is not None and stream.open_connections >= stream.connection_limit:
                raise AwsError(400, "ConnectionLimitExceededException",
                               f"more than {stream.connection_limit} GetMedia connections to {stream.name}")
            stream.open_connections += 1
        last = len(stream.fragments)
        if stream.session_fragments:
            last = min(last, first + int(stream.session_fragments))
        drop_after = failure.get("drop_after_bytes")
        start_response("200 OK", [("Content-Type", "video/webm")])
        return self._counted(stream, self._media_body(stream, first, last, last == len(stream.fragments),
                                                      drop_after))

    def _counted(self, stream, body):
        """body, counted as an open GetMedia connection until it ends."""
        try:
            yield from body
        finally:
            with self.stack.lock:
                stream.open_connections -= 1

    @staticmethod
    def _media_body(stream, first, last, at_live_edge, drop_after):
        yield b""  # the status line and headers go out at once, as KVS sends them
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

    # -- archived media ----------------------------------------------------
    def list_fragments(self, environ, start_response):
        body = read_body(environ)
        req = json.loads(body or b"{}")
        stream = self.stream_for(req)
        self.stack.verify(environ, body, "ListFragments", stream.arn)
        sel = req.get("FragmentSelector") or {}
        rng = sel.get("TimestampRange") or {}
        if sel.get("FragmentSelectorType") not in ("SERVER_TIMESTAMP", "PRODUCER_TIMESTAMP") or \
                "StartTimestamp" not in rng or "EndTimestamp" not in rng:
            raise AwsError(400, "InvalidArgumentException", "FragmentSelector with a TimestampRange is required")
        page = int(req.get("MaxResults", 100))
        if not 1 <= page <= 1000:
            raise AwsError(400, "InvalidArgumentException", "MaxResults must be 1..1000")
        page = min(page, int(stream.list_page_size or page))
        lo, hi = float(rng["StartTimestamp"]) * 1000, float(rng["EndTimestamp"]) * 1000
        found = [i for i, (_, _, num) in enumerate(stream.fragments)
                 if num is not None and num not in stream.unlisted and stream.server_ms[i] is not None
                 and lo <= stream.server_ms[i] <= hi]
        random.Random(stream.name).shuffle(found)  # "no specific order, even across pages"
        start = 0
        if req.get("NextToken"):
            try:
                start = int(base64.b64decode(req["NextToken"]).decode())
            except ValueError:
                raise AwsError(400, "InvalidArgumentException", "bad NextToken")
        with self.stack.lock:
            stream.list_calls.append({"next_token": req.get("NextToken"), "max_results": req.get("MaxResults")})
        chosen = found[start:start + page]
        out = {"Fragments": [self._fragment_entry(stream, i) for i in chosen]}
        if start + page < len(found):
            out["NextToken"] = base64.b64encode(str(start + page).encode()).decode()
        return self.stack.json_response(start_response, 200, out)

    @staticmethod
    def _fragment_entry(stream, i):
        offset, length, number = stream.fragments[i]
        ms = stream.server_ms[i]
        nxt = stream.server_ms[i + 1] if i + 1 < len(stream.fragments) else None
        return {"FragmentNumber": number, "FragmentSizeInBytes": length, "ServerTimestamp": ms / 1000.0,
                "ProducerTimestamp": ms / 1000.0,
                "FragmentLengthInMilliseconds": (nxt - ms) if nxt and nxt > ms else 1000}

    def get_media_for_fragment_list(self, environ, start_response):
        body = read_body(environ)
        req = json.loads(body or b"{}")
        stream = self.stream_for(req)
        self.stack.verify(environ, body, "GetMediaForFragmentList", stream.arn)
        numbers = req.get("Fragments")
        if not isinstance(numbers, list) or not 1 <= len(numbers) <= 1000:
            raise AwsError(400, "InvalidArgumentException", "Fragments must list 1..1000 fragment numbers")
        by_number = {fragment_number_key(num): (o, n) for o, n, num in stream.fragments if num is not None}
        with self.stack.lock:
            failure = stream.failures.pop(0) if stream.failures else {}
            stream.fragment_calls.append({"fragments": list(numbers)})
        if failure.get("status"):
            raise AwsError(failure["status"], failure.get("code", "ClientLimitExceededException"),
                           failure.get("message", "injected GetMediaForFragmentList failure"))
        pieces = []
        for num in numbers:
            where = by_number.get(fragment_number_key(num))
            pieces.append(None if where is None or num in stream.not_found else where)
        start_response("200 OK", [("Content-Type", "video/webm")])
        return self._list_body(stream, numbers, pieces, failure.get("drop_after_bytes"))

    @staticmethod
    def _not_found_doc(number):
        return (ebml_header() + ID_SEGMENT + UNKNOWN_SIZE[8]
                + tags_el(("AWS_KINESISVIDEO_ERROR_CODE", "FRAGMENT_NOT_FOUND"),
                          ("AWS_KINESISVIDEO_ERROR_ID", "3000"),
                          ("AWS_KINESISVIDEO_FRAGMENT_NUMBER", number)))

    def _list_body(self, stream, numbers, pieces, drop_after):
        sent = 0
        for num, where in zip(numbers, pieces):
            data = self._not_found_doc(num) if where is None else stream.map[where[0]:where[0] + where[1]]
            for at in range(0, len(data), stream.chunk):
                chunk = bytes(data[at:at + stream.chunk])
                if drop_after is not None and sent + len(chunk) > drop_after:
                    if drop_after > sent:
                        yield chunk[:drop_after - sent]
                    raise ConnectionAbortedError("injected drop")
                yield chunk
                sent += len(chunk)
                if stream.pace_ms:
                    time.sleep(stream.pace_ms / 1000.0)

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
        return self.stack.json_response(start_response, 200, {"StreamARN": s.arn, "calls": s.calls,
                                                              "list_calls": s.list_calls,
                                                              "fragment_calls": s.fragment_calls})


def register(stack):
    kvs = Kvs(stack)
    stack.route("POST", "/getDataEndpoint", SIGNING_NAME, kvs.get_data_endpoint)
    stack.route("POST", "/getMedia", SIGNING_NAME, kvs.get_media)
    stack.route("POST", "/listFragments", SIGNING_NAME, kvs.list_fragments)
    stack.route("POST", "/getMediaForFragmentList", SIGNING_NAME, kvs.get_media_for_fragment_list)
    stack.control_route("POST", "/_stack/streams", kvs.add_stream)
    stack.control_route("GET", lambda p: p.startswith("/_stack/streams/"), kvs.stream_calls)
    return kvs

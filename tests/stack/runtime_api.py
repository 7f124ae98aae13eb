"""A Lambda Runtime API emulator (2018-06-01) in the standard library.

It serves queued invocations to a runtime (our bootstrap) the way Lambda
does: GET /runtime/invocation/next blocks until an event is queued and answers
with the Lambda-Runtime-* headers; the runtime posts the response or error.
Like the real API it answers 400 to an unknown request id, 413 to a
response over 6 MB, and the deadline header is the real deadline: now plus
the invocation's timeout.

Binds 127.0.0.1 on a port chosen at run time. Used in-process by tests and
the demo:

    with RuntimeApiEmulator() as rt:          # rt.address == "127.0.0.1:PORT"
        rid = rt.invoke(b'{"a":1}', timeout_ms=3000)
        answer = rt.wait(rid, timeout=10)      # {"kind": "response"|"error", "body": bytes, ...}
"""
import json
import queue
import socket
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PREFIX = "/2018-06-01"
RESPONSE_LIMIT = 6 * 1024 * 1024  # Lambda's synchronous response quota, bytes
FUNCTION_ARN = "arn:aws:lambda:us-east-1:123456789012:function:ProcessKvsRecording"


class _Invocation:
    def __init__(self, body, timeout_ms, trace_id):
        self.request_id = str(uuid.uuid4())
        self.body = body
        self.timeout_ms = timeout_ms
        self.trace_id = trace_id or f"Root=1-{int(time.time()):08x}-{uuid.uuid4().hex[:24]};Sampled=0"
        self.deadline_ms = None
        self.done = threading.Event()
        self.answer = None


class RuntimeApiEmulator:
    def __init__(self, function_arn=FUNCTION_ARN):
        self.function_arn = function_arn
        self._queue = queue.Queue()
        self._by_id = {}
        self._lock = threading.Lock()
        self._closing = threading.Event()
        self.next_fails = False      # when True, /next answers 500 (the runtime must give up)
        self.init_errors = []        # bodies + headers of /runtime/init/error posts
        self.next_calls = 0
        self._server = None
        self._thread = None

    # -- control (tests) -------------------------------------------------
    def start(self):
        emulator = self

        class Handler(_Handler):
            pass

        Handler.emulator = emulator
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    @property
    def address(self):
        host, port = self._server.server_address[:2]
        return f"{host}:{port}"

    def stop(self):
        self._closing.set()
        if self._server:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    def invoke(self, body, timeout_ms=30000, trace_id=None):
        """Queues an invocation; returns its request id."""
        if isinstance(body, (dict, list)):
            body = json.dumps(body).encode()
        elif isinstance(body, str):
            body = body.encode()
        inv = _Invocation(body, timeout_ms, trace_id)
        with self._lock:
            self._by_id[inv.request_id] = inv
        self._queue.put(inv)
        return inv.request_id

    def wait(self, request_id, timeout=30.0):
        """The runtime's answer: {"kind", "body", "error_type", "deadline_ms", "trace_id"}."""
        inv = self._by_id[request_id]
        if not inv.done.wait(timeout):
            raise TimeoutError(f"no answer for {request_id} within {timeout}s")
        return inv.answer

    def invoke_and_wait(self, body, timeout_ms=30000, timeout=60.0):
        return self.wait(self.invoke(body, timeout_ms), timeout)

    def wait_init_error(self, timeout=10.0):
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if self.init_errors:
                return self.init_errors[0]
            time.sleep(0.02)
        raise TimeoutError("no init error posted")

    # -- request handling --------------------------------------------------
    def _next(self):
        while not self._closing.is_set():
            if self.next_fails:
                return None
            try:
                inv = self._queue.get(timeout=0.1)
            except queue.Empty:
                continue
            inv.deadline_ms = int(time.time() * 1000) + inv.timeout_ms
            return inv
        return None


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    emulator = None

    def setup(self):
        super().setup()
        # Headers and body go out in separate writes; without this, Nagle's
        # algorithm and delayed ACKs add ~40 ms to every call.
        self.request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_message(self, *args):
        pass

    def _send(self, status, body=b"", headers=None):
        if isinstance(body, (dict, list)):
            body = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def _body(self):
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n else b""

    def do_GET(self):
        em = self.emulator
        if self.path != PREFIX + "/runtime/invocation/next":
            return self._send(404, {"errorMessage": "not found", "errorType": "NotFound"})
        em.next_calls += 1
        inv = em._next()
        if inv is None:
            return self._send(500, {"errorMessage": "emulator closing", "errorType": "ServiceException"})
        self._send(200, inv.body, {
            "Lambda-Runtime-Aws-Request-Id": inv.request_id,
            "Lambda-Runtime-Deadline-Ms": str(inv.deadline_ms),
            "Lambda-Runtime-Invoked-Function-Arn": em.function_arn,
            "Lambda-Runtime-Trace-Id": inv.trace_id,
        })

    def do_POST(self):
        em = self.emulator
        body = self._body()
        path = self.path
        if path == PREFIX + "/runtime/init/error":
            em.init_errors.append({"body": body, "error_type": self.headers.get("Lambda-Runtime-Function-Error-Type")})
            return self._send(202, {"status": "OK"})
        parts = path[len(PREFIX):].split("/") if path.startswith(PREFIX) else []
        # ['', 'runtime', 'invocation', ID, 'response'|'error']
        if len(parts) != 5 or parts[1:3] != ["runtime", "invocation"] or parts[4] not in ("response", "error"):
            return self._send(404, {"errorMessage": "not found", "errorType": "NotFound"})
        with em._lock:
            inv = em._by_id.get(parts[3])
        if inv is None or inv.deadline_ms is None or inv.done.is_set():
            return self._send(400, {"errorMessage": "Invalid request ID", "errorType": "InvalidRequestID"})
        if parts[4] == "response" and len(body) > RESPONSE_LIMIT:
            inv.answer = {"kind": "error", "body": body[:200], "error_type": "Function.ResponseSizeTooLarge",
                          "deadline_ms": inv.deadline_ms, "trace_id": inv.trace_id}
            inv.done.set()
            return self._send(413, {"errorMessage": "Response payload size exceeded maximum allowed payload size (6291556 bytes).",
                                    "errorType": "RequestEntityTooLarge"})
        inv.answer = {
            "kind": parts[4],
            "body": body,
            "error_type": self.headers.get("Lambda-Runtime-Function-Error-Type"),
            "deadline_ms": inv.deadline_ms,
            "trace_id": inv.trace_id,
            "late": int(time.time() * 1000) > inv.deadline_ms,
        }
        inv.done.set()
        self._send(202, {"status": "OK"})

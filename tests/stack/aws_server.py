#!/usr/bin/env python3
"""The local AWS stand-in: moto's WSGI app with authentication on, wrapped
with the routes moto lacks, in one process on 127.0.0.1.

- Everything moto serves (S3, IAM, STS, ...) goes to moto unchanged, which
  verifies SigV4 and IAM policies once auth is on (INITIAL_NO_AUTH_ACTION_COUNT
  / POST /moto-api/reset-auth).
- The routes moto lacks live in one module per service (ROUTE_MODULES below:
  kvs_routes.py, connect_routes.py, ...). Each module's register(stack) adds
  its AWS routes (verified with moto's own SigV4 + IAM checker, IAMRequest,
  through Stack.verify) and its test-only control routes under /_stack/.
- Test-only control routes of the core (unsigned): faults for any request and
  the request log.

Usage: aws_server.py --port-file FILE   (binds 127.0.0.1:0, writes the port)
"""
import argparse
import importlib
import json
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
from stack.stack_common import REGION, AwsError, read_body, service_of  # noqa: E402,F401

# One module per service stand-in; each has register(stack).
ROUTE_MODULES = ["stack.kvs_routes", "stack.connect_routes", "stack.media_pipelines_routes", "stack.connect_user_routes", "stack.s3_presign_routes"]


class Stack:
    def __init__(self):
        self.moto = DomainDispatcherApplication(create_backend_app)
        self.lock = threading.Lock()
        self.faults = []
        self.log = []
        self.port = None
        self.account = DEFAULT_ACCOUNT_ID
        self.routes = []    # (method, path or predicate, signing service, fn(environ, start_response), error)
        self.controls = []  # (method, path or predicate, fn(environ, start_response, path, req))
        for name in ROUTE_MODULES:
            importlib.import_module(name).register(self)

    # -- registration (route modules) --------------------------------------
    def route(self, method, path, service, fn, error=None):
        """fn answers method + path (a string, or a predicate on the path)
        when the request is signed for service. An AwsError it raises is
        answered by error(start_response, err) (the service's error shape),
        by default error_response (JSON)."""
        self.routes.append((method, path, service, fn, error or self.error_response))

    def control_route(self, method, path, fn):
        """fn(environ, start_response, path, parsed JSON body) answers a
        test-only /_stack/ route (a string, or a predicate on the path)."""
        self.controls.append((method, path, fn))

    # -- helpers -----------------------------------------------------------
    @staticmethod
    def json_response(start_response, status, obj, headers=()):
        body = json.dumps(obj).encode()
        start_response(f"{status} {'OK' if status < 400 else 'Error'}",
                       [("Content-Type", "application/json"), ("Content-Length", str(len(body)))] + list(headers))
        return [body]

    def error_response(self, start_response, err, fmt="json"):
        if fmt == "xml":
            body = (f"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>{err.code}</Code>"
                    f"<Message>{err.message}</Message><RequestId>stack</RequestId></Error>").encode()
            start_response(f"{err.status} Error", [("Content-Type", "application/xml"),
                                                   ("Content-Length", str(len(body)))])
            return [body]
        return self.json_response(start_response, err.status, {"__type": err.code, "message": err.message},
                                  [("x-amzn-ErrorType", err.code)])

    def _auth_enforced(self):
        if ActionAuthenticatorMixin.request_count >= settings.INITIAL_NO_AUTH_ACTION_COUNT:
            return True
        ActionAuthenticatorMixin.request_count += 1
        return False

    def verify(self, environ, body, action, resource="*"):
        """SigV4 + IAM policy check with moto's own checker. action is the IAM
        action without its service prefix (the signing service's is used)."""
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
        target = environ.get("HTTP_X_AMZ_TARGET", "")
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
                if f.get("target") and f["target"] != target:
                    continue
                f["count"] -= 1
                return f
        return None

    @staticmethod
    def _matches(pattern, path):
        return pattern(path) if callable(pattern) else pattern == path

    # -- WSGI --------------------------------------------------------------
    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO", "")
        method = environ["REQUEST_METHOD"]
        entry = {"method": method, "path": path, "query": environ.get("QUERY_STRING", ""),
                 "service": service_of(environ), "target": environ.get("HTTP_X_AMZ_TARGET"), "status": None}

        def recording_start_response(status, headers, exc_info=None):
            entry["status"] = int(status.split()[0])
            return start_response(status, headers, exc_info)

        if path.startswith("/_stack/"):
            return self.control(environ, start_response)
        with self.lock:
            self.log.append(entry)
        fault = self._take_fault(environ)
        if fault:
            read_body(environ)
            err = AwsError(fault["status"], fault["code"], fault.get("message", "injected by the local stack"))
            headers = [("Retry-After", str(fault["retry_after"]))] if "retry_after" in fault else []
            if headers:
                return self._fault_with_headers(recording_start_response, err, fault, headers)
            return self.error_response(recording_start_response, err, fault.get("error_format", "json"))
        for r_method, r_path, r_service, fn, error in self.routes:
            if r_method == method and r_service == entry["service"] and self._matches(r_path, path):
                try:
                    return fn(environ, recording_start_response)
                except AwsError as e:
                    return error(recording_start_response, e)
        return self.moto(environ, recording_start_response)

    def _fault_with_headers(self, start_response, err, fault, headers):
        def with_headers(status, hdrs, exc_info=None):
            return start_response(status, list(hdrs) + headers, exc_info)
        return self.error_response(with_headers, err, fault.get("error_format", "json"))

    # -- control (tests only) ----------------------------------------------
    def control(self, environ, start_response):
        path = environ["PATH_INFO"]
        method = environ["REQUEST_METHOD"]
        body = read_body(environ)
        req = json.loads(body) if body else {}
        if path == "/_stack/faults" and method == "POST":
            req.setdefault("count", 1)
            with self.lock:
                self.faults.append(req)
            return self.json_response(start_response, 200, {})
        if path == "/_stack/faults" and method == "GET":
            with self.lock:
                return self.json_response(start_response, 200, [f for f in self.faults if f["count"] > 0])
        if path == "/_stack/faults" and method == "DELETE":
            with self.lock:
                self.faults.clear()
            return self.json_response(start_response, 200, {})
        if path == "/_stack/requests" and method == "GET":
            with self.lock:
                return self.json_response(start_response, 200, list(self.log))
        if path == "/_stack/requests" and method == "DELETE":
            with self.lock:
                self.log.clear()
            return self.json_response(start_response, 200, {})
        for c_method, c_path, fn in self.controls:
            if c_method == method and self._matches(c_path, path):
                return fn(environ, start_response, path, req)
        return self.json_response(start_response, 404, {"message": f"no control route {method} {path}"})


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

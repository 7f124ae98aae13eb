#!/usr/bin/env python3
"""The local end-to-end demo (`make demo`).

Starts the local AWS stack and a Runtime API emulator on 127.0.0.1, runs
build/bootstrap against them with temporary credentials (as in Lambda),
invokes it with events/kinesis-event.json, prints the function's response,
and stops everything. Exit status 0 only when the invocation succeeded.
"""
import json
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests"))
from stack.localstack import DEFAULT_BUCKET, LocalStack  # noqa: E402
from stack.runtime_api import RuntimeApiEmulator  # noqa: E402

BUILD = os.path.join(ROOT, os.environ.get("BUILD_DIR", "build"))
EVENT = os.path.join(ROOT, "events", "kinesis-event.json")
HANDLER = os.environ.get("DEMO_HANDLER", "echo")


def say(text):
    print(f"demo: {text}", flush=True)


def main():
    with LocalStack() as st, RuntimeApiEmulator() as rt:
        say(f"local AWS stack on {st.endpoint} (SigV4 auth on), Runtime API emulator on {rt.address}")
        env = dict(st.env(temporary=True), PATH=os.environ.get("PATH", "/usr/bin:/bin"),
                   AWS_LAMBDA_RUNTIME_API=rt.address, _HANDLER=HANDLER,
                   AWS_LAMBDA_LOG_FORMAT="TEXT", AWS_LAMBDA_FUNCTION_MEMORY_SIZE="512",
                   RECORDINGS_BUCKET_NAME=DEFAULT_BUCKET, RECORDINGS_KEY_PREFIX="recordings/",
                   START_SELECTOR_TYPE="FRAGMENT_NUMBER", CLOUDFRONT_DOMAIN="https://d111111abcdef8.cloudfront.net")
        proc = subprocess.Popen([os.path.join(BUILD, "bootstrap")], env=env)
        try:
            with open(EVENT, "rb") as f:
                event = f.read()
            say(f"invoking handler '{HANDLER}' with {os.path.relpath(EVENT, ROOT)} ({len(event)} bytes)")
            answer = rt.invoke_and_wait(event, timeout_ms=60000, timeout=120)
        finally:
            rt.next_fails = True  # bootstrap gives up on /next and exits
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
        body = answer["body"].decode(errors="replace")
        say(f"function {answer['kind']}: {body[:2000]}")
        if answer["kind"] != "response":
            return 1
        if HANDLER == "echo":
            ok = json.loads(body) == json.loads(event)
            say("echo handler returned the event unchanged" if ok else "echo handler changed the event!")
            return 0 if ok else 1
        return 0


if __name__ == "__main__":
    sys.exit(main())

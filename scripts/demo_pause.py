#!/usr/bin/env python3
"""The pause demo (`make demo-pause`): a contact paused and resumed mid-call.

1. Starts the local AWS stack (moto with SigV4 auth on, our Connect routes)
   and the Runtime API emulator.
2. Runs build/bootstrap as ConnectRecordingControl and plays the agent's
   buttons in real time with the flow events of events/: START, then PAUSE
   (the customer reads out a card number), RESUME, STOP. The function keeps
   the paused span on the customer's contact (recordingPausedSpans).
3. Writes the call's audio (tones: 440 Hz customer, 660 Hz agent) as a
   Connect-layout GetMedia capture timed on the same clock (synthetic:
   tests/fixtures/make_connect_mkv.py) and serves it from the KVS stand-in.
4. Runs build/bootstrap as ProcessKvsRecording with the contact's trace
   record, which carries the attribute, and prints where each WAV is
   silent: the paused span plus PAUSE_MARGIN_MS on each side. The WAVs go to
   demo-output/pause/.

Exit status 0 only when every file is silent over the paused span and
nowhere else.
"""
import array
import io
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import wave

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests"))
sys.path.insert(0, os.path.join(ROOT, "scripts"))
import make_events as ev  # noqa: E402
from demo import start_bootstrap  # noqa: E402
from fixtures.make_connect_mkv import FROM, TO, Capture, tone_source  # noqa: E402
from stack.localstack import DEFAULT_BUCKET, LocalStack  # noqa: E402
from stack.runtime_api import RuntimeApiEmulator  # noqa: E402

OUT_DIR = os.path.join(ROOT, os.environ.get("DEMO_OUTPUT", "demo-output"), "pause")
CONTACT = ev.FLOW_CUSTOMER_CONTACT
MARGIN_MS = 500
RATE = 8000


def say(text):
    print(f"demo-pause: {text}", flush=True)


def run_bootstrap(st, rt, handler, body, **env):
    """One invocation of build/bootstrap as handler; returns its answer."""
    proc = start_bootstrap(st, rt, handler, **env)
    try:
        return rt.invoke_and_wait(body, timeout_ms=60000, timeout=120)
    finally:
        # Not SIGTERM (demo.stop_bootstrap): the emulator would keep the dead
        # process's /next waiting and hand it the next process's invocation.
        rt.next_fails = True  # bootstrap gives up on /next and exits
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=30)
        rt.next_fails = False


def press(st, rt, op):
    answer = run_bootstrap(st, rt, "ConnectRecordingControl", json.dumps(ev.flow_event(op)))
    say(f"agent presses {op}: {answer['body'].decode()}")
    return json.loads(answer["body"])


def play_the_call(st, rt):
    """START, PAUSE after 3 s, RESUME 2 s later, STOP 3 s later; returns the
    call's first ms (epoch)."""
    start_ms = (int(time.time() * 1000) // 1000) * 1000
    for op, wait_s in (("START", 3), ("PAUSE", 2), ("RESUME", 3), ("STOP", 0)):
        if press(st, rt, op)["statusCode"] != "200":
            raise SystemExit(f"demo-pause: {op} failed")
        time.sleep(wait_s)
    return start_ms


def silent_runs(pcm, channels, min_ms=100):
    """[(first s, last s)] where every channel is 0 for at least min_ms."""
    a = array.array("h", pcm)
    runs, start = [], None
    frames = len(a) // channels
    for i in range(frames + 1):
        quiet = i < frames and not any(a[i * channels:(i + 1) * channels])
        if quiet and start is None:
            start = i
        elif not quiet and start is not None:
            if (i - start) * 1000 // RATE >= min_ms:
                runs.append((start / RATE, i / RATE))
            start = None
    return runs


def main():
    tmp = tempfile.mkdtemp(prefix="demo-pause-")
    try:
        with LocalStack() as st, RuntimeApiEmulator() as rt:
            say(f"local AWS stack on {st.endpoint} (SigV4 auth on); Runtime API emulator on {rt.address}")
            call_start = play_the_call(st, rt)
            spans = st.contact_attributes()[f"{ev.INSTANCE_ID}/{CONTACT}"]["recordingPausedSpans"]
            say(f"recordingPausedSpans on the customer's contact: {spans}")
            seconds = (int(time.time() * 1000) - call_start + 999) // 1000
            cap = Capture(start_ms=call_start, sources={FROM: tone_source(440, RATE), TO: tone_source(660, RATE)})
            cap.add_contact(CONTACT, seconds=seconds)
            path = os.path.join(tmp, "call.mkv")
            with open(path, "wb") as f:
                cap.write(f)
            arn = st.add_media("connect-demo-pause", path)["StreamARN"]
            ctr = ev.demo_ctr({"ContactId": CONTACT, "start_fragment": 0, "fragments": seconds})
            ctr["Attributes"]["recordingPausedSpans"] = spans
            ctr["Recordings"][0].update(Location=arn, FragmentStartNumber=str(cap.fragments[0].number),
                                        FragmentStopNumber=str(cap.fragments[-1].number))
            say(f"recording the {seconds} s call with PAUSE_MARGIN_MS={MARGIN_MS}")
            answer = run_bootstrap(st, rt, "ProcessKvsRecording",
                                   json.dumps({"Records": [ev.kinesis_record(ctr, 1)]}),
                                   RECORDINGS_BUCKET_NAME=DEFAULT_BUCKET, RECORDINGS_KEY_PREFIX="recordings/",
                                   CLOUDFRONT_DOMAIN="https://d111111abcdef8.cloudfront.net",
                                   KVS_IDLE_TIMEOUT_MS="1500", PAUSE_MARGIN_MS=str(MARGIN_MS))
            say(f"function {answer['kind']}: {answer['body'].decode()}")
            ok = check_objects(st, spans, call_start)
        say("done: the paused span is silent in every file" if ok else "FAILED")
        return 0 if ok else 1
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def check_objects(st, spans, call_start):
    paused_from, paused_to = (int(x) for x in spans.split(",")[0].split("-"))
    want = ((paused_from - MARGIN_MS - call_start) / 1000, (paused_to + MARGIN_MS - call_start) / 1000)
    say(f"paused {(paused_from - call_start) / 1000:.3f} s to {(paused_to - call_start) / 1000:.3f} s into the "
        f"call; silenced with the margin: {want[0]:.3f} s to {want[1]:.3f} s")
    s3 = st.client("s3")
    shutil.rmtree(OUT_DIR, ignore_errors=True)
    os.makedirs(OUT_DIR)
    ok = True
    keys = sorted(o["Key"] for o in s3.list_objects_v2(Bucket=DEFAULT_BUCKET).get("Contents", []))
    for key in keys:
        obj = s3.get_object(Bucket=DEFAULT_BUCKET, Key=key)
        data = obj["Body"].read()
        with open(os.path.join(OUT_DIR, os.path.basename(key)), "wb") as f:
            f.write(data)
        with wave.open(io.BytesIO(data), "rb") as w:
            runs = silent_runs(w.readframes(w.getnframes()), w.getnchannels())
        shown = ", ".join(f"{a:.3f}-{b:.3f} s" for a, b in runs) or "none"
        print(f"  {os.path.basename(key)}: silent {shown}; x-amz-meta-redacted-ms "
              f"{obj['Metadata'].get('redacted-ms')}")
        ok = ok and len(runs) == 1 and abs(runs[0][0] - want[0]) < 0.002 and abs(runs[0][1] - want[1]) < 0.002
    say(f"WAV files written to {os.path.relpath(OUT_DIR, ROOT)}/")
    return ok and len(keys) == 3


if __name__ == "__main__":
    sys.exit(main())

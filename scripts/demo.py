#!/usr/bin/env python3
"""The local end-to-end demo (`make demo`).

1. Renders speech with espeak-ng: two contacts that follow each other on one
   KVS stream (Connect reuses streams), each side saying different words.
2. Writes a Connect-layout GetMedia capture of them (synthetic: our fixture
   generator, REFERENCE.md §3) and serves it from the local KVS stand-in, as
   the stream that events/kinesis-event.json points at.
3. Starts the local AWS stack (moto with SigV4 auth on) and the Runtime API
   emulator, runs build/bootstrap with temporary credentials, as in Lambda,
   and invokes it with events/kinesis-event.json.
4. Prints the function's response, the objects in the local S3 bucket with
   their durations, the contact attributes stored, writes the WAVs to
   demo-output/ so they can be listened to, and stops everything.

Exit status 0 only when both contacts were recorded completely.
"""
import io
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import wave

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests"))
sys.path.insert(0, os.path.join(ROOT, "scripts"))
import make_events as ev  # noqa: E402
from fixtures.make_connect_mkv import FROM, TO, Capture, wav_source  # noqa: E402
from stack.localstack import DEFAULT_BUCKET, LocalStack  # noqa: E402
from stack.runtime_api import RuntimeApiEmulator  # noqa: E402

BUILD = os.path.join(ROOT, os.environ.get("BUILD_DIR", "build"))
EVENT = os.path.join(ROOT, "events", "kinesis-event.json")
OUT_DIR = os.path.join(ROOT, os.environ.get("DEMO_OUTPUT", "demo-output"))
RATE = 8000

LINES = [  # (customer, agent) per demo contact, in order on the stream
    ("Hello, I am calling about my parcel. It has not arrived yet.",
     "Thanks for calling. Your parcel ships tomorrow morning."),
    ("Hi, I would like to change my address please.",
     "Of course. Your new address is saved."),
]


def say(text):
    print(f"demo: {text}", flush=True)


def speak(text, voice, path, tmp):
    """espeak-ng renders at 22.05 kHz; sox makes it 8 kHz mono 16-bit like Connect's audio."""
    raw = os.path.join(tmp, "espeak.wav")
    subprocess.run(["espeak-ng", "-v", voice, "-s", "150", "-w", raw, text], check=True)
    subprocess.run(["sox", raw, "-r", str(RATE), "-c", "1", "-b", "16", path], check=True)


def start_bootstrap(st, rt, handler, **env):
    """build/bootstrap as handler against the local stack (temporary
    credentials, as in Lambda) and the Runtime API emulator; env adds to it."""
    full = dict(st.env(temporary=True), PATH=os.environ.get("PATH", "/usr/bin:/bin"),
                AWS_LAMBDA_RUNTIME_API=rt.address, _HANDLER=handler, AWS_LAMBDA_LOG_FORMAT="TEXT", **env)
    return subprocess.Popen([os.path.join(BUILD, "bootstrap")], env=full)


def stop_bootstrap(proc):
    """As Lambda's shutdown does: SIGTERM while bootstrap waits for the next
    invocation; it leaves its loop and exits 0 before the emulator goes away
    (killed if it has not within 30 s)."""
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=30)


def padded_pcm(path, samples):
    with wave.open(path, "rb") as w:
        pcm = w.readframes(w.getnframes())
    pcm = pcm[: 2 * samples]
    return pcm + bytes(2 * samples - len(pcm))


def track_wav(pcm, path):
    with wave.open(path, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(RATE)
        w.writeframes(pcm)
    return path


def build_capture(tmp):
    """The demo stream: contacts of events/kinesis-event.json, speech per side."""
    per_track = {FROM: b"", TO: b""}
    for (customer, agent), contact in zip(LINES, ev.DEMO_CONTACTS):
        samples = contact["fragments"] * ev.FRAGMENT_MS * RATE // 1000
        for text, voice, track in ((customer, "en-us", FROM), (agent, "en-gb+f3", TO)):
            path = os.path.join(tmp, f"{contact['ContactId']}-{track}.wav")
            speak(text, voice, path, tmp)
            per_track[track] += padded_pcm(path, samples)
    sources = {t: wav_source(track_wav(pcm, os.path.join(tmp, f"{t}.wav"))) for t, pcm in per_track.items()}
    cap = Capture(rate=RATE, start_ms=ev.START_EPOCH_MS, fragment_ms=ev.FRAGMENT_MS,
                  first_fragment_number=ev.FIRST_FRAGMENT_NUMBER, fragment_number_step=ev.FRAGMENT_STEP,
                  instance_id=ev.INSTANCE_ID, sources=sources)
    for contact in ev.DEMO_CONTACTS:
        cap.add_contact(contact["ContactId"], seconds=contact["fragments"] * ev.FRAGMENT_MS / 1000)
    path = os.path.join(tmp, "connect-demo.mkv")
    with open(path, "wb") as f:
        cap.write(f)
    return path


def wav_seconds(data):
    with wave.open(io.BytesIO(data), "rb") as w:
        return w.getnframes() / w.getframerate(), w.getnchannels()


def main():
    tmp = tempfile.mkdtemp(prefix="demo-")
    try:
        say("rendering two contacts' speech with espeak-ng and writing a Connect-layout GetMedia capture")
        capture = build_capture(tmp)
        with LocalStack() as st, RuntimeApiEmulator() as rt:
            say(f"local AWS stack on {st.endpoint} (SigV4 auth on); Runtime API emulator on {rt.address}")
            info = st.add_media(ev.DEMO_STREAM_NAME, capture, creation_ms=ev.DEMO_STREAM_CREATION_MS)
            say(f"KVS stream {info['StreamARN']}: {len(info['fragments'])} fragments, "
                f"{os.path.getsize(capture)} bytes")
            proc = start_bootstrap(st, rt, "ProcessKvsRecording", AWS_LAMBDA_FUNCTION_MEMORY_SIZE="512",
                                   RECORDINGS_BUCKET_NAME=DEFAULT_BUCKET, RECORDINGS_KEY_PREFIX="recordings/",
                                   START_SELECTOR_TYPE="FRAGMENT_NUMBER",
                                   CLOUDFRONT_DOMAIN="https://d111111abcdef8.cloudfront.net",
                                   KVS_IDLE_TIMEOUT_MS="2000")
            try:
                with open(EVENT, "rb") as f:
                    event = f.read()
                say(f"invoking bootstrap with {os.path.relpath(EVENT, ROOT)} (2 contact trace records)")
                answer = rt.invoke_and_wait(event, timeout_ms=120000, timeout=180)
            finally:
                stop_bootstrap(proc)
            body = answer["body"].decode(errors="replace")
            say(f"function {answer['kind']}: {body}")
            s3 = st.client("s3")
            objects = sorted(o["Key"] for o in s3.list_objects_v2(Bucket=DEFAULT_BUCKET).get("Contents", []))
            shutil.rmtree(OUT_DIR, ignore_errors=True)
            os.makedirs(OUT_DIR)
            say(f"objects in s3://{DEFAULT_BUCKET}:")
            for key in objects:
                data = s3.get_object(Bucket=DEFAULT_BUCKET, Key=key)["Body"].read()
                secs, channels = wav_seconds(data)
                with open(os.path.join(OUT_DIR, os.path.basename(key)), "wb") as f:
                    f.write(data)
                print(f"  {key}  {len(data)} bytes  {secs:.2f} s  {'stereo' if channels == 2 else 'mono'}")
            say("contact attributes stored by UpdateContactAttributes:")
            attrs = st.contact_attributes()
            print(json.dumps(attrs, indent=2))
            say(f"WAV files written to {os.path.relpath(OUT_DIR, ROOT)}/ (left = customer, right = agent in *_mixed.wav)")
        expected = 3 * len(ev.DEMO_CONTACTS)
        ok = (answer["kind"] == "response" and json.loads(body) == {"batchItemFailures": []}
              and len(objects) == expected and len(attrs) == len(ev.DEMO_CONTACTS))
        say("done" if ok else f"FAILED: expected {expected} objects and no batch item failures")
        return 0 if ok else 1
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())

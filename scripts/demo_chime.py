#!/usr/bin/env python3
"""The Voice Connector demo (`make demo-chime`).

1. Renders the two sides of a phone call with espeak-ng: the caller's leg
   and the other leg, which starts 1.755 s later (as the real 2023 pair of
   legs did), each as its own Voice Connector leg capture (SYNTHETIC:
   tests/fixtures/make_chime_mkv.py) on its own KVS stream, the streams the
   events/chime-vc-*.json events point at.
2. Starts the local AWS stack (moto with SigV4 auth on: DynamoDB, S3; the
   KVS stand-in) and the Runtime API emulator, runs build/bootstrap as
   _HANDLER=ChimeVoiceConnectorRecorder with temporary credentials, and
   invokes it with the call's four streaming status events (STARTED caller,
   STARTED other, ENDED other, ENDED caller).
3. Prints each response, the call table's items, the metadata JSON, writes
   the stereo WAV and the JSON to demo-output/ (left = caller), and stops
   everything.

Exit status 0 only when the call was recorded, aligned and complete.
"""
import array
import json
import os
import shutil
import sys
import tempfile
import wave

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests"))
sys.path.insert(0, os.path.join(ROOT, "tests", "integration"))
sys.path.insert(0, os.path.join(ROOT, "scripts"))
import make_events as ev  # noqa: E402
from chime_env import CALL_TABLE, create_tables  # noqa: E402
from demo import speak, start_bootstrap, stop_bootstrap  # noqa: E402
from fixtures.make_chime_mkv import ChimeLeg, wav_source  # noqa: E402
from stack.localstack import DEFAULT_BUCKET, LocalStack  # noqa: E402
from stack.runtime_api import RuntimeApiEmulator  # noqa: E402

OUT_DIR = os.path.join(ROOT, os.environ.get("DEMO_OUTPUT", "demo-output"))
PREFIX = "originalAudio"
RATE = 8000
EVENTS = ["chime-vc-started-caller.json", "chime-vc-started-other.json", "chime-vc-ended-other.json",
          "chime-vc-ended-caller.json"]
LINES = ["Hello, this is the caller. I would like to check on my order, please.",
         "Good morning. Let me look that up for you right away."]


def say(text):
    print(f"demo-chime: {text}", flush=True)


def build_legs(tmp):
    """The two leg captures, fragment numbers and times as in make_events."""
    paths = []
    for i, ((is_caller, name, _, first, fragments), text) in enumerate(zip(ev.CHIME_LEGS, LINES)):
        voice = os.path.join(tmp, f"leg{i}.wav")
        speak(text, "en-us" if is_caller else "en-gb+f3", voice, tmp)
        start = ev.CHIME_START_MS + (0 if is_caller else ev.CHIME_OFFSET_MS)
        leg = ChimeLeg(start_ms=start, fragment_ms=ev.FRAGMENT_MS, first_fragment_number=first,
                       fragment_number_step=ev.FRAGMENT_STEP, source=wav_source(voice), seed=i + 1, rate=RATE)
        leg.add_call(ev.CHIME_TRANSACTION_ID, ev.CHIME_CALL_ID, fragments * ev.FRAGMENT_MS / 1000)
        path = os.path.join(tmp, f"{name}.mkv")
        with open(path, "wb") as f:
            leg.write(f)
        paths.append(path)
    return paths


def first_sound(pcm, channels, channel):
    a = array.array("h", pcm)
    for i in range(channel, len(a), channels):
        if abs(a[i]) > 64:
            return (i // channels) / RATE
    return None


def run(st, rt, tmp):
    ddb = create_tables(st)
    proc = start_bootstrap(st, rt, "ChimeVoiceConnectorRecorder", CALL_TABLE=CALL_TABLE,
                           RECORDING_BUCKET=DEFAULT_BUCKET, RECORDING_BUCKET_PREFIX=PREFIX,
                           VOICECONNECTOR_ID=ev.CHIME_VC_ID, CHIME_WORK_DIR=os.path.join(tmp, "work"),
                           KVS_IDLE_TIMEOUT_MS="2000")
    answers = []
    try:
        for name in EVENTS:
            with open(os.path.join(ROOT, "events", name), "rb") as f:
                answer = rt.invoke_and_wait(f.read(), timeout_ms=120000, timeout=180)
            answers.append(answer)
            say(f"{name}: {answer['kind']} {answer['body'].decode(errors='replace')}")
    finally:
        stop_bootstrap(proc)
    items = ddb.query(TableName=CALL_TABLE, KeyConditionExpression="call_id = :c",
                      ExpressionAttributeValues={":c": {"S": ev.CHIME_CALL_ID}})["Items"]
    say("call table items: " + ", ".join(f"{i['is_caller']['S']}={i.get('status', i.get('state'))['S']}"
                                         for i in items))
    return answers


def collect(st):
    s3 = st.client("s3")
    shutil.rmtree(OUT_DIR, ignore_errors=True)
    os.makedirs(OUT_DIR)
    got = {}
    for suffix in (".wav", ".json"):
        key = f"{PREFIX}/{ev.CHIME_CALL_ID}{suffix}"
        data = s3.get_object(Bucket=DEFAULT_BUCKET, Key=key)["Body"].read()
        with open(os.path.join(OUT_DIR, os.path.basename(key)), "wb") as f:
            f.write(data)
        got[suffix] = data
    return got


def main():
    tmp = tempfile.mkdtemp(prefix="demo-chime-")
    try:
        say("rendering the call's two legs with espeak-ng (the other leg starts 1.755 s later)")
        paths = build_legs(tmp)
        with LocalStack() as st, RuntimeApiEmulator() as rt:
            say(f"local AWS stack on {st.endpoint} (SigV4 auth on); Runtime API emulator on {rt.address}")
            for (_, name, creation, _, _), path in zip(ev.CHIME_LEGS, paths):
                info = st.add_media(name, path, creation_ms=creation)
                say(f"KVS stream {info['StreamARN']}: {len(info['fragments'])} fragments")
            answers = run(st, rt, tmp)
            last = json.loads(answers[-1]["body"]) if answers[-1]["kind"] == "response" else {}
            if last.get("status") != "recorded":
                say("FAILED: the call was not recorded")
                return 1
            got = collect(st)
        meta = json.loads(got[".json"])
        print(json.dumps(meta, indent=2))
        path = os.path.join(OUT_DIR, f"{ev.CHIME_CALL_ID}.wav")
        with wave.open(path, "rb") as w:
            channels, frames = w.getnchannels(), w.getnframes()
            pcm = w.readframes(frames)
        left, right = first_sound(pcm, channels, 0), first_sound(pcm, channels, 1)
        say(f"{os.path.relpath(path, ROOT)}: {channels} channels, {frames / RATE:.2f} s; caller (left) speaks "
            f"from {left:.2f} s, the other leg (right) from {right:.2f} s")
        ok = channels == 2 and meta["legs"][1]["leadSamples"] == ev.CHIME_OFFSET_MS * RATE // 1000
        say("done: listen to it (left = caller)" if ok else "FAILED: the legs are not aligned")
        return 0 if ok else 1
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())

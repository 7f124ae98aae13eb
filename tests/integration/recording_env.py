"""What the recording-handler tests and the demo share: synthetic Connect
captures served by the local stack, contact trace records pointing at them,
Kinesis events carrying those records, and bootstrap run against the
Runtime API emulator with temporary credentials."""
import base64
import gzip
import io
import json
import os
import subprocess
import tempfile
import wave

import helpers  # noqa: F401  (puts tests/ on sys.path)
from fixtures.make_connect_mkv import FROM, TO, Capture
from stack.localstack import ACCOUNT, DEFAULT_BUCKET, REGION

INSTANCE_ID = "9f1c3b8e-2d4a-4c6b-8e1f-5a7d9c0b3e21"
INSTANCE_ARN = f"arn:aws:connect:{REGION}:{ACCOUNT}:instance/{INSTANCE_ID}"
CLOUDFRONT = "https://d111111abcdef8.cloudfront.net"
PREFIX = "recordings/"


def write_capture(cap, directory, name):
    path = os.path.join(directory, f"{name}.mkv")
    with open(path, "wb") as f:
        cap.write(f)
    return path


def contact_fragments(cap, contact_id):
    return [f for f in cap.fragments if f.contact_id == contact_id]


def ctr(contact_id, recordings, recording_auth="3", channel="VOICE", attributes=None,
        initiation="2025-12-01T11:59:58Z", initial_contact_id=None):
    """A contact trace record. recordings: [(stream_arn, start, stop)]."""
    attrs = {"recordingAuth": recording_auth} if recording_auth is not None else {}
    attrs.update(attributes or {})
    return {
        "AWSAccountId": ACCOUNT,
        "Agent": None,
        "Attributes": attrs,
        "Channel": channel,
        "ContactId": contact_id,
        "InitialContactId": initial_contact_id,
        "InitiationMethod": "INBOUND",
        "InitiationTimestamp": initiation,
        "InstanceARN": INSTANCE_ARN,
        "Recordings": [{
            "FragmentStartNumber": str(start) if start is not None else None,
            "FragmentStopNumber": str(stop) if stop is not None else None,
            "Location": arn,
            "MediaStreamType": "VIDEO",
            "ParticipantType": "CUSTOMER",
            "StorageType": "KINESIS_VIDEO_STREAM",
        } for arn, start, stop in recordings],
    }


def ctr_for(cap, stream_arn, contact_id, **kw):
    frags = contact_fragments(cap, contact_id)
    return ctr(contact_id, [(stream_arn, frags[0].number, frags[-1].number)], **kw)


def record(payload, seq, encoding="base64"):
    """One Kinesis record; payload is a CTR dict, or raw bytes for bad input."""
    if isinstance(payload, dict) and encoding == "inline":
        data = payload
    else:
        raw = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
        if encoding == "gzip":
            raw = gzip.compress(raw)
        data = base64.b64encode(raw).decode() if encoding != "raw" else raw.decode()
    sequence = f"4962740916052718637894712135{seq:028d}"
    return {
        "kinesis": {"kinesisSchemaVersion": "1.0", "partitionKey": "p", "sequenceNumber": sequence,
                    "data": data, "approximateArrivalTimestamp": 1764590460.5},
        "eventSource": "aws:kinesis", "eventVersion": "1.0",
        "eventID": f"shardId-000000000000:{sequence}", "eventName": "aws:kinesis:record",
        "awsRegion": REGION, "eventSourceARN": f"arn:aws:kinesis:{REGION}:{ACCOUNT}:stream/ctr",
    }


def event(*records):
    return {"Records": list(records)}


def bootstrap_env(st, rt, **extra):
    env = dict(st.env(temporary=True), PATH=os.environ.get("PATH", "/usr/bin:/bin"),
               AWS_LAMBDA_RUNTIME_API=rt.address, _HANDLER="ProcessKvsRecording",
               AWS_LAMBDA_LOG_FORMAT="JSON", RECORDINGS_BUCKET_NAME=DEFAULT_BUCKET,
               RECORDINGS_KEY_PREFIX=PREFIX, START_SELECTOR_TYPE="FRAGMENT_NUMBER",
               CLOUDFRONT_DOMAIN=CLOUDFRONT, KVS_IDLE_TIMEOUT_MS="1500",
               DEADLINE_START_RESERVE_MS="2000", DEADLINE_FINISH_RESERVE_MS="1000")
    for k in ("ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS"):
        if k in os.environ:
            env[k] = os.environ[k]
    env.update({k: str(v) for k, v in extra.items()})
    return env


class Bootstrap:
    """build/bootstrap serving the emulator until stopped; its log in a file."""

    def __init__(self, st, rt, **extra):
        self.rt = rt
        self.log = tempfile.NamedTemporaryFile(prefix="bootstrap-", suffix=".log", delete=False)
        self.proc = subprocess.Popen([helpers.program("bootstrap")], env=bootstrap_env(st, rt, **extra),
                                     stdout=self.log, stderr=subprocess.STDOUT)

    def invoke(self, ev, timeout_ms=60000, timeout=180):
        answer = self.rt.invoke_and_wait(ev, timeout_ms=timeout_ms, timeout=timeout)
        return answer

    def stop(self):
        self.rt.next_fails = True
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.rt.next_fails = False
        self.log.close()
        with open(self.log.name, "rb") as f:
            text = f.read().decode(errors="replace")
        os.unlink(self.log.name)
        return text

    def lines(self, text):
        """The JSON log lines; EMF metric lines (an "_aws" object, no level) are
        left out: tests read those with emf.py."""
        out = []
        for line in text.splitlines():
            try:
                doc = json.loads(line)
            except ValueError:
                continue
            if isinstance(doc, dict) and "_aws" not in doc:
                out.append(doc)
        return out


def s3_wav(s3, key):
    """(frames bytes, rate, channels) of a WAV object."""
    body = s3.get_object(Bucket=DEFAULT_BUCKET, Key=key)["Body"].read()
    with wave.open(io.BytesIO(body), "rb") as w:
        return w.readframes(w.getnframes()), w.getframerate(), w.getnchannels()


def keys_for(contact_id, date="2025/12/1", suffix=""):
    base = f"{PREFIX}{date}/{contact_id}_audio_"
    return {FROM: f"{base}from_customer{suffix}.wav", TO: f"{base}to_customer{suffix}.wav",
            "mixed": f"{base}mixed{suffix}.wav"}


def iso_ms(ms):
    """Epoch ms as the CTR writes timestamps: ISO 8601 UTC, whole seconds."""
    import datetime
    return datetime.datetime.fromtimestamp(ms // 1000, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def ctr_with_span(cap, stream_arn, contact_id, **kw):
    """ctr_for plus the recording's StartTimestamp / StopTimestamp (what
    ListFragments needs), from the contact's first and last fragments."""
    c = ctr_for(cap, stream_arn, contact_id, **kw)
    frags = contact_fragments(cap, contact_id)
    c["Recordings"][0]["StartTimestamp"] = iso_ms(frags[0].start_ms)
    c["Recordings"][0]["StopTimestamp"] = iso_ms(frags[-1].start_ms + frags[-1].duration_ms)
    return c


__all__ = ["Capture", "FROM", "TO", "Bootstrap", "ctr", "ctr_for", "record", "event", "s3_wav",
           "keys_for", "write_capture", "contact_fragments", "CLOUDFRONT", "INSTANCE_ID", "PREFIX",
           "DEFAULT_BUCKET", "ctr_with_span"]

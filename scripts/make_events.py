#!/usr/bin/env python3
"""Writes the sample events under events/ from readable contact trace records,
so the base64 `data` of each Kinesis record can be regenerated and reviewed.

    python3 scripts/make_events.py        # rewrites events/*.json

The demo contacts point at the KVS stream the local demo serves
(DEMO_STREAM_ARN) and at its fragment numbers (see scripts/demo.py).
"""
import base64
import json
import os

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
REGION = "us-east-1"
ACCOUNT = "123456789012"
INSTANCE_ID = "9f1c3b8e-2d4a-4c6b-8e1f-5a7d9c0b3e21"
INSTANCE_ARN = f"arn:aws:connect:{REGION}:{ACCOUNT}:instance/{INSTANCE_ID}"
DEMO_STREAM_NAME = "connect-demo-contact-stream"
DEMO_STREAM_CREATION_MS = 1764547200000
DEMO_STREAM_ARN = f"arn:aws:kinesisvideo:{REGION}:{ACCOUNT}:stream/{DEMO_STREAM_NAME}/{DEMO_STREAM_CREATION_MS}"
CTR_STREAM_ARN = f"arn:aws:kinesis:{REGION}:{ACCOUNT}:stream/connect-ctr-stream"

# Two contacts share the demo stream, one after the other (Connect reuses streams).
DEMO_CONTACTS = [
    {"ContactId": "6f2a9d4e-1b3c-4e5f-8a7b-9c0d1e2f3a4b", "start_fragment": 0, "fragments": 6},
    {"ContactId": "0b1c2d3e-4f5a-4b6c-9d7e-8f9a0b1c2d3e", "start_fragment": 6, "fragments": 5},
]
FIRST_FRAGMENT_NUMBER = 91343852333181432392682062607743920146159169392
FRAGMENT_STEP = 4951760157141521099596496896  # real KVS numbers advance by a large stride
FRAGMENT_MS = 1000
START_EPOCH_MS = 1764590400000  # 2025-12-01T12:00:00Z


def fragment_number(i):
    return str(FIRST_FRAGMENT_NUMBER + i * FRAGMENT_STEP)


def iso(ms):
    import datetime
    return datetime.datetime.fromtimestamp(ms / 1000, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def demo_ctr(contact, recording_auth="3"):
    first = contact["start_fragment"]
    last = first + contact["fragments"] - 1
    start_ms = START_EPOCH_MS + first * FRAGMENT_MS
    stop_ms = START_EPOCH_MS + (last + 1) * FRAGMENT_MS
    return {
        "AWSAccountId": ACCOUNT,
        "AWSContactTraceRecordFormatVersion": "2017-03-10",
        "Agent": None,
        "AgentConnectionAttempts": 0,
        "Attributes": {"recordingAuth": recording_auth},
        "Channel": "VOICE",
        "ConnectedToSystemTimestamp": iso(start_ms),
        "ContactId": contact["ContactId"],
        "CustomerEndpoint": {"Address": "+14155550100", "Type": "TELEPHONE_NUMBER"},
        "DisconnectReason": "CUSTOMER_DISCONNECT",
        "DisconnectTimestamp": iso(stop_ms),
        "InitialContactId": None,
        "InitiationMethod": "INBOUND",
        "InitiationTimestamp": iso(start_ms - 2000),
        "InstanceARN": INSTANCE_ARN,
        "LastUpdateTimestamp": iso(stop_ms + 30000),
        "MediaStreams": [{"Type": "AUDIO"}],
        "NextContactId": None,
        "PreviousContactId": None,
        "Queue": None,
        "Recording": None,
        "Recordings": [{
            "DeletionReason": None,
            "FragmentStartNumber": fragment_number(first),
            "FragmentStopNumber": fragment_number(last),
            "Location": DEMO_STREAM_ARN,
            "MediaStreamType": "VIDEO",
            "ParticipantType": "CUSTOMER",
            "Participant": None,
            "StartTimestamp": iso(start_ms),
            "Status": None,
            "StopTimestamp": iso(stop_ms),
            "StorageType": "KINESIS_VIDEO_STREAM",
        }],
        "SystemEndpoint": {"Address": "+14155550199", "Type": "TELEPHONE_NUMBER"},
        "TransferCompletedTimestamp": None,
        "TransferredToEndpoint": None,
    }


def kinesis_record(ctr, seq, inline=False, raw=None):
    if inline:
        data = ctr
    else:
        payload = raw if raw is not None else json.dumps(ctr, separators=(",", ":")).encode()
        data = base64.b64encode(payload).decode()
    sequence = f"4962740916052718637894712135{seq:028d}"
    return {
        "kinesis": {
            "kinesisSchemaVersion": "1.0",
            "partitionKey": ctr["ContactId"] if ctr else "unknown",
            "sequenceNumber": sequence,
            "data": data,
            "approximateArrivalTimestamp": 1764590460.123 + seq,
        },
        "eventSource": "aws:kinesis",
        "eventVersion": "1.0",
        "eventID": f"shardId-000000000000:{sequence}",
        "eventName": "aws:kinesis:record",
        "invokeIdentityArn": f"arn:aws:iam::{ACCOUNT}:role/ProcessKvsRecordingRole",
        "awsRegion": REGION,
        "eventSourceARN": CTR_STREAM_ARN,
    }


def write(name, records):
    path = os.path.join(ROOT, "events", name)
    with open(path, "w") as f:
        json.dump({"Records": records}, f, indent=2)
        f.write("\n")
    return path


def main():
    first, second = DEMO_CONTACTS
    # The demo: both contacts of the demo stream, both sides recorded.
    write("kinesis-event.json", [kinesis_record(demo_ctr(c), i) for i, c in enumerate(DEMO_CONTACTS)])
    # Customer's voice only (recordingAuth 1): one WAV, audioToCustomer and audioMixed "".
    write("kinesis-event-customer-only.json", [kinesis_record(demo_ctr(first, "1"), 10)])
    # The original's sample event inlines the CTR as an object instead of base64.
    write("kinesis-event-inline-ctr.json", [kinesis_record(demo_ctr(second), 20, inline=True)])
    # Skipped without failing the batch: a chat, an already-recorded contact, bad base64
    # content, a CTR without InstanceARN; the last record is recorded normally.
    chat = dict(demo_ctr(first), Channel="CHAT", Recordings=None)
    done = demo_ctr(first)
    done["Attributes"] = dict(done["Attributes"], audioMixed="https://example/x.wav")
    missing = demo_ctr(second)
    del missing["InstanceARN"]
    write("kinesis-event-skipped.json", [
        kinesis_record(chat, 30), kinesis_record(done, 31), kinesis_record(None, 32, raw=b"{not json"),
        kinesis_record(missing, 33), kinesis_record(demo_ctr(second), 34)])


if __name__ == "__main__":
    main()
    # video call recording (issue 13): events/video-*.json
    import sys
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import make_video_events
    make_video_events.write_all(ROOT)

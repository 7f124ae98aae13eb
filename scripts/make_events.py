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
    write_flow_events()


# ---- recording control (issue 14): Connect flow events --------------------------------
# The step-by-step guide runs on its own contact, related to the customer's.
FLOW_CUSTOMER_CONTACT = "5ca32fbd-8f92-46af-92a5-6b0f970f0efe"
FLOW_GUIDE_CONTACT = "0b7c3a51-6f2e-4d8a-9c41-2f6e8d1a7b90"


def flow_event(operation, voiceRecordingTrack=None, instance=INSTANCE_ID):
    """The event a flow's Invoke AWS Lambda function block sends (SIBLINGS.md
    §2.1): the guide's contact, related to the customer's. operation None:
    no operation parameter."""
    params = {"initialContactId": FLOW_CUSTOMER_CONTACT, "contactId": "param-contact"}
    if operation is not None:
        params["operation"] = operation
    if voiceRecordingTrack is not None:
        params["voiceRecordingTrack"] = voiceRecordingTrack
    return {
        "Details": {
            "ContactData": {
                "Attributes": {"initialContactId": FLOW_CUSTOMER_CONTACT, "callRecordingStatus": "OFF"},
                "Channel": "VOICE",
                "ContactId": FLOW_GUIDE_CONTACT,
                "RelatedContactId": FLOW_CUSTOMER_CONTACT,
                "InitialContactId": FLOW_GUIDE_CONTACT,
                "PreviousContactId": FLOW_GUIDE_CONTACT,
                "InitiationMethod": "API",
                "InstanceARN": f"arn:aws:connect:{REGION}:{ACCOUNT}:instance/{instance}",
                "CustomerEndpoint": None,
                "SystemEndpoint": None,
                "Queue": None,
            },
            "Parameters": params,
        },
        "Name": "ContactFlowEvent",
    }


def write_flow_events():
    for op in ("START", "STOP", "PAUSE", "RESUME"):
        path = os.path.join(ROOT, "events", f"flow-event-{op.lower()}.json")
        with open(path, "w") as f:
            json.dump(flow_event(op, "ALL" if op == "START" else None), f, indent=2)
            f.write("\n")


# ---- Amazon Chime SDK (issue 10): Voice Connector streaming events and SIP
# media application invocations. The Voice Connector call is the one
# `make demo-chime` records: two legs on two streams, the other leg starting
# CHIME_OFFSET_MS after the caller's (the real 2023 pair: 1.755 s).
CHIME_VC_ID = "abcdef1ghij2klmno3pqr4"
CHIME_CALL_ID = "2f5b1a2e-7c4d-4e8f-9a0b-1c2d3e4f5a6b"
CHIME_TRANSACTION_ID = "7d1e4c2a-9b3f-4a6d-8e5c-0f1a2b3c4d5e"
CHIME_START_MS = 1767261600000  # 2026-01-01T10:00:00Z
CHIME_OFFSET_MS = 1755
CHIME_LEGS = [  # (isCaller, stream name, creation ms, first fragment number, fragments)
    (True, f"ChimeVoiceConnector-{CHIME_VC_ID}-1111aaaa-2222-3333-4444-555566667777", 1767261000000,
     91343852333181432392682062653077497216055113817, 8),
    (False, f"ChimeVoiceConnector-{CHIME_VC_ID}-8888bbbb-9999-aaaa-bbbb-ccccddddeeee", 1767261000500,
     91343852333181437344442219794598596340754947404, 7),
]


def chime_stream_arn(leg):
    return f"arn:aws:kinesisvideo:{REGION}:{ACCOUNT}:stream/{leg[1]}/{leg[2]}"


def iso_ms(ms):
    import datetime
    t = datetime.datetime.fromtimestamp(ms / 1000, datetime.timezone.utc)
    return t.strftime("%Y-%m-%dT%H:%M:%S.") + f"{ms % 1000:03d}Z"


def chime_leg_event(index, status):
    is_caller, _, _, first, fragments = leg = CHIME_LEGS[index]
    start = CHIME_START_MS + (0 if is_caller else CHIME_OFFSET_MS)
    detail = {"callId": CHIME_CALL_ID, "direction": "Inbound", "fromNumber": "+12065550100",
              "isCaller": is_caller, "mediaType": "audio/L16", "startFragmentNumber": str(first),
              "startTime": iso_ms(start), "streamArn": chime_stream_arn(leg), "toNumber": "+13605550199",
              "transactionId": CHIME_TRANSACTION_ID, "voiceConnectorId": CHIME_VC_ID,
              "streamingStatus": status, "version": "0"}
    if status == "ENDED":
        detail["currentFragmentNumber"] = str(first + (fragments - 1) * FRAGMENT_STEP)
        detail["endTime"] = iso_ms(start + fragments * FRAGMENT_MS)
    return {"version": "0", "id": f"6a1f9c1e-0000-4000-8000-00000000000{index}{status[0]}",
            "detail-type": "Chime VoiceConnector Streaming Status", "source": "aws.chime",
            "account": ACCOUNT, "time": iso(start), "region": REGION, "resources": [], "detail": detail}


def sma_event(kind, participants, action_data=None):
    ev = {"SchemaVersion": "1.0", "Sequence": 3, "InvocationEventType": kind,
          "CallDetails": {"TransactionId": "87111142-c672-4d09-aba2-6f55920ab76c", "AwsAccountId": ACCOUNT,
                          "AwsRegion": REGION, "SipRuleId": "cce5c298-4e61-4f6b-bf87-39cacfb5a15f",
                          "SipMediaApplicationId": "9324457f-ad47-407d-bf45-5d409e714808",
                          "Participants": participants}}
    if action_data is not None:
        ev["ActionData"] = action_data
    return ev


def sma_participant(tag, call_id, frm, to, status="Connected"):
    return {"CallId": call_id, "ParticipantTag": tag, "To": to, "From": frm,
            "Direction": "Inbound" if tag == "LEG-A" else "Outbound",
            "StartTimeInMilliseconds": "1767261600000", "Status": status}


def write_json(name, obj):
    with open(os.path.join(ROOT, "events", name), "w") as f:
        json.dump(obj, f, indent=2)
        f.write("\n")


def write_chime_events():
    write_json("chime-vc-started-caller.json", chime_leg_event(0, "STARTED"))
    write_json("chime-vc-started-other.json", chime_leg_event(1, "STARTED"))
    write_json("chime-vc-ended-other.json", chime_leg_event(1, "ENDED"))
    write_json("chime-vc-ended-caller.json", chime_leg_event(0, "ENDED"))
    # The same ENDED delivered through an SQS queue (body: the event as a JSON string).
    write_json("chime-vc-sqs-wrapped.json", {"Records": [{
        "messageId": "aee5166b-6f11-44c6-aee9-155ac5c169d6", "receiptHandle": "AQEB",
        "body": json.dumps(chime_leg_event(0, "ENDED")), "attributes": {"ApproximateReceiveCount": "1"},
        "messageAttributes": {}, "eventSource": "aws:sqs", "awsRegion": REGION,
        "eventSourceARN": f"arn:aws:sqs:{REGION}:{ACCOUNT}:ChimeVoiceConnectorStreaming"}]})
    write_json("chime-vc-failed.json", {
        "version": "0", "id": "6a1f9c1e-0000-4000-8000-0000000000ff",
        "detail-type": "Chime VoiceConnector Streaming Status", "source": "aws.chime", "account": ACCOUNT,
        "time": iso(CHIME_START_MS), "region": REGION, "resources": [],
        "detail": {"streamingStatus": "FAILED", "voiceConnectorId": CHIME_VC_ID,
                   "transactionId": CHIME_TRANSACTION_ID, "callId": CHIME_CALL_ID, "direction": "Inbound",
                   "failTime": iso(CHIME_START_MS + 500), "failureReason": "Internal failure", "version": "0"}})
    owner, caller, number = "+15555550100", "+14155551212", "+15055550100"
    a = "409911e5-bfe6-40a5-8bdf-983f5ed5e0a1"
    b = "6a2c0b5e-0c9f-4a1e-9d3b-7c4e1f2a3b4c"
    leg_a = sma_participant("LEG-A", a, caller, number)
    leg_b = sma_participant("LEG-B", b, number, owner)
    write_json("sma-new-inbound-call.json", sma_event("NEW_INBOUND_CALL", [leg_a]))
    write_json("sma-call-and-bridge-successful.json", sma_event(
        "ACTION_SUCCESSFUL", [leg_a, leg_b], {"Type": "CallAndBridge", "Parameters": {
            "CallTimeoutSeconds": 30, "CallerIdNumber": caller,
            "Endpoints": [{"Uri": owner, "BridgeEndpointType": "PSTN"}]}}))
    write_json("sma-digits-received.json", sma_event(
        "DIGITS_RECEIVED", [leg_a, leg_b], {"ReceivedDigits": "5", "Type": "ReceiveDigits",
                                            "Parameters": {"CallId": a, "InputDigitsRegex": "[5-7]"}}))
    write_json("sma-hangup.json", sma_event(
        "HANGUP", [dict(leg_a, Status="Disconnected"), dict(leg_b, Status="Disconnected")],
        {"Type": "Hangup", "Parameters": {"SipResponseCode": 0, "CallId": a, "ParticipantTag": "LEG-A"}}))
    write_json("sma-action-failed.json", sma_event(
        "ACTION_FAILED", [leg_a], {"Type": "PlayAudio", "Parameters": {"CallId": a, "AudioSource": {
            "Type": "S3", "BucketName": "prompts", "Key": "we_were_unable_to_connect_your_call.wav"}},
            "ErrorType": "InvalidAudioSource", "ErrorMessage": "Audio Source parameter value is invalid."}))


if __name__ == "__main__":
    main()
    write_chime_events()
    # video call recording (issue 13): events/video-*.json
    import sys
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import make_video_events
    make_video_events.write_all(ROOT)

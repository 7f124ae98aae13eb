#!/usr/bin/env python3
"""Writes events/video-*.json: sample invocations of _HANDLER=VideoCallRecording
(issue 13), one per API route (API Gateway HTTP API payload format 2.0 with
IAM authorization by a Cognito identity) and per EventBridge event kind it
follows (Chime meeting and media pipeline state changes, S3 Object Created).
Shapes: ../shared/VIDEO.md §1.2 and §2.9 (SYNTHETIC ids). scripts/make_events.py
calls write_all(); run either to regenerate."""
import json
import os

ACCOUNT = "123456789012"
POOL = "us-east-1_AbCdEf123"
SUB = "0f7d3f1e-4a5b-4c6d-8e9f-0a1b2c3d4e5f"
MEETING = "87654321-4321-4321-1234-111122223333"
PIPELINE = "e40ee45e-2ed1-408e-9156-f52b8208a491"
EXT = "meeting-42"


def api(route, body=None, query=None):
    method, path = route.split(" ", 1)
    amr = ["authenticated", f"cognito-idp.us-east-1.amazonaws.com/{POOL}",
           f"cognito-idp.us-east-1.amazonaws.com/{POOL}:CognitoSignIn:{SUB}"]
    return {
        "version": "2.0", "routeKey": route, "rawPath": path,
        "rawQueryString": "&".join(f"{k}={v}" for k, v in (query or {}).items()),
        "headers": {"content-type": "application/json", "cognitoidtoken": "eyJ...",
                    "host": "abc123.execute-api.us-east-1.amazonaws.com"},
        "queryStringParameters": query, "body": json.dumps(body) if body is not None else None,
        "isBase64Encoded": False,
        "requestContext": {
            "accountId": ACCOUNT, "apiId": "abc123", "domainName": "abc123.execute-api.us-east-1.amazonaws.com",
            "http": {"method": method, "path": path, "protocol": "HTTP/1.1", "sourceIp": "198.51.100.7",
                     "userAgent": "agent-app"},
            "authorizer": {"iam": {
                "accessKey": "ASIAEXAMPLE", "accountId": ACCOUNT, "callerId": "AROAEXAMPLE:CognitoIdentityCredentials",
                "cognitoIdentity": {"amr": amr, "identityId": "us-east-1:11111111-2222-3333-4444-555555555555",
                                    "identityPoolId": "us-east-1:66666666-7777-8888-9999-000000000000"},
                "principalOrgId": None,
                "userArn": f"arn:aws:sts::{ACCOUNT}:assumed-role/agent-app-auth/CognitoIdentityCredentials",
                "userId": "AROAEXAMPLE:CognitoIdentityCredentials"}},
            "requestId": "c6af9ac6-7b61-11e6-9a41-93e8deadbeef", "routeKey": route, "stage": "$default",
            "time": "02/Jan/2026:03:04:05 +0000", "timeEpoch": 1767323045000}}


def chime(detail_type, detail):
    return {"version": "0", "id": "9e11e429-97fd-9532-5670-fac3f7abc05f", "detail-type": detail_type,
            "source": "aws.chime", "account": ACCOUNT, "time": "2026-01-02T03:04:05Z", "region": "us-east-1",
            "resources": [], "detail": dict(version="0", timestamp=1767323045000, mediaRegion="us-east-1", **detail)}


def pipeline(kind, **extra):
    return chime("Chime Media Pipeline State Change",
                 dict(eventType=f"chime:MediaPipeline{kind}", meetingId=MEETING, mediaPipelineId=PIPELINE, **extra))


EVENTS = {
    "video-start-recording.json": api("POST /recording", {
        "externalMeetingId": EXT, "connectContactId": "b4e1e7a0-1c2d-4e3f-8a9b-0c1d2e3f4a5b",
        "videoRecordingPlaybackURL": f"https://agent.example.com/recording/{EXT}"}),
    "video-stop-recording.json": api("DELETE /recording", {"externalMeetingId": EXT}),
    "video-recording-summary.json": api("GET /recording-summary", None, {"externalMeetingId": EXT}),
    "video-meeting-ended.json": chime("Chime Meeting State Change", {
        "eventType": "chime:MeetingEnded", "meetingId": MEETING, "externalMeetingId": EXT}),
    "video-pipeline-attendee-joined.json": chime("Chime Meeting State Change", {
        "eventType": "chime:AttendeeJoined", "meetingId": MEETING, "externalMeetingId": EXT,
        "attendeeId": "a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d", "externalUserId": "aws:MediaPipeline-4ae1f"}),
    "video-pipeline-in-progress.json": pipeline("InProgress", externalMeetingId=EXT),
    "video-pipeline-deleted.json": pipeline("Deleted", externalMeetingId=EXT),
    "video-pipeline-permanent-failure.json": pipeline("PermanentFailure"),
    "video-object-created.json": {
        "version": "0", "id": "17793124-05d4-b198-2fde-7ededc63b103", "detail-type": "Object Created",
        "source": "aws.s3", "account": ACCOUNT, "time": "2026-01-02T03:14:05Z", "region": "us-east-1",
        "resources": ["arn:aws:s3:::vce-recordings"],
        "detail": {"version": "0", "bucket": {"name": "vce-recordings"}, "object": {
            "key": "RECORDINGS/2026/01/02/03/3f2a9c4e-8b7d-4e6f-9a1b-2c3d4e5f6a7b/audio/"
                   "5c6d7e8f-9a0b-4c1d-8e2f-3a4b5c6d7e8f.mp4",
            "size": 48213344, "etag": "b1946ac92492d2347c6235b4d2611184", "sequencer": "00617F08299329D189"},
            "request-id": "N4N7GDK58NMKJ12R", "requester": ACCOUNT, "source-ip-address": "203.0.113.15",
            "reason": "CompleteMultipartUpload"}},
}


def write_all(root):
    for name, doc in EVENTS.items():
        with open(os.path.join(root, "events", name), "w") as f:
            json.dump(doc, f, indent=2)
            f.write("\n")


if __name__ == "__main__":
    write_all(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

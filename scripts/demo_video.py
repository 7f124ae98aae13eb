#!/usr/bin/env python3
"""The local video call recording demo (`make demo-video`).

Starts the local AWS stack (moto with SigV4 auth on, the Chime SDK media
pipelines, Connect user and presigned-GET stand-ins) and the Runtime API
emulator, seeds seed 004's world (its DynamoDB table with a meeting, a
Cognito user pool with an agent and a supervisor, Connect users and
hierarchy groups, the recordings bucket with the media pipelines policy),
runs build/bootstrap as _HANDLER=VideoCallRecording and takes a meeting
through: start (the agent), the pipeline's events, stop, the
concatenation, the final MP4's S3 event, the summary (the supervisor) and a
download of the presigned URL. Prints each step; exit status 0 only when the
recording ends AVAILABLE and downloads.
"""
import json
import os
import sys
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests"))
sys.path.insert(0, os.path.join(ROOT, "tests", "integration"))
from stack.localstack import LocalStack  # noqa: E402
from stack.runtime_api import RuntimeApiEmulator  # noqa: E402
from video_env import VideoBootstrap, VideoWorld  # noqa: E402


def say(text):
    print(f"demo-video: {text}", flush=True)


def deliver(fn, events):
    for ev in events:
        fn.invoke(ev)
        say(f"  event {ev['detail-type']}: {ev['detail'].get('eventType', ev['detail'].get('object', {}).get('key'))}")


def main():
    with LocalStack() as st, RuntimeApiEmulator() as rt:
        say(f"local AWS stack on {st.endpoint} (SigV4 auth on); Runtime API emulator on {rt.address}")
        world = VideoWorld(st)
        ext, chime_id = world.meeting(owner="agent1")
        say(f"meeting {ext} (Chime meeting {chime_id}) owned by agent1")
        fn = VideoBootstrap(st, rt, world)
        try:
            status, body = fn.api(world.request("POST /recording", "agent1", {
                "externalMeetingId": ext, "connectContactId": "demo-contact"}))
            say(f"POST /recording -> {status} {json.dumps(body)}")
            rid = body["data"]["recordingId"]
            deliver(fn, world.take_events())
            status, body = fn.api(world.request("DELETE /recording", "agent1", {"externalMeetingId": ext}))
            say(f"DELETE /recording -> {status} {json.dumps(body)}")
            concat = [p for p in world.pipelines() if p["kind"] == "concat"][0]
            say(f"concatenation pipeline {concat['MediaPipelineId']} -> "
                f"{concat['request']['Sinks'][0]['S3BucketSinkConfiguration']['Destination']}")
            st._post(f"/_stack/pipelines/{concat['MediaPipelineId']}/complete", {})
            deliver(fn, world.take_events())
            status, body = fn.api(world.request("GET /recording-summary", "sup1", query={"externalMeetingId": ext}))
            say(f"GET /recording-summary (supervisor) -> {status}")
            print(json.dumps(body, indent=2))
            with urllib.request.urlopen(body["data"][0]["recordingURL"], timeout=30) as r:
                data = r.read()
            say(f"presigned URL downloads {len(data)} bytes (a stand-in MP4) through the signature check")
            item = world.item(f"M#{ext}", f"REC#{rid}")
            say(f"recording state {item['status']['S']}, key {item['recordingS3Object']['S']}")
            say(f"contact attributes: {st.contact_attributes()}")
            ok = item["status"]["S"] == "AVAILABLE" and data[4:8] == b"ftyp"
        finally:
            fn.stop()
    say("done" if ok else "FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

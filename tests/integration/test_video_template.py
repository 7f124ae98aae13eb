"""template.yaml's video call recording block (issue 13): nothing without
VideoTableName; with it, the function, the HTTP API with IAM auth, four
EventBridge rules whose patterns pick the right events, the bucket and
least-privilege IAM."""
import json
import os
import unittest

import helpers

from test_template import all_statements, expand, load_template, resources_of

VIDEO = {"VideoTableName": "vce-db", "VideoConnectInstanceId": "9f1c3b8e-2d4a-4c6b-8e1f-5a7d9c0b3e21",
         "VideoCognitoUserPoolArn": "arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_AbC",
         "VideoPlaybackSecurityProfileId": "p-1", "VideoPlaybackBaseUrl": "https://agent.example.com"}


def with_video():
    return expand(VIDEO)


class VideoTemplateTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.out = with_video()

    def test_everything_is_behind_the_condition(self):
        for name, res in load_template()["Resources"].items():
            if name.startswith("Video"):
                self.assertIn(res.get("Condition"), ("HasVideo", "CreateVideoServiceLinkedRole"), name)

    def test_function_api_and_rules(self):
        fn = self.out["Resources"]["VideoCallRecording"]["Properties"]
        self.assertEqual(fn["Handler"], "VideoCallRecording")
        self.assertLess(fn["Timeout"], 30)
        apis = resources_of(self.out, "AWS::ApiGatewayV2::Api")
        self.assertEqual(len(apis), 1)
        paths = list(apis.values())[0]["Properties"]["Body"]["paths"]
        # each path's methods sit in the SAM transform's Fn::If on HasVideo
        paths = {p: m["Fn::If"][1] if "Fn::If" in m else m for p, m in paths.items()}
        self.assertEqual({p: sorted(m) for p, m in paths.items()},
                         {"/recording": ["delete", "post"], "/recording-summary": ["get"]})
        for methods in paths.values():
            for m in methods.values():
                self.assertIn('"AWS_IAM"', json.dumps(m))
        rules = {k: v for k, v in resources_of(self.out, "AWS::Events::Rule").items() if k.startswith("Video")}
        self.assertEqual(len(rules), 4)
        from moto.events.models import EventPattern
        patterns = [EventPattern.load(json.dumps(r["Properties"]["EventPattern"])) for r in rules.values()]
        with open(os.path.join(helpers.ROOT, "events", "video-pipeline-attendee-joined.json")) as f:
            attendee = json.load(f)
        human = json.loads(json.dumps(attendee))
        human["detail"]["externalUserId"] = "agent1"
        self.assertEqual(sum(p.matches_event(attendee) for p in patterns), 1)
        self.assertEqual(sum(p.matches_event(human) for p in patterns), 0)

    def test_iam_names_its_resources(self):
        role = resources_of(self.out, "AWS::IAM::Role")["VideoCallRecordingRole"]
        for s in all_statements(role["Properties"]["Policies"]):
            self.assertNotEqual(s["Resource"], "*", s)
        bucket = self.out["Resources"]["VideoRecordingBucket"]["Properties"]
        self.assertTrue(bucket["NotificationConfiguration"]["EventBridgeConfiguration"]["EventBridgeEnabled"])
        self.assertEqual(bucket["LifecycleConfiguration"]["Rules"][0]["Prefix"], "captures/")


if __name__ == "__main__":
    unittest.main()

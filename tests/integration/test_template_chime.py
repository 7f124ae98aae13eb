"""template.yaml's Amazon Chime SDK part: both functions exist only when their
parameter is set, run handlers the binary has, the EventBridge rule matches
the real STARTED event and not UPDATED, asynchronous failures end in a queue,
/tmp holds a four-hour call, and IAM is least privilege (the SIP media
application's function may update its table: the seed forgot that)."""
import json
import os
import re
import subprocess
import unittest

import helpers
from test_template import all_statements, expand, resources_of

HANDLERS = ("ChimeVoiceConnectorRecorder", "SmaOnDemandRecording")
CHIME = {"VoiceConnectorId": "abcdef1ghij2klmno3pqr4", "SmaSourcePhone": "+15555550100"}


def role_statements(out, fn):
    role = resources_of(out, "AWS::IAM::Role")[f"{fn}Role"]
    return list(all_statements(role["Properties"].get("Policies", [])))


class ChimeTemplateTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.out = expand(CHIME)

    def test_functions_run_handlers_the_binary_has(self):
        with open(os.path.join(helpers.ROOT, "handler", "handler_table.c")) as f:
            table = f.read()
        fns = resources_of(self.out, "AWS::Lambda::Function")
        for name in HANDLERS:
            props = fns[name]["Properties"]
            self.assertEqual(props["Handler"], name)
            self.assertEqual(props["Runtime"], "provided.al2023")
            c_name = re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()
            self.assertIn(f"&{c_name}_handler", table)
            proc = subprocess.run(["grep", "-rl", f'.name = "{name}"', os.path.join(helpers.ROOT, "handler")],
                                  capture_output=True, text=True)
            self.assertTrue(proc.stdout.strip(), f"no handler named {name}")

    def test_connect_only_deployment_has_neither(self):
        tpl_out = expand()
        for name in ("ChimeVoiceConnectorRecorder", "ChimeCallTable", "SmaOnDemandRecording", "SmaCallRecords",
                     "SmaInvokePermission", "SmaPromptBucket"):
            self.assertIn(tpl_out["Resources"][name].get("Condition"), ("HasVoiceConnector", "HasSma"), name)
        conds = tpl_out["Conditions"]
        self.assertEqual(conds["HasVoiceConnector"], {"Fn::Not": [{"Fn::Equals": [{"Ref": "VoiceConnectorId"}, ""]}]})
        self.assertEqual(conds["HasSma"], {"Fn::Not": [{"Fn::Equals": [{"Ref": "SmaSourcePhone"}, ""]}]})
        for rid, res in tpl_out["Resources"].items():
            if "Chime" in rid or "Sma" in rid:
                self.assertIn("Condition", res, f"{rid} is deployed without its condition")

    def test_rule_matches_the_real_started_event_and_not_updated(self):
        from moto.events.models import EventPattern
        rule = resources_of(self.out, "AWS::Events::Rule")["ChimeVoiceConnectorRecorderStreamingStatus"]
        pattern = json.loads(json.dumps(rule["Properties"]["EventPattern"]).replace(
            '{"Ref": "VoiceConnectorId"}', '"bfggco08s5m5esgxfskzks"'))
        self.assertEqual(pattern["detail"]["streamingStatus"], ["STARTED", "ENDED", "FAILED"])
        p = EventPattern.load(json.dumps(pattern))
        started = os.path.join(helpers.TESTDATA, "chime-call-analytics-recorder", "chime-vc-streaming-started.json")
        updated = os.path.join(helpers.TESTDATA, "chime-eventbridge-docs", "chime-vc-streaming-updated.json")
        if not os.path.exists(started):
            self.skipTest(helpers.SKIP_NO_SHARED)
        with open(started) as f:
            self.assertTrue(p.matches_event(json.load(f)))
        with open(updated) as f:
            ev = json.load(f)
        ev["detail"]["voiceConnectorId"] = "bfggco08s5m5esgxfskzks"
        self.assertFalse(p.matches_event(ev))
        self.assertIn("RetryPolicy", str(rule["Properties"]["Targets"]))

    def test_failures_are_retried_then_queued_and_tmp_holds_four_hours(self):
        cfg = resources_of(self.out, "AWS::Lambda::EventInvokeConfig")["ChimeVoiceConnectorRecorderEventInvokeConfig"]
        p = cfg["Properties"]
        self.assertIn(p["MaximumRetryAttempts"], (1, 2))
        self.assertIn("OnFailure", p["DestinationConfig"])
        fn = resources_of(self.out, "AWS::Lambda::Function")["ChimeVoiceConnectorRecorder"]["Properties"]
        four_hours_two_legs_mb = 2 * 4 * 3600 * 8000 * 2 / 1e6
        self.assertGreater(fn["EphemeralStorage"]["Size"], four_hours_two_legs_mb * 2)  # wideband too
        self.assertEqual(fn["Timeout"], 900)
        self.assertEqual(resources_of(self.out, "AWS::DynamoDB::Table")["ChimeCallTable"]["Properties"]
                         ["TimeToLiveSpecification"], {"AttributeName": "ttl", "Enabled": True})

    def test_iam_is_least_privilege(self):
        for fn in HANDLERS:
            for s in role_statements(self.out, fn):
                self.assertNotEqual(s["Resource"], "*", f"{fn}: {s}")
                actions = s["Action"] if isinstance(s["Action"], list) else [s["Action"]]
                self.assertFalse([a for a in actions if a.endswith(":*")], f"{fn}: {s}")
        sma = {a for s in role_statements(self.out, "SmaOnDemandRecording")
               for a in (s["Action"] if isinstance(s["Action"], list) else [s["Action"]])}
        self.assertIn("dynamodb:UpdateItem", sma)
        vc = str(role_statements(self.out, "ChimeVoiceConnectorRecorder"))
        self.assertIn("stream/ChimeVoiceConnector-${VoiceConnectorId}-*", vc)
        self.assertIn("${S3BucketName}/${ChimeRecordingPrefix}/*", vc)
        perm = resources_of(self.out, "AWS::Lambda::Permission")["SmaInvokePermission"]["Properties"]
        self.assertEqual(perm["Principal"], "voiceconnector.chime.amazonaws.com")
        self.assertIn("SourceAccount", perm)

    def test_outputs_give_the_cli_steps(self):
        outs = self.out["Outputs"]
        self.assertIn("put-voice-connector-streaming-configuration", str(outs["ChimeStreamingSetup"]))
        self.assertIn("create-sip-media-application", str(outs["SmaSetup"]))
        self.assertIn("create-sip-rule", str(outs["SmaSetup"]))


if __name__ == "__main__":
    unittest.main()

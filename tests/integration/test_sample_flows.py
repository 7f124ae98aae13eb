"""SampleFlows/: valid Connect flow-language documents that set recordingAuth
and start and stop media streaming (the recorder needs both)."""
import glob
import json
import os
import unittest

import helpers


class SampleFlowsTest(unittest.TestCase):
    def test_flows_are_well_formed_and_stream_customer_audio(self):
        flows = glob.glob(os.path.join(helpers.ROOT, "SampleFlows", "record-*.json"))
        self.assertTrue(flows)
        for path in flows:
            with open(path) as f:
                flow = json.load(f)
            self.assertEqual(flow["Version"], "2019-10-30", path)
            ids = {a["Identifier"] for a in flow["Actions"]}
            self.assertEqual(len(ids), len(flow["Actions"]), f"{path}: duplicate identifiers")
            self.assertIn(flow["StartAction"], ids)
            for a in flow["Actions"]:
                t = a.get("Transitions", {})
                targets = [t["NextAction"]] if "NextAction" in t else []
                targets += [e["NextAction"] for e in t.get("Errors", [])]
                for target in targets:
                    self.assertIn(target, ids, f"{path}: {a['Identifier']} goes to unknown {target}")
            streaming = [a["Parameters"] for a in flow["Actions"] if a["Type"] == "UpdateContactMediaStreamingBehavior"]
            self.assertEqual(sorted(p["MediaStreamingState"] for p in streaming), ["Disabled", "Enabled"])
            for p in streaming:
                self.assertEqual(p["MediaStreamType"], "Audio")
                self.assertEqual(p["Participants"][0]["ParticipantType"], "Customer")
                self.assertEqual(sorted(p["Participants"][0]["MediaDirections"]), ["From", "To"])
            auth = [a["Parameters"]["Attributes"].get("recordingAuth") for a in flow["Actions"]
                    if a["Type"] == "UpdateContactAttributes"]
            self.assertTrue(auth and auth[0] in ("1", "2", "3"))


class RecordingControlsFlowTest(unittest.TestCase):
    """SampleFlows/recording-controls-guide.json (issue 14): every flow in
    SampleFlows/ is well formed; the guide invokes ConnectRecordingControl
    for each button as the handler expects and shows the state."""

    def load(self, name):
        with open(os.path.join(helpers.ROOT, "SampleFlows", name)) as f:
            return json.load(f)

    def test_every_flow_is_well_formed(self):
        for path in glob.glob(os.path.join(helpers.ROOT, "SampleFlows", "*.json")):
            flow = self.load(os.path.basename(path))
            self.assertEqual(flow["Version"], "2019-10-30", path)
            ids = [a["Identifier"] for a in flow["Actions"]]
            self.assertEqual(len(set(ids)), len(ids), path)
            self.assertIn(flow["StartAction"], ids)
            for a in flow["Actions"]:
                t = a.get("Transitions", {})
                targets = [t["NextAction"]] if "NextAction" in t else []
                targets += [e["NextAction"] for e in t.get("Errors", []) + t.get("Conditions", [])]
                for target in targets:
                    self.assertIn(target, ids, f"{path}: {a['Identifier']} goes to unknown {target}")

    def test_each_button_invokes_the_function_with_its_operation(self):
        flow = self.load("recording-controls-guide.json")
        by_id = {a["Identifier"]: a for a in flow["Actions"]}
        view = by_id[flow["StartAction"]]
        self.assertEqual(view["Type"], "ShowView")
        buttons = {c["Condition"]["Operands"][0]: c["NextAction"] for c in view["Transitions"]["Conditions"]}
        self.assertEqual(set(buttons), {"Start", "Pause", "Resume", "Stop"})
        for button, target in buttons.items():
            invoke = by_id[target]
            self.assertEqual(invoke["Type"], "InvokeLambdaFunction")
            p = invoke["Parameters"]
            self.assertEqual(p["LambdaInvocationAttributes"]["operation"], button.upper())
            self.assertEqual(p["LambdaInvocationAttributes"]["initialContactId"], "$.Attributes.initialContactId")
            self.assertLessEqual(int(p["InvocationTimeLimitSeconds"]), 8)
            self.assertEqual(p["ResponseValidation"]["ResponseType"], "STRING_MAP")
            check = by_id[invoke["Transitions"]["NextAction"]]
            self.assertEqual(check["Parameters"]["ComparisonValue"], "$.External.statusCode")
            state = by_id[check["Transitions"]["Conditions"][0]["NextAction"]]
            self.assertIn("callRecordingStatus", state["Parameters"]["Attributes"])

    def test_the_transfer_flow_keeps_streaming_through_the_external_call(self):
        flow = self.load("record-transfer-external.json")
        order, at = [], flow["StartAction"]
        by_id = {a["Identifier"]: a for a in flow["Actions"]}
        while at:
            order.append(by_id[at]["Type"])
            at = by_id[at].get("Transitions", {}).get("NextAction")
        self.assertLess(order.index("UpdateContactMediaStreamingBehavior"), order.index("TransferParticipantToThirdParty"))
        transfer = next(a for a in flow["Actions"] if a["Type"] == "TransferParticipantToThirdParty")
        self.assertEqual(transfer["Parameters"]["ContinueFlowExecution"], "True")
        self.assertEqual(by_id[transfer["Transitions"]["NextAction"]]["Parameters"]["MediaStreamingState"], "Disabled")


if __name__ == "__main__":
    unittest.main()

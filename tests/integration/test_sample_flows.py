"""SampleFlows/: valid Connect flow-language documents that set recordingAuth
and start and stop media streaming (the recorder needs both)."""
import glob
import json
import os
import unittest

import helpers


class SampleFlowsTest(unittest.TestCase):
    def test_flows_are_well_formed_and_stream_customer_audio(self):
        flows = glob.glob(os.path.join(helpers.ROOT, "SampleFlows", "*.json"))
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


if __name__ == "__main__":
    unittest.main()

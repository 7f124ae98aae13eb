"""template.yaml's production block: the Kinesis trigger's batch size and
parallelization factor as parameters, the read mode and metrics namespace
reaching the function, the archived-media permissions, and the two alarms
(the on-failure queue's depth; RecordingFailures with the dimensions the
function's metric lines carry)."""
import unittest

from test_template import all_statements, expand, load_template, resources_of


class TemplateProductionTest(unittest.TestCase):
    def test_batch_size_and_parallelization_factor_are_parameters(self):
        out = expand({"CtrBatchSize": 25, "CtrParallelizationFactor": 4})
        (_, esm), = resources_of(out, "AWS::Lambda::EventSourceMapping").items()
        self.assertEqual(esm["Properties"]["BatchSize"], {"Ref": "CtrBatchSize"})
        self.assertEqual(esm["Properties"]["ParallelizationFactor"], {"Ref": "CtrParallelizationFactor"})
        params = load_template()["Parameters"]
        self.assertEqual((params["CtrBatchSize"]["Default"], params["CtrParallelizationFactor"]["Default"]), (10, 1))
        self.assertEqual(params["CtrParallelizationFactor"]["MaxValue"], 10)  # Lambda's limit

    def test_the_function_gets_the_read_mode_and_namespace_and_may_list_fragments(self):
        out = expand({"KvsReadMode": "fragment-list", "MetricsNamespace": "Team/Rec"})
        fn = resources_of(out, "AWS::Lambda::Function")["ProcessKvsRecording"]
        env = fn["Properties"]["Environment"]["Variables"]
        self.assertEqual((env["KVS_READ_MODE"], env["METRICS_NAMESPACE"]),
                         ({"Ref": "KvsReadMode"}, {"Ref": "MetricsNamespace"}))
        self.assertEqual(load_template()["Parameters"]["KvsReadMode"]["AllowedValues"],
                         ["auto", "getmedia", "fragment-list"])
        actions = {a for st in all_statements(out["Resources"]) for a in
                   ([st["Action"]] if isinstance(st.get("Action"), str) else st.get("Action", []))}
        self.assertTrue({"kinesisvideo:ListFragments", "kinesisvideo:GetMediaForFragmentList"} <= actions)

    def test_every_function_writes_its_metric_lines_to_the_one_namespace(self):
        # Unset, a function would use bootstrap's default namespace whatever MetricsNamespace says
        # (and "" would not turn its metrics off).
        fns = resources_of(expand({"MetricsNamespace": "Team/Rec"}), "AWS::Lambda::Function")
        handlers = {k: f for k, f in fns.items() if f["Properties"].get("Runtime") == "provided.al2023"}
        self.assertEqual(set(handlers), {"ProcessKvsRecording", "ConnectRecordingControl", "ChimeVoiceConnectorRecorder",
                                         "SmaOnDemandRecording", "VideoCallRecording"})
        for name, fn in handlers.items():
            with self.subTest(name):
                self.assertEqual(fn["Properties"]["Environment"]["Variables"]["METRICS_NAMESPACE"],
                                 {"Ref": "MetricsNamespace"})

    def test_two_alarms_watch_the_failure_queue_and_recording_failures(self):
        out = expand({"MetricsNamespace": "Team/Rec"})
        alarms = resources_of(out, "AWS::CloudWatch::Alarm")
        queue = alarms["FailedRecordsAlarm"]["Properties"]
        self.assertEqual((queue["Namespace"], queue["MetricName"]), ("AWS/SQS", "ApproximateNumberOfMessagesVisible"))
        self.assertEqual(queue["Dimensions"][0]["Value"], {"Fn::GetAtt": ["FailedContactTraceRecords", "QueueName"]})
        rec = alarms["RecordingFailuresAlarm"]["Properties"]
        self.assertEqual((rec["Namespace"], rec["MetricName"], rec["Statistic"]),
                         ({"Ref": "MetricsNamespace"}, "RecordingFailures", "Sum"))
        self.assertEqual(load_template()["Parameters"]["MetricsNamespace"]["Default"], "ConnectKvsRecorder")
        # the dimensions of the metric lines' first set (common/metrics.h)
        self.assertEqual([d["Name"] for d in rec["Dimensions"]], ["FunctionName", "Handler"])
        self.assertEqual(rec["Dimensions"][0]["Value"], {"Ref": "ProcessKvsRecording"})
        self.assertEqual(rec["Threshold"], 0)

    def test_metrics_off_removes_the_metric_alarm_only(self):
        out = expand({"MetricsNamespace": ""})
        self.assertEqual(out["Conditions"]["HasMetrics"], {"Fn::Not": [{"Fn::Equals": [{"Ref": "MetricsNamespace"}, ""]}]})
        self.assertEqual(out["Resources"]["RecordingFailuresAlarm"]["Condition"], "HasMetrics")
        self.assertNotIn("Condition", out["Resources"]["FailedRecordsAlarm"])

    def test_the_siblings_failure_queues_and_failures_are_alarmed_behind_their_conditions(self):
        out = expand()
        alarms = resources_of(out, "AWS::CloudWatch::Alarm")
        for alarm, queue, cond in (("ChimeFailedEventsAlarm", "ChimeFailedEvents", "HasVoiceConnector"),
                                   ("VideoFailedEventsAlarm", "VideoFailedEvents", "HasVideo")):
            with self.subTest(alarm):
                props = alarms[alarm]["Properties"]
                self.assertEqual(props["MetricName"], "ApproximateNumberOfMessagesVisible")
                self.assertEqual(props["Dimensions"][0]["Value"], {"Fn::GetAtt": [queue, "QueueName"]})
                self.assertEqual(out["Resources"][alarm]["Condition"], cond)
        chime = alarms["ChimeRecordingFailuresAlarm"]["Properties"]
        self.assertEqual(chime["MetricName"], "RecordingFailures")
        self.assertEqual([d["Value"] for d in chime["Dimensions"]],
                         [{"Ref": "ChimeVoiceConnectorRecorder"}, "ChimeVoiceConnectorRecorder"])
        self.assertEqual(out["Resources"]["ChimeRecordingFailuresAlarm"]["Condition"], "HasVoiceConnectorMetrics")
        self.assertEqual(out["Conditions"]["HasVoiceConnectorMetrics"],
                         {"Fn::And": [{"Condition": "HasVoiceConnector"}, {"Condition": "HasMetrics"}]})


if __name__ == "__main__":
    unittest.main()

"""template.yaml: cfn-lint passes and the SAM translator expands it into what
the function needs (runtime, handler, event source mapping with partial batch
responses and bounded retries, least-privilege IAM, log retention)."""
import os
import subprocess
import unittest

import helpers

TEMPLATE = os.path.join(helpers.ROOT, "template.yaml")
PARAMS = {
    "S3BucketName": "my-recordings",
    "CloudFrontDomain": "https://d111111abcdef8.cloudfront.net",
    "CtrStreamArn": "arn:aws:kinesis:us-east-1:123456789012:stream/ctr",
    "ConnectInstanceArn": "arn:aws:connect:us-east-1:123456789012:instance/9f1c3b8e-2d4a-4c6b-8e1f-5a7d9c0b3e21",
}


def load_template():
    from samtranslator.yaml_helper import yaml_parse
    with open(TEMPLATE) as f:
        return yaml_parse(f.read())


class StaticPolicyLoader:
    """The translator asks IAM for managed policy ARNs; offline we name them."""

    def load(self):
        names = ["AWSLambdaBasicExecutionRole", "AWSLambdaKinesisExecutionRole", "AWSXrayWriteOnlyAccess",
                 "AWSLambdaSQSQueueExecutionRole"]
        return {n: f"arn:aws:iam::aws:policy/service-role/{n}" for n in names}


def expand(extra=None):
    from samtranslator.public.translator import ManagedPolicyLoader  # noqa: F401  (import check)
    from samtranslator.translator.transform import transform
    os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")  # pseudo parameters need a region
    tpl = load_template()
    # What `sam package` does before CloudFormation sees it: code in S3.
    for res in tpl["Resources"].values():
        if res["Type"] == "AWS::Serverless::Function":
            res["Properties"]["CodeUri"] = "s3://artifacts/bootstrap.zip"
    return transform(tpl, dict(PARAMS, **(extra or {})), StaticPolicyLoader())


def all_statements(node):
    """Every IAM statement under node, including both branches of Fn::If."""
    if isinstance(node, dict):
        for k, v in node.items():
            if k == "Statement":
                yield from v
            else:
                yield from all_statements(v)
    elif isinstance(node, list):
        for v in node:
            yield from all_statements(v)


def resources_of(out, cfn_type):
    return {k: v for k, v in out["Resources"].items() if v["Type"] == cfn_type}


class TemplateTest(unittest.TestCase):
    def test_cfn_lint_passes(self):
        proc = subprocess.run(["cfn-lint", TEMPLATE], capture_output=True, text=True, timeout=300)
        self.assertEqual(proc.returncode, 0, proc.stdout + proc.stderr)

    def test_function_runs_bootstrap_on_provided_al2023_built_by_make(self):
        tpl = load_template()
        fn = tpl["Resources"]["ProcessKvsRecording"]
        self.assertEqual(fn["Metadata"]["BuildMethod"], "makefile")
        out = expand()
        lam = resources_of(out, "AWS::Lambda::Function")["ProcessKvsRecording"]
        props = lam["Properties"]
        self.assertEqual(props["Runtime"], "provided.al2023")
        self.assertEqual(props["Handler"], "bootstrap")
        env = props["Environment"]["Variables"]
        for var in ("REGION", "RECORDINGS_BUCKET_NAME", "RECORDINGS_KEY_PREFIX", "START_SELECTOR_TYPE",
                    "CLOUDFRONT_DOMAIN"):
            self.assertIn(var, env)

    def test_every_function_built_by_make_has_its_build_target(self):
        # sam build runs `make build-<LogicalId>` with ARTIFACTS_DIR for each
        # function; a target missing or not writing the bootstrap fails the
        # deployment. Dry run, the static sub-make replaced by `true`.
        built = [name for name, res in load_template()["Resources"].items()
                 if res["Type"] == "AWS::Serverless::Function"
                 and res.get("Metadata", {}).get("BuildMethod") == "makefile"]
        self.assertIn("ProcessKvsRecording", built)
        self.assertIn("ConnectRecordingControl", built)
        for name in built:
            with self.subTest(name):
                proc = subprocess.run(["make", "--no-print-directory", "-n", f"build-{name}",
                                       "ARTIFACTS_DIR=/artifacts-of-the-test", "MAKE=true"],
                                      cwd=helpers.ROOT, capture_output=True, text=True, timeout=60)
                self.assertEqual(proc.returncode, 0, proc.stderr)
                self.assertIn("strip -o /artifacts-of-the-test/bootstrap", proc.stdout)

    def test_output_format_reaches_the_function_with_the_formats_it_knows(self):
        tpl = load_template()
        self.assertEqual(tpl["Parameters"]["OutputFormat"]["AllowedValues"], ["wav", "flac", "mp3", "opus"])
        self.assertEqual(tpl["Parameters"]["OutputFormat"]["Default"], "wav")
        lam = resources_of(expand(), "AWS::Lambda::Function")["ProcessKvsRecording"]
        env = lam["Properties"]["Environment"]["Variables"]
        self.assertIn("OUTPUT_FORMAT", env)
        self.assertIn("OUTPUT_BITRATE_KBPS", env)
        # the memory follows the format (README "Lambda cost per recorded hour and MemorySize"): every format has a size
        sizes = tpl["Mappings"]["FormatMemory"]
        self.assertEqual(sorted(sizes), sorted(tpl["Parameters"]["OutputFormat"]["AllowedValues"]))
        self.assertEqual(sizes["wav"]["MemorySize"], 128)

    def test_kinesis_mapping_reports_batch_item_failures_and_gives_up_eventually(self):
        out = expand()
        (_, esm), = resources_of(out, "AWS::Lambda::EventSourceMapping").items()
        p = esm["Properties"]
        self.assertEqual(p["FunctionResponseTypes"], ["ReportBatchItemFailures"])
        self.assertTrue(p["BisectBatchOnFunctionError"])
        # Bounded and small: -1 (the default) retries until the record expires,
        # and every retry re-records the whole contact.
        self.assertIn(p["MaximumRetryAttempts"], range(1, 11))
        self.assertGreater(p["MaximumRecordAgeInSeconds"], 0)
        self.assertIn("OnFailure", p["DestinationConfig"])
        self.assertEqual(p["EventSourceArn"], {"Ref": "CtrStreamArn"})

    def test_iam_is_least_privilege(self):
        out = expand()
        role = resources_of(out, "AWS::IAM::Role")["ProcessKvsRecordingRole"]
        statements = list(all_statements(role["Properties"].get("Policies", [])))
        by_action = {}
        for s in statements:
            actions = s["Action"] if isinstance(s["Action"], list) else [s["Action"]]
            for a in actions:
                by_action.setdefault(a, []).append(s["Resource"])
        for action in ("kinesisvideo:GetMedia", "kinesisvideo:GetDataEndpoint", "s3:PutObject",
                       "s3:AbortMultipartUpload", "connect:UpdateContactAttributes"):
            self.assertIn(action, by_action)
            for res in by_action[action]:
                self.assertNotEqual(res, "*", f"{action} on every resource")
        s3_res = str(by_action["s3:PutObject"])
        self.assertIn("${S3BucketName}/${S3BucketPrefix}*", s3_res)
        self.assertNotIn("s3:*", by_action)
        for res in by_action.get("kms:Decrypt", []) + by_action.get("kms:GenerateDataKey", []):
            self.assertIn(res, ({"Ref": "S3KmsKeyArn"}, {"Ref": "KvsKmsKeyArn"}))

    def test_kms_permissions_appear_only_with_a_key(self):
        out = expand({"KvsKmsKeyArn": "arn:aws:kms:us-east-1:123456789012:key/abc"})
        role = resources_of(out, "AWS::IAM::Role")["ProcessKvsRecordingRole"]
        guarded = {}
        for pol in role["Properties"]["Policies"]:
            if "kms:" not in str(pol):
                continue
            # Kept behind the template's conditions: no key, no statement.
            self.assertIn("Fn::If", pol)
            cond, with_key, without_key = pol["Fn::If"]
            self.assertEqual(without_key, {"Ref": "AWS::NoValue"})
            actions = set()
            for s in all_statements([with_key]):
                actions.update(s["Action"] if isinstance(s["Action"], list) else [s["Action"]])
            guarded[cond] = actions
        # Both statements must exist: a template that lost one would pass a
        # loop over whatever is there.
        self.assertIn("kms:Decrypt", guarded.get("HasKvsKms", set()))
        self.assertTrue({"kms:GenerateDataKey", "kms:Decrypt"} <= guarded.get("HasS3Kms", set()),
                        guarded)
        for cond, param in (("HasKvsKms", "KvsKmsKeyArn"), ("HasS3Kms", "S3KmsKeyArn")):
            self.assertEqual(out["Conditions"][cond], {"Fn::Not": [{"Fn::Equals": [{"Ref": param}, ""]}]})

    def test_log_group_has_retention(self):
        out = expand()
        groups = resources_of(out, "AWS::Logs::LogGroup")
        self.assertTrue(groups)
        for g in groups.values():
            self.assertIn("RetentionInDays", g["Properties"])


class RecordingControlTemplateTest(unittest.TestCase):
    """The ConnectRecordingControl function (issue 14)."""

    def test_function_is_the_same_bootstrap_with_its_handler(self):
        tpl = load_template()
        fn = tpl["Resources"]["ConnectRecordingControl"]
        self.assertEqual(fn["Metadata"]["BuildMethod"], "makefile")
        with open(os.path.join(helpers.ROOT, "Makefile")) as f:
            self.assertIn("build-ConnectRecordingControl:", f.read())
        props = resources_of(expand(), "AWS::Lambda::Function")["ConnectRecordingControl"]["Properties"]
        self.assertEqual(props["Handler"], "ConnectRecordingControl")
        self.assertEqual(props["Runtime"], "provided.al2023")
        self.assertEqual((props["MemorySize"], props["Timeout"]), (128, 8))
        self.assertIn("INSTANCE_ID", props["Environment"]["Variables"])
        # The handler table knows the name.
        # (A crash or another init error before the lookup would also lack
        # "UnknownHandler": the handler's own ready line is what shows it was found.)
        env = dict(os.environ, _HANDLER="ConnectRecordingControl", AWS_LAMBDA_RUNTIME_API="127.0.0.1:9",
                   AWS_REGION="us-east-1", AWS_ACCESS_KEY_ID="AKIDEXAMPLE", AWS_SECRET_ACCESS_KEY="x",
                   AWS_LAMBDA_LOG_FORMAT="TEXT")
        proc = subprocess.run([helpers.program("bootstrap")], env=env, capture_output=True, text=True, timeout=60)
        self.assertNotIn("UnknownHandler", proc.stdout + proc.stderr)
        self.assertIn("runtime ready handler=ConnectRecordingControl", proc.stdout + proc.stderr)

    def test_policy_allows_the_six_actions_on_the_instances_contacts_only(self):
        out = expand()
        role = resources_of(out, "AWS::IAM::Role")["ConnectRecordingControlRole"]
        statements = list(all_statements(role["Properties"].get("Policies", [])))
        actions = set()
        for s in statements:
            actions |= set(s["Action"] if isinstance(s["Action"], list) else [s["Action"]])
            self.assertEqual(s["Resource"], {"Fn::Sub": "${ConnectInstanceArn}/contact/*"})
        self.assertEqual(actions, {f"connect:{a}" for a in (
            "StartContactRecording", "StopContactRecording", "SuspendContactRecording",
            "ResumeContactRecording", "GetContactAttributes", "UpdateContactAttributes")})

    def test_connect_may_invoke_it_and_lists_it_in_the_flow_designer(self):
        out = expand()
        perm = resources_of(out, "AWS::Lambda::Permission")["ConnectRecordingControlPermission"]["Properties"]
        self.assertEqual(perm["Principal"], "connect.amazonaws.com")
        self.assertEqual(perm["SourceArn"], {"Ref": "ConnectInstanceArn"})
        assoc = resources_of(out, "AWS::Connect::IntegrationAssociation")["ConnectRecordingControlAssociation"]
        self.assertEqual(assoc["Properties"]["IntegrationType"], "LAMBDA_FUNCTION")
        self.assertEqual(assoc["Properties"]["IntegrationArn"], {"Fn::GetAtt": ["ConnectRecordingControl", "Arn"]})


if __name__ == "__main__":
    unittest.main()

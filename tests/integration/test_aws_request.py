"""Our signed request layer and S3 client against the local AWS stack, auth on.

Runs $BUILD_DIR/drivers/s3_roundtrip (configured from the environment the
stack gives, as the Lambda function is) and checks what it reports and what the
stack saw (request log: one entry per attempt).
"""
import json
import os
import subprocess
import sys
import unittest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "tests"))
DRIVER = os.path.join(ROOT, os.environ.get("BUILD_DIR", "build"), "drivers", "s3_roundtrip")
BUCKET = "recordings"

from stack.localstack import LocalStack  # a broken stack is a failure, not a skip


class AwsRequestTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.stack = LocalStack().start()

    @classmethod
    def tearDownClass(cls):
        cls.stack.stop()

    def setUp(self):
        self.stack.clear_faults()
        self.stack.clear_request_log()

    def run_driver(self, args, temporary=False, secret=None, timeout=120):
        env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        env.update(self.stack.env(temporary=temporary, secret=secret))
        env["AWS_LAMBDA_LOG_FORMAT"] = "JSON"
        p = subprocess.run([DRIVER, "--base-delay-ms", "20"] + args, capture_output=True,
                           text=True, env=env, timeout=timeout, cwd=ROOT)
        results, logs = [], []
        for line in p.stdout.splitlines():
            obj = json.loads(line)
            (logs if "level" in obj else results).append(obj)
        return p, results, logs

    def attempts_seen(self, method, key):
        return [r for r in self.stack.request_log()
                if r["method"] == method and r["path"] == f"/{BUCKET}/{key}"]

    def test_put_and_get_with_the_right_secret(self):
        key = "recordings/2024/2/25/c-1_audio_from_customer.wav"
        p, res, _ = self.run_driver(["roundtrip", BUCKET, key, "--size", "300000",
                                     "--content-type", "audio/wav", "--meta", "contact-id=c-1",
                                     "--sse", "AES256"])
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        put, get = res
        self.assertEqual((put["rc"], put["status"], put["attempts"]), (0, 200, 1))
        self.assertEqual(get["sha256"], put["sha256"])
        self.assertEqual(get["bytes"], 300000)
        self.assertEqual(get["content_type"], "audio/wav")
        self.assertEqual(get["meta_contact_id"], "c-1")
        # and boto3 sees the same object, metadata and encryption
        obj = self.stack.client("s3").get_object(Bucket=BUCKET, Key=key)
        self.assertEqual(len(obj["Body"].read()), 300000)
        self.assertEqual(obj["Metadata"], {"contact-id": "c-1"})
        self.assertEqual(obj["ContentType"], "audio/wav")
        self.assertEqual(obj.get("ServerSideEncryption"), "AES256")
        p, res, _ = self.run_driver(["head", BUCKET, key])
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)

    def test_wrong_secret_is_signature_does_not_match_and_not_retried(self):
        p, res, logs = self.run_driver(["put", BUCKET, "wrong-secret.bin"],
                                       secret="not-the-secret-key-at-all")
        self.assertEqual(p.returncode, 1)
        put = res[0]
        self.assertEqual(put["error"], "AWS service error")
        self.assertEqual(put["status"], 403)
        self.assertEqual(put["code"], "SignatureDoesNotMatch")
        self.assertFalse(put["retriable"])
        self.assertEqual(put["attempts"], 1)
        self.assertEqual(len(self.attempts_seen("PUT", "wrong-secret.bin")), 1)
        self.assertEqual([l for l in logs if l["level"] == "WARN"], [])

    def test_temporary_credentials_with_session_token(self):
        p, res, _ = self.run_driver(["roundtrip", BUCKET, "temporary.bin", "--size", "1234"],
                                    temporary=True)
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        self.assertEqual([r["rc"] for r in res], [0, 0])
        # the same keys without their token are refused
        env_missing_token = self.stack.env(temporary=True)
        env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        env.update(env_missing_token)
        del env["AWS_SESSION_TOKEN"]
        q = subprocess.run([DRIVER, "put", BUCKET, "no-token.bin"], capture_output=True, text=True,
                           env=env, timeout=60)
        self.assertEqual(q.returncode, 1)
        self.assertEqual(json.loads(q.stdout.splitlines()[-1])["status"], 403)

    def test_injected_503_slowdown_is_retried_then_succeeds(self):
        key = "retry-503.bin"
        self.stack.inject_fault(method="PUT", path_prefix=f"/{BUCKET}/{key}", status=503,
                                code="SlowDown", count=2, error_format="xml")
        p, res, logs = self.run_driver(["put", BUCKET, key])
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        self.assertEqual(res[0]["attempts"], 3)
        seen = self.attempts_seen("PUT", key)
        self.assertEqual([r["status"] for r in seen], [503, 503, 200])
        warns = [l for l in logs if l["level"] == "WARN"]
        self.assertEqual(len(warns), 2)
        self.assertTrue(all(w["code"] == "SlowDown" and w["status"] == 503 for w in warns))
        text = json.dumps(warns)
        self.assertNotIn(self.stack.user_credentials[1], text)
        self.assertNotIn("Signature=", text)

    def test_injected_throttling_is_retried_then_succeeds(self):
        key = "retry-throttle.bin"
        self.stack.inject_fault(method="GET", path_prefix=f"/{BUCKET}/{key}", status=400,
                                code="ThrottlingException", count=2, error_format="json")
        self.stack.client("s3").put_object(Bucket=BUCKET, Key=key, Body=b"abc")
        self.stack.clear_request_log()
        p, res, logs = self.run_driver(["get", BUCKET, key])
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        self.assertEqual(res[0]["attempts"], 3)
        self.assertEqual(res[0]["bytes"], 3)
        self.assertEqual([r["status"] for r in self.attempts_seen("GET", key)], [400, 400, 200])
        self.assertTrue(all(l["code"] == "ThrottlingException"
                            for l in logs if l["level"] == "WARN"))

    def test_injected_403_is_not_retried(self):
        key = "forbidden.bin"
        self.stack.inject_fault(method="PUT", path_prefix=f"/{BUCKET}/{key}", status=403,
                                code="AccessDenied", count=5, error_format="xml")
        p, res, _ = self.run_driver(["put", BUCKET, key])
        self.assertEqual(p.returncode, 1)
        self.assertEqual((res[0]["status"], res[0]["code"], res[0]["retriable"],
                          res[0]["attempts"]), (403, "AccessDenied", False, 1))
        self.assertEqual(len(self.attempts_seen("PUT", key)), 1)

    def test_persistent_5xx_exhausts_attempts_and_reports_retriable(self):
        key = "always-500.bin"
        self.stack.inject_fault(method="PUT", path_prefix=f"/{BUCKET}/{key}", status=500,
                                code="InternalError", count=10, error_format="xml")
        p, res, _ = self.run_driver(["--max-attempts", "3", "put", BUCKET, key])
        self.assertEqual(p.returncode, 1)
        self.assertEqual((res[0]["code"], res[0]["retriable"], res[0]["attempts"]),
                         ("InternalError", True, 3))
        self.assertEqual(len(self.attempts_seen("PUT", key)), 3)

    def test_keys_needing_encoding_round_trip(self):
        # moto wrongly rejects keys with '+', '%' or non-ASCII (boto3's requests
        # too: REFERENCE.md section 6), so only what it verifies correctly here.
        for key in ["with space/a b.wav", "dir//x~y.wav", "recordings/./dot/../x.wav"]:
            with self.subTest(key=key):
                p, res, _ = self.run_driver(["roundtrip", BUCKET, key, "--size", "10"])
                self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
                body = self.stack.client("s3").get_object(Bucket=BUCKET, Key=key)["Body"].read()
                self.assertEqual(len(body), 10)

    def test_missing_object_is_not_found(self):
        p, res, _ = self.run_driver(["get", BUCKET, "does-not-exist.bin"])
        self.assertEqual(p.returncode, 1)
        self.assertEqual((res[0]["error"], res[0]["status"], res[0]["code"], res[0]["retriable"]),
                         ("not found", 404, "NoSuchKey", False))


if __name__ == "__main__":
    unittest.main()

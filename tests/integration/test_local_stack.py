"""The local AWS stack rejects what real AWS would reject and serves what the
recorder needs: moto with auth on, plus the KVS and Connect routes."""
import os
import time
import unittest

import botocore.exceptions

import helpers
from stack.localstack import DEFAULT_BUCKET, LocalStack

CAPTURE = os.path.join(helpers.TESTDATA, "kvs-parser-library", "output_get_media.mkv")


def error_code(exc):
    return exc.response["Error"]["Code"]


class LocalStackTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.st = LocalStack().start()

    @classmethod
    def tearDownClass(cls):
        cls.st.stop()

    def setUp(self):
        self.st.clear_faults()

    def test_s3_accepts_botocore_signature_and_rejects_a_wrong_secret(self):
        self.st.client("s3").put_object(Bucket=DEFAULT_BUCKET, Key="ok.txt", Body=b"1")
        with self.assertRaises(botocore.exceptions.ClientError) as cm:
            self.st.client("s3", secret="not-the-secret").put_object(Bucket=DEFAULT_BUCKET, Key="bad.txt", Body=b"1")
        self.assertEqual(error_code(cm.exception), "SignatureDoesNotMatch")
        keys = [o["Key"] for o in self.st.client("s3").list_objects_v2(Bucket=DEFAULT_BUCKET).get("Contents", [])]
        self.assertIn("ok.txt", keys)
        self.assertNotIn("bad.txt", keys)

    def test_temporary_credentials_work_and_need_their_token(self):
        ak, sk, token = self.st.session_credentials
        self.assertTrue(ak.startswith("ASIA"))
        self.st.client("s3", temporary=True).put_object(Bucket=DEFAULT_BUCKET, Key="tmp.txt", Body=b"1")
        import boto3
        no_token = boto3.client("s3", region_name=self.st.region, endpoint_url=self.st.endpoint,
                                aws_access_key_id=ak, aws_secret_access_key=sk)
        with self.assertRaises(botocore.exceptions.ClientError):
            no_token.put_object(Bucket=DEFAULT_BUCKET, Key="tmp2.txt", Body=b"1")

    def test_iam_rejects_an_unknown_key(self):
        import boto3
        iam = boto3.client("iam", region_name=self.st.region, endpoint_url=self.st.endpoint,
                           aws_access_key_id="AKIAUNKNOWNUNKNOWN00", aws_secret_access_key="x")
        with self.assertRaises(botocore.exceptions.ClientError) as cm:
            iam.list_users()
        self.assertEqual(error_code(cm.exception), "InvalidClientTokenId")

    def test_connect_update_contact_attributes_is_signed_and_stored(self):
        self.st.client("connect", temporary=True).update_contact_attributes(
            InitialContactId="contact-1", InstanceId="inst-1", Attributes={"audioMixed": "https://x/y.wav"})
        self.assertEqual(self.st.contact_attributes()["inst-1/contact-1"], {"audioMixed": "https://x/y.wav"})
        with self.assertRaises(botocore.exceptions.ClientError) as cm:
            self.st.client("connect", secret="wrong").update_contact_attributes(
                InitialContactId="contact-2", InstanceId="inst-1", Attributes={"a": "b"})
        self.assertEqual(error_code(cm.exception), "SignatureDoesNotMatch")
        self.assertNotIn("inst-1/contact-2", self.st.contact_attributes())

    def test_injected_faults_answer_the_next_matching_requests_then_stop(self):
        self.st.inject_fault(method="PUT", path_prefix=f"/{DEFAULT_BUCKET}/fault", status=503, code="SlowDown",
                             count=2, error_format="xml")
        self.st.clear_request_log()
        s3 = self.st.client("s3")
        for _ in range(2):
            with self.assertRaises(botocore.exceptions.ClientError) as cm:
                s3.put_object(Bucket=DEFAULT_BUCKET, Key="fault.txt", Body=b"1")
            self.assertEqual(error_code(cm.exception), "SlowDown")
        s3.put_object(Bucket=DEFAULT_BUCKET, Key="fault.txt", Body=b"1")
        statuses = [r["status"] for r in self.st.request_log() if r["path"].endswith("/fault.txt")]
        self.assertEqual(statuses[-3:], [503, 503, 200])


@unittest.skipUnless(os.path.exists(CAPTURE), helpers.SKIP_NO_SHARED + "/testdata")
class KvsStandInTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.st = LocalStack().start()
        cls.data = open(CAPTURE, "rb").read()

    @classmethod
    def tearDownClass(cls):
        cls.st.stop()

    def media(self, name, selector, temporary=True):
        kv = self.st.client("kinesisvideo", temporary=temporary)
        ep = kv.get_data_endpoint(StreamName=name, APIName="GET_MEDIA")["DataEndpoint"]
        self.assertEqual(ep, self.st.endpoint)
        m = self.st.client("kinesis-video-media", temporary=temporary)
        arn = self.arns[name]
        return m.get_media(StreamARN=arn, StartSelector=selector)["Payload"]

    arns = {}

    def add(self, name, **opts):
        info = self.st.add_media(name, CAPTURE, **opts)
        self.arns[name] = info["StreamARN"]
        return info

    def test_get_media_streams_from_the_selected_fragment(self):
        info = self.add("sel", chunk_bytes=4096)
        frags = info["fragments"]
        self.assertEqual(len(frags), 5)
        whole = self.media("sel", {"StartSelectorType": "EARLIEST"}).read()
        self.assertEqual(whole, self.data)
        third = frags[2]
        got = self.media("sel", {"StartSelectorType": "FRAGMENT_NUMBER", "AfterFragmentNumber": third["number"]}).read()
        self.assertEqual(got, self.data[third["offset"]:])  # the named fragment is included
        got = self.media("sel", {"StartSelectorType": "CONTINUATION_TOKEN", "ContinuationToken": third["number"]}).read()
        self.assertEqual(got, self.data[frags[3]["offset"]:])  # a token resumes after its fragment

    def test_session_limit_drop_and_error_injection(self):
        info = self.add("faulty", session_fragments=2,
                        failures=[{"status": 400, "code": "ClientLimitExceededException"},
                                  {"drop_after_bytes": 1000}, {}])
        frags = info["fragments"]
        with self.assertRaises(botocore.exceptions.ClientError) as cm:
            self.media("faulty", {"StartSelectorType": "EARLIEST"}).read()
        self.assertEqual(error_code(cm.exception), "ClientLimitExceededException")
        with self.assertRaises(Exception):
            self.media("faulty", {"StartSelectorType": "EARLIEST"}).read()  # cut after 1000 bytes
        got = self.media("faulty", {"StartSelectorType": "EARLIEST"}).read()
        self.assertEqual(got, self.data[:frags[2]["offset"]])  # the "session" ended after 2 fragments

    def test_live_edge_stall_keeps_the_connection_open(self):
        self.add("live", live_edge_stall_s=1.0)
        t0 = time.monotonic()
        got = self.media("live", {"StartSelectorType": "EARLIEST"}).read()
        self.assertEqual(len(got), len(self.data))
        self.assertGreater(time.monotonic() - t0, 0.9)

    def test_get_media_rejects_a_wrong_signature_and_unknown_streams(self):
        self.add("auth")
        m = self.st.client("kinesis-video-media", secret="wrong")
        with self.assertRaises(botocore.exceptions.ClientError) as cm:
            m.get_media(StreamARN=self.arns["auth"], StartSelector={"StartSelectorType": "EARLIEST"})
        self.assertEqual(error_code(cm.exception), "SignatureDoesNotMatch")
        kv = self.st.client("kinesisvideo")
        with self.assertRaises(botocore.exceptions.ClientError) as cm:
            kv.get_data_endpoint(StreamName="missing", APIName="GET_MEDIA")
        self.assertEqual(error_code(cm.exception), "ResourceNotFoundException")
        with self.assertRaises(botocore.exceptions.ClientError) as cm:
            self.media("auth", {"StartSelectorType": "FRAGMENT_NUMBER", "AfterFragmentNumber": "123"})
        self.assertEqual(error_code(cm.exception), "ResourceNotFoundException")


if __name__ == "__main__":
    unittest.main()

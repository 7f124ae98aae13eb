"""services/dynamodb_client.h against DynamoDB in moto with auth on: the JSON
1.0 protocol, conditional writes, and how failures are classified."""
import json
import os
import subprocess
import unittest

import helpers
from stack.localstack import LocalStack

TABLE = "calls"


def ddb_call(env, operation, request, max_attempts=None):
    cmd = [helpers.program("ddb_call")]
    if max_attempts:
        cmd += ["--max-attempts", str(max_attempts)]
    proc = subprocess.run(cmd + [operation], input=json.dumps(request).encode(), env=env,
                          capture_output=True, timeout=60)
    return json.loads(proc.stdout.decode().strip().splitlines()[-1])


class DynamoDbClientTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.stack = LocalStack().start()
        cls.stack.client("dynamodb").create_table(
            TableName=TABLE, BillingMode="PAY_PER_REQUEST",
            KeySchema=[{"AttributeName": "call_id", "KeyType": "HASH"},
                       {"AttributeName": "is_caller", "KeyType": "RANGE"}],
            AttributeDefinitions=[{"AttributeName": "call_id", "AttributeType": "S"},
                                  {"AttributeName": "is_caller", "AttributeType": "S"}])

    @classmethod
    def tearDownClass(cls):
        cls.stack.stop()

    def setUp(self):
        self.stack.clear_faults()
        self.stack.clear_request_log()
        self.env = dict(os.environ, **self.stack.env(temporary=True))

    def put(self, call_id, side, condition=True):
        req = {"TableName": TABLE, "Item": {"call_id": {"S": call_id}, "is_caller": {"S": side},
                                            "state": {"S": "started"}}}
        if condition:
            req["ConditionExpression"] = "attribute_not_exists(call_id)"
        return ddb_call(self.env, "PutItem", req)

    def test_conditional_put_writes_once_and_names_the_condition(self):
        self.assertEqual(self.put("c-1", "1")["rc"], 0)
        again = self.put("c-1", "1")
        self.assertEqual(again["error"], "condition not met")
        self.assertFalse(again["retriable"])
        self.assertIn("ConditionalCheckFailedException", again["message"])
        item = self.stack.client("dynamodb").get_item(
            TableName=TABLE, Key={"call_id": {"S": "c-1"}, "is_caller": {"S": "1"}})["Item"]
        self.assertEqual(item["state"], {"S": "started"})

    def test_update_get_and_query_answers_are_documents(self):
        self.put("c-2", "0")
        self.put("c-2", "1")
        upd = ddb_call(self.env, "UpdateItem", {
            "TableName": TABLE, "Key": {"call_id": {"S": "c-2"}, "is_caller": {"S": "1"}},
            "UpdateExpression": "SET #s = :ended", "ExpressionAttributeNames": {"#s": "state"},
            "ExpressionAttributeValues": {":ended": {"S": "ended"}, ":started": {"S": "started"}},
            "ConditionExpression": "#s = :started", "ReturnValues": "ALL_NEW"})
        self.assertEqual(upd["rc"], 0, upd)
        self.assertEqual(upd["answer"]["Attributes"]["state"], {"S": "ended"})
        got = ddb_call(self.env, "GetItem", {"TableName": TABLE,
                                             "Key": {"call_id": {"S": "c-2"}, "is_caller": {"S": "1"}}})
        self.assertEqual(got["answer"]["Item"]["state"], {"S": "ended"})
        q = ddb_call(self.env, "Query", {"TableName": TABLE, "KeyConditionExpression": "call_id = :c",
                                         "ExpressionAttributeValues": {":c": {"S": "c-2"}}})
        self.assertEqual([i["is_caller"]["S"] for i in q["answer"]["Items"]], ["0", "1"])

    def test_throttling_is_retried_and_a_bad_signature_is_not(self):
        self.stack.inject_fault(method="POST", path_prefix="/", status=400,
                                code="ProvisionedThroughputExceededException", count=2, service="dynamodb")
        self.assertEqual(self.put("c-3", "1")["rc"], 0)
        puts = [r for r in self.stack.request_log() if r["target"] == "DynamoDB_20120810.PutItem"]
        self.assertEqual(len(puts), 3)
        self.stack.clear_request_log()
        env = dict(self.env, AWS_SECRET_ACCESS_KEY="wrong")
        bad = ddb_call(env, "PutItem", {"TableName": TABLE, "Item": {"call_id": {"S": "x"},
                                                                     "is_caller": {"S": "1"}}})
        self.assertNotEqual(bad["rc"], 0)
        self.assertFalse(bad["retriable"])
        self.assertIn("403", bad["message"])  # moto answers auth failures in XML: parsed all the same
        self.assertEqual(len(self.stack.request_log()), 1)

    def test_one_attempt_when_asked(self):
        self.stack.inject_fault(method="POST", path_prefix="/", status=500, code="InternalServerError",
                                count=5, service="dynamodb")
        out = ddb_call(self.env, "GetItem", {"TableName": TABLE,
                                             "Key": {"call_id": {"S": "c"}, "is_caller": {"S": "1"}}},
                       max_attempts=1)
        self.assertTrue(out["retriable"])
        self.assertEqual(len(self.stack.request_log()), 1)


if __name__ == "__main__":
    unittest.main()

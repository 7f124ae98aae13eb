"""What the video call recording tests and `make demo-video` share: the
seed 004 world in the local stack (the seed's DynamoDB table with a meeting,
a Cognito user pool with agents and a supervisor, Connect users and
hierarchy groups, the recordings bucket with its media pipelines policy),
HTTP API payload 2.0 requests signed by a Cognito identity, and bootstrap
running _HANDLER=VideoCallRecording against the Runtime API emulator."""
import json
import os
import subprocess
import tempfile
import uuid

import helpers
import recording_env
from stack.localstack import ACCOUNT, REGION

TABLE = "vce-db"
BUCKET = "vce-recordings"
INSTANCE_ID = "9f1c3b8e-2d4a-4c6b-8e1f-5a7d9c0b3e21"
PLAYBACK_PROFILE = "11111111-aaaa-4bbb-8ccc-000000000001"
AGENT_PROFILE = "11111111-aaaa-4bbb-8ccc-000000000002"
PLAYBACK_BASE = "https://agent.example.com"
GROUP_PARENT, GROUP_TEAM, GROUP_OTHER = "g-parent", "g-team", "g-other"

# Connect users: id -> (security profiles, hierarchy group)
CONNECT_USERS = {
    "cu-agent": ([AGENT_PROFILE], GROUP_TEAM),
    "cu-agent2": ([AGENT_PROFILE], GROUP_OTHER),
    "cu-sup": ([AGENT_PROFILE, PLAYBACK_PROFILE], GROUP_PARENT),   # parent of the team: sees it
    "cu-sup-other": ([PLAYBACK_PROFILE], GROUP_OTHER),             # another branch: does not
    "cu-sup-none": ([PLAYBACK_PROFILE], None),
}
# Cognito users: username -> connectUserId
COGNITO_USERS = {"agent1": "cu-agent", "agent2": "cu-agent2", "sup1": "cu-sup", "sup2": "cu-sup-other",
                 "sup3": "cu-sup-none"}


def _level(gid, name):
    return {"Id": gid, "Arn": f"arn:aws:connect:{REGION}:{ACCOUNT}:instance/{INSTANCE_ID}/agent-group/{gid}",
            "Name": name}


GROUPS = {
    GROUP_PARENT: {"Name": "Sales", "LevelId": "1", "HierarchyPath": {"LevelOne": _level(GROUP_PARENT, "Sales")}},
    GROUP_TEAM: {"Name": "Team A", "LevelId": "2", "HierarchyPath": {
        "LevelOne": _level(GROUP_PARENT, "Sales"), "LevelTwo": _level(GROUP_TEAM, "Team A")}},
    GROUP_OTHER: {"Name": "Support", "LevelId": "1", "HierarchyPath": {"LevelOne": _level(GROUP_OTHER, "Support")}},
}


class VideoWorld:
    """Seeds the stack; knows the users' subs."""

    def __init__(self, st):
        self.st = st
        self.ddb = st.client("dynamodb")
        self.ddb.create_table(TableName=TABLE, BillingMode="PAY_PER_REQUEST",
                              KeySchema=[{"AttributeName": "PK", "KeyType": "HASH"},
                                         {"AttributeName": "SK", "KeyType": "RANGE"}],
                              AttributeDefinitions=[{"AttributeName": "PK", "AttributeType": "S"},
                                                    {"AttributeName": "SK", "AttributeType": "S"}])
        s3 = st.client("s3")
        s3.create_bucket(Bucket=BUCKET)
        s3.put_bucket_policy(Bucket=BUCKET, Policy=json.dumps({"Version": "2012-10-17", "Statement": [{
            "Sid": "AWSChimeMediaCaptureBucketPolicy", "Effect": "Allow",
            "Principal": {"Service": "mediapipelines.chime.amazonaws.com"},
            "Action": ["s3:PutObject", "s3:PutObjectAcl", "s3:GetObject", "s3:ListBucket"],
            "Resource": [f"arn:aws:s3:::{BUCKET}/*", f"arn:aws:s3:::{BUCKET}"]}]}))
        idp = st.client("cognito-idp")
        self.pool = idp.create_user_pool(PoolName="vce", Schema=[
            {"Name": "connectUserId", "AttributeDataType": "String", "Mutable": True}])["UserPool"]["Id"]
        self.subs = {}
        for name, cu in COGNITO_USERS.items():
            user = idp.admin_create_user(UserPoolId=self.pool, Username=name, UserAttributes=[
                {"Name": "email", "Value": f"{name}@example.com"}, {"Name": "custom:connectUserId", "Value": cu}])
            self.subs[name] = next(a["Value"] for a in user["User"]["Attributes"] if a["Name"] == "sub")
        users = {cu: dict({"Username": cu, "SecurityProfileIds": profiles, "RoutingProfileId": "rp",
                           "IdentityInfo": {}, "PhoneConfig": {}}, **({"HierarchyGroupId": g} if g else {}))
                 for cu, (profiles, g) in CONNECT_USERS.items()}
        st._post("/_stack/connect-users", {"instance": INSTANCE_ID, "users": users, "groups": GROUPS})

    def meeting(self, owner="agent1"):
        """A meeting item as the seed's ChimeAPI writes it; returns (externalMeetingId, chimeMeetingId)."""
        ext = f"meeting-{uuid.uuid4().hex[:8]}"
        chime_id = str(uuid.uuid4())
        self.ddb.put_item(TableName=TABLE, Item={
            "PK": {"S": f"M#{ext}"}, "SK": {"S": f"M#{ext}"}, "entityType": {"S": "Meeting"},
            "externalMeetingId": {"S": ext}, "ownerUsername": {"S": owner}, "ownerEmail": {"S": f"{owner}@example.com"},
            "chimeMeetingId": {"S": chime_id}, "chimeMeetingData": {"M": {"MeetingId": {"S": chime_id}}}})
        return ext, chime_id

    def item(self, pk, sk=None):
        got = self.ddb.get_item(TableName=TABLE, Key={"PK": {"S": pk}, "SK": {"S": sk or pk}}, ConsistentRead=True)
        return got.get("Item")

    def recordings(self, ext):
        return self.ddb.query(TableName=TABLE, KeyConditionExpression="PK = :p AND begins_with(SK, :r)",
                              ExpressionAttributeValues={":p": {"S": f"M#{ext}"}, ":r": {"S": "REC#"}})["Items"]

    def request(self, route, user, body=None, query=None, pool=None, content_type="application/json"):
        """An HTTP API payload 2.0 event for route ("POST /recording", ...) signed by user."""
        method, path = route.split(" ", 1)
        sub = self.subs.get(user, user)
        amr = ["authenticated", f"cognito-idp.{REGION}.amazonaws.com/{pool or self.pool}",
               f"cognito-idp.{REGION}.amazonaws.com/{pool or self.pool}:CognitoSignIn:{sub}"]
        return {"version": "2.0", "routeKey": route, "rawPath": path, "rawQueryString": "",
                "headers": {"content-type": content_type, "host": "api.example.com"},
                "queryStringParameters": query, "body": json.dumps(body) if body is not None else None,
                "isBase64Encoded": False,
                "requestContext": {"accountId": ACCOUNT, "apiId": "api", "http": {"method": method, "path": path},
                                   "authorizer": {"iam": {"accessKey": "ASIA", "accountId": ACCOUNT,
                                                          "cognitoIdentity": {"amr": amr, "identityId": "id",
                                                                              "identityPoolId": "pool"},
                                                          "userArn": "arn", "userId": "uid"}},
                                   "requestId": "r", "routeKey": route, "stage": "$default"}}

    def take_events(self):
        return json.loads(self.st._post("/_stack/pipelines/events", b"{}"))

    def pipelines(self):
        return self.st._get("/_stack/pipelines")


def bootstrap_env(st, rt, world, **extra):
    env = dict(st.env(temporary=True), PATH=os.environ.get("PATH", "/usr/bin:/bin"),
               AWS_LAMBDA_RUNTIME_API=rt.address, _HANDLER="VideoCallRecording", AWS_LAMBDA_LOG_FORMAT="JSON",
               DDB_TABLE=TABLE, RECORDING_BUCKET=BUCKET, CONNECT_INSTANCE_ID=INSTANCE_ID,
               COGNITO_USER_POOL_ID=world.pool, RECORDING_PLAYBACK_SECURITY_PROFILE_ID=PLAYBACK_PROFILE,
               PLAYBACK_BASE_URL=PLAYBACK_BASE, MEDIA_PIPELINES_REGION=REGION)
    for k in ("ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS"):
        if k in os.environ:
            env[k] = os.environ[k]
    env.update({k: str(v) for k, v in extra.items()})
    return env


class VideoBootstrap(recording_env.Bootstrap):
    """build/bootstrap as VideoCallRecording until stopped (stop() and its log
    as recording_env.Bootstrap's)."""

    def __init__(self, st, rt, world, **extra):
        self.rt = rt
        self.log = tempfile.NamedTemporaryFile(prefix="video-bootstrap-", suffix=".log", delete=False)
        self.proc = subprocess.Popen([helpers.program("bootstrap")], env=bootstrap_env(st, rt, world, **extra),
                                     stdout=self.log, stderr=subprocess.STDOUT)

    def invoke(self, event, timeout_ms=25000):
        return self.rt.invoke_and_wait(event, timeout_ms=timeout_ms, timeout=60)

    def api(self, event):
        """(statusCode, parsed body) of an API answer."""
        answer = self.invoke(event)
        assert answer["kind"] == "response", answer
        out = json.loads(answer["body"])
        return out["statusCode"], json.loads(out["body"])

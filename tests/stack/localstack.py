"""Starts and stops the local AWS stand-in (tests/stack/aws_server.py) and
gives tests what they need from it.

    with LocalStack() as st:
        st.endpoint                 # "http://127.0.0.1:PORT"
        st.env(temporary=True)      # AWS_* variables for a child process
        st.client("s3")             # boto3 client with the IAM user's credentials
        st.inject_fault(method="PUT", path_prefix="/bucket/", status=503, code="SlowDown", count=2)
        st.add_media("stream-name", "/path/capture.mkv", pace_ms=0)
        st.contact_attributes()

Authentication is on: moto starts with free calls only for the set-up (an
IAM user with an access key, a role it may assume, the default bucket), then
POST /moto-api/reset-auth turns SigV4 + IAM checks on for every request.
Temporary credentials come from sts:AssumeRole, as Lambda's do.
The server binds 127.0.0.1 on a port chosen at run time; stop() kills the
process this object started, by PID.
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
REGION = "us-east-1"
ACCOUNT = "123456789012"
DEFAULT_BUCKET = "recordings"
USER = "recorder"
ROLE = "recorder-lambda-role"

ALLOW_ALL_WE_USE = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow",
                   "Action": ["s3:*", "kinesisvideo:*", "connect:*", "sts:*", "kms:*", "dynamodb:*"],
                   "Resource": "*"}],
}

# Video call recording (issue 13): the media pipelines stand-in and Cognito in moto.
ALLOW_ALL_WE_USE["Statement"].append({"Effect": "Allow", "Action": ["chime:*", "cognito-idp:*"], "Resource": "*"})


class LocalStack:
    def __init__(self, region=REGION):
        self.region = region
        self.proc = None
        self.tmp = None
        self.port = None
        self.user_credentials = None     # (access key, secret)
        self.session_credentials = None  # (access key, secret, token)

    # -- life cycle --------------------------------------------------------
    def start(self, timeout=60):
        self.tmp = tempfile.mkdtemp(prefix="localstack-")
        port_file = os.path.join(self.tmp, "port")
        self._log = open(os.path.join(self.tmp, "server.log"), "wb")
        env = dict(os.environ, INITIAL_NO_AUTH_ACTION_COUNT="1000000", PYTHONUNBUFFERED="1")
        self.proc = subprocess.Popen([sys.executable, os.path.join(HERE, "aws_server.py"), "--port-file", port_file,
                                      "--parent-pid", str(os.getpid())],
                                     stdout=self._log, stderr=subprocess.STDOUT, env=env)
        end = time.monotonic() + timeout
        while not os.path.exists(port_file):
            if self.proc.poll() is not None or time.monotonic() > end:
                self.stop()
                raise RuntimeError("the local AWS stack did not start; see its log")
            time.sleep(0.05)
        with open(port_file) as f:
            self.port = int(f.read())
        self._set_up_identities()
        return self

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        self.proc = None
        if getattr(self, "_log", None):
            self._log.close()
            self._log = None
        if self.tmp:
            shutil.rmtree(self.tmp, ignore_errors=True)
            self.tmp = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    @property
    def endpoint(self):
        return f"http://127.0.0.1:{self.port}"

    def server_log(self):
        with open(os.path.join(self.tmp, "server.log"), "rb") as f:
            return f.read().decode(errors="replace")

    # -- identities ----------------------------------------------------------
    def _set_up_identities(self):
        import boto3
        free = dict(aws_access_key_id="AKIASETUPSETUPSETUP0", aws_secret_access_key="setup",
                    region_name=self.region, endpoint_url=self.endpoint)
        iam = boto3.client("iam", **free)
        iam.create_user(UserName=USER)
        iam.put_user_policy(UserName=USER, PolicyName="recorder", PolicyDocument=json.dumps(ALLOW_ALL_WE_USE))
        key = iam.create_access_key(UserName=USER)["AccessKey"]
        self.user_credentials = (key["AccessKeyId"], key["SecretAccessKey"])
        trust = {"Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Action": "sts:AssumeRole",
            "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:user/{USER}"}}]}
        iam.create_role(RoleName=ROLE, AssumeRolePolicyDocument=json.dumps(trust))
        iam.put_role_policy(RoleName=ROLE, PolicyName="recorder", PolicyDocument=json.dumps(ALLOW_ALL_WE_USE))
        boto3.client("s3", **free).create_bucket(Bucket=DEFAULT_BUCKET)
        self._set_up_recording_control_user(iam)
        # From here on every request must be signed by a known identity.
        self._post("/moto-api/reset-auth", b"0")
        sts = self.client("sts")
        creds = sts.assume_role(RoleArn=f"arn:aws:iam::{ACCOUNT}:role/{ROLE}",
                                RoleSessionName="lambda")["Credentials"]
        self.session_credentials = (creds["AccessKeyId"], creds["SecretAccessKey"], creds["SessionToken"])

    def client(self, service, temporary=False, secret=None):
        """A boto3 client signed with the user's (or the assumed role's) keys."""
        import boto3
        from botocore.config import Config
        if temporary:
            ak, sk, token = self.session_credentials
        else:
            (ak, sk), token = self.user_credentials, None
        return boto3.client(service, region_name=self.region, endpoint_url=self.endpoint,
                            aws_access_key_id=ak, aws_secret_access_key=secret or sk, aws_session_token=token,
                            config=Config(retries={"total_max_attempts": 1}, s3={"addressing_style": "path"}))

    def env(self, temporary=True, secret=None):
        """AWS_* environment for a child process (our bootstrap, drivers)."""
        if temporary:
            ak, sk, token = self.session_credentials
        else:
            (ak, sk), token = self.user_credentials, None
        env = {
            "AWS_ENDPOINT_URL": self.endpoint,
            "AWS_REGION": self.region,
            "AWS_ACCESS_KEY_ID": ak,
            "AWS_SECRET_ACCESS_KEY": secret or sk,
        }
        if token:
            env["AWS_SESSION_TOKEN"] = token
        return env

    # -- control -------------------------------------------------------------
    def _post(self, path, data, method="POST"):
        if isinstance(data, (dict, list)):
            data = json.dumps(data).encode()
        req = urllib.request.Request(self.endpoint + path, data=data, method=method,
                                     headers={"Content-Type": "text/plain"})
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.read()

    def _get(self, path):
        with urllib.request.urlopen(self.endpoint + path, timeout=30) as r:
            return json.loads(r.read())

    def inject_fault(self, method=None, path_prefix=None, status=503, code="ServiceUnavailable",
                     count=1, error_format="json", service=None, message=None, target=None,
                     retry_after=None):
        """The next `count` matching requests get this error instead of an answer
        (target: only requests with this X-Amz-Target; retry_after: a Retry-After
        header, seconds)."""
        f = {"method": method, "path_prefix": path_prefix, "status": status, "code": code,
             "count": count, "error_format": error_format, "service": service}
        if message:
            f["message"] = message
        if target:
            f["target"] = target
        if retry_after is not None:
            f["retry_after"] = retry_after
        self._post("/_stack/faults", f)

    def clear_faults(self):
        self._post("/_stack/faults", b"", method="DELETE")

    def request_log(self):
        return self._get("/_stack/requests")

    def clear_request_log(self):
        self._post("/_stack/requests", b"", method="DELETE")

    def add_media(self, name, path, **options):
        """Serves the capture at path as KVS stream `name` for GetMedia.
        options: chunk_bytes, pace_ms, live_edge_stall_s, session_fragments,
        failures=[{"status":400,"code":...} | {"drop_after_bytes":N} | {}],
        creation_ms. Returns {"StreamARN", "fragments": [{offset,length,number}]}."""
        return json.loads(self._post("/_stack/streams", dict(options, name=name, path=os.path.abspath(path))))

    def stream_calls(self, name):
        return self._get(f"/_stack/streams/{name}")["calls"]

    def clear_contact_attributes(self):
        self._post("/_stack/contacts", b"", method="DELETE")

    def contact_attributes(self):
        """{"<instanceId>/<initialContactId>": {attributes}} stored by UpdateContactAttributes."""
        return self._get("/_stack/contacts")

    # -- recording control (issue 14) ------------------------------------------
    def _set_up_recording_control_user(self, iam):
        """A user with the template's least-privilege ConnectRecordingControl
        policy on SCOPED_INSTANCE's contacts only (scoped_env)."""
        arn = f"arn:aws:connect:{self.region}:{ACCOUNT}:instance/{SCOPED_INSTANCE}/contact/*"
        policy = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Resource": arn, "Action": [
            "connect:StartContactRecording", "connect:StopContactRecording", "connect:SuspendContactRecording",
            "connect:ResumeContactRecording", "connect:GetContactAttributes", "connect:UpdateContactAttributes"]}]}
        iam.create_user(UserName="recording-control")
        iam.put_user_policy(UserName="recording-control", PolicyName="control", PolicyDocument=json.dumps(policy))
        key = iam.create_access_key(UserName="recording-control")["AccessKey"]
        self.scoped_credentials = (key["AccessKeyId"], key["SecretAccessKey"])

    def scoped_env(self):
        """AWS_* environment of the least-privilege recording control user."""
        env = self.env(temporary=False)
        env["AWS_ACCESS_KEY_ID"], env["AWS_SECRET_ACCESS_KEY"] = self.scoped_credentials
        return env

    def recording_state(self):
        """{"state": {"instance/contact": state}, "calls": [{"operation", "body", "status"}]}."""
        return self._get("/_stack/recording-state")

    def clear_recording_state(self):
        self._post("/_stack/recording-state", b"", method="DELETE")

    def set_recording_contacts(self, keys):
        """Only these "instance/contact" exist for the recording calls (404 otherwise)."""
        self._post("/_stack/recording-contacts", list(keys))

    def preset_contact_attributes(self, key, attributes):
        """Sets attributes of "instance/initialContact" as UpdateContactAttributes would."""
        self._post("/_stack/contacts", {"key": key, "Attributes": attributes})


    def stream_log(self, name):
        """Every call stream `name` got: {"calls" (GetMedia), "list_calls"
        (ListFragments), "fragment_calls" (GetMediaForFragmentList)}."""
        return self._get(f"/_stack/streams/{name}")


SCOPED_INSTANCE = "inst-scoped"

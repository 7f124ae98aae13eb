"""What the Chime handler tests and `make demo-chime` share: synthetic Voice
Connector legs served by the local KVS stand-in, the streaming status events
that point at them, the call table, and the stereo WAV a call must give."""
import copy
import json
import uuid

import helpers  # noqa: F401  (puts tests/ on sys.path)
from fixtures.make_chime_mkv import VOICE_CONNECTOR_ID, ChimeLeg, stereo
from stack.localstack import ACCOUNT, REGION
from stack_case import StackTestCase

CALL_TABLE = "chime-calls"
SMA_TABLE = "sma-call-records"
PREFIX = "originalAudio"
DETAIL_TYPE = "Chime VoiceConnector Streaming Status"


def iso(ms):
    import datetime
    t = datetime.datetime.fromtimestamp(ms / 1000, tz=datetime.timezone.utc)
    return t.strftime("%Y-%m-%dT%H:%M:%S.") + f"{ms % 1000:03d}Z"


def create_tables(st):
    ddb = st.client("dynamodb")
    ddb.create_table(TableName=CALL_TABLE, BillingMode="PAY_PER_REQUEST",
                     KeySchema=[{"AttributeName": "call_id", "KeyType": "HASH"},
                                {"AttributeName": "is_caller", "KeyType": "RANGE"}],
                     AttributeDefinitions=[{"AttributeName": "call_id", "AttributeType": "S"},
                                           {"AttributeName": "is_caller", "AttributeType": "S"}])
    ddb.create_table(TableName=SMA_TABLE, BillingMode="PAY_PER_REQUEST",
                     KeySchema=[{"AttributeName": "callID", "KeyType": "HASH"}],
                     AttributeDefinitions=[{"AttributeName": "callID", "AttributeType": "S"}])
    return ddb


class StackCase(StackTestCase):
    """StackTestCase with the Chime tables."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.ddb = create_tables(cls.st)


class Leg:
    """One call leg: its capture (possibly recycled: other calls after it),
    its stream in the stand-in, and the events that describe it."""

    def __init__(self, st, directory, name, capture, transaction_id, is_caller, **serve):
        self.cap = capture
        self.transaction_id = transaction_id
        self.is_caller = is_caller
        self.stream_name = f"ChimeVoiceConnector-{VOICE_CONNECTOR_ID}-{uuid.uuid5(uuid.NAMESPACE_DNS, name)}"
        self.path = f"{directory}/{name}.mkv"
        with open(self.path, "wb") as f:
            capture.write(f)
        self.serve = dict(serve, creation_ms=capture.start_ms - 60000)
        self.arn = st.add_media(self.stream_name, self.path, **self.serve)["StreamARN"]
        self.exp = capture.expected(contact_id=transaction_id)
        self.frags = self.exp.used
        self.origin_ms = ChimeLeg.origin_ms(self.exp)

    @property
    def pcm(self):
        return self.exp.tracks[self.cap.track]

    def event(self, status, call_id, is_caller="same", end_fragment=True, **detail):
        d = {"callId": call_id, "direction": "Inbound", "fromNumber": "+12065550100",
             "mediaType": "audio/L16", "startFragmentNumber": str(self.frags[0].number),
             "startTime": iso(self.frags[0].start_ms), "streamArn": self.arn, "toNumber": "+13605550199",
             "transactionId": self.transaction_id, "voiceConnectorId": VOICE_CONNECTOR_ID,
             "streamingStatus": status, "version": "0"}
        caller = self.is_caller if is_caller == "same" else is_caller
        if caller is not None:
            d["isCaller"] = caller
        if status == "ENDED":
            last = self.frags[-1]
            d["endTime"] = iso(last.start_ms + last.duration_ms)
            if end_fragment:
                d["currentFragmentNumber"] = str(last.number)
        d.update(detail)
        return envelope(d)


def envelope(detail, detail_type=DETAIL_TYPE):
    return {"version": "0", "id": str(uuid.uuid4()), "detail-type": detail_type, "source": "aws.chime",
            "account": ACCOUNT, "time": "2026-01-10T10:00:00Z", "region": REGION, "resources": [],
            "detail": detail}


def sqs_batch(*events, lower=False):
    records = [{"messageId": str(uuid.uuid4()), "receiptHandle": "h", "body": json.dumps(e),
                "eventSource": "aws:sqs", "awsRegion": REGION} for e in events]
    return {"records" if lower else "Records": records}


def sns_record(event):
    return {"Records": [{"EventSource": "aws:sns", "Sns": {"MessageId": str(uuid.uuid4()),
                                                           "Message": json.dumps(event)}}]}


def expected_stereo(left, right):
    """The stereo PCM of a call: left and right Legs on one timeline."""
    zero = min(left.origin_ms, right.origin_ms)
    rate = left.cap.rate
    return stereo(left.pcm, right.pcm, (left.origin_ms - zero) * rate // 1000,
                  (right.origin_ms - zero) * rate // 1000)


def chime_env(work_dir, **extra):
    env = {"_HANDLER": "ChimeVoiceConnectorRecorder", "CALL_TABLE": CALL_TABLE,
           "RECORDING_BUCKET": "recordings", "RECORDING_BUCKET_PREFIX": PREFIX,
           "CHIME_WORK_DIR": work_dir, "KVS_IDLE_TIMEOUT_MS": "1500",
           "DEADLINE_START_RESERVE_MS": "2000", "DEADLINE_FINISH_RESERVE_MS": "1000"}
    env.update(extra)
    return env


def with_detail(event, **changes):
    e = copy.deepcopy(event)
    for k, v in changes.items():
        if v is None:
            e["detail"].pop(k, None)
        else:
            e["detail"][k] = v
    return e

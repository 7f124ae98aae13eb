"""One warm bootstrap process, many invocations of a mixed batch: what the
soak test (200 invocations, tests/integration/test_soak.py) and the soak
benchmark (2,000, bench/bench_soak.py) share.

Each invocation's batch holds a good contact (recorded, alternating between
GetMediaForFragmentList and GetMedia), a malformed record, a contact on a
stream that does not exist (permanent), and, every 5th invocation, an S3
SlowDown on the first upload (retried) or, every 7th, a throttled
UpdateContactAttributes whose Retry-After is longer than the request layer
waits (a batch item failure). Every
answer is checked against what that invocation must answer. RSS (VmRSS) and
open file descriptors of the process are sampled after each invocation."""
import json
import os
import shutil
import tempfile
import time

import helpers
from recording_env import Bootstrap, Capture, ctr, ctr_with_span, event, record, write_capture
from stack.localstack import LocalStack
from stack.runtime_api import RuntimeApiEmulator


def open_fds(pid):
    return len(os.listdir(f"/proc/{pid}/fd"))


class Soak:
    def __init__(self):
        self.tmp = tempfile.mkdtemp(prefix="soak-")
        self.st = LocalStack().start()
        self.rt = RuntimeApiEmulator().start()
        cap = Capture(seed=41)
        cap.add_contact("soak-a", seconds=1)
        cap.add_contact("soak-b", seconds=2)
        self.cap = cap
        self.arn = self.st.add_media("soak-stream", write_capture(cap, self.tmp, "soak"))["StreamARN"]
        self.seq = 0
        self.samples = []  # (invocation, rss_kb, fds)

    def close(self):
        self.rt.stop()
        self.st.stop()
        shutil.rmtree(self.tmp, ignore_errors=True)

    def batch(self, i):
        """The i-th batch and the batch item failures it must answer."""
        self.seq += 4
        contact = "soak-a" if i % 2 else "soak-b"
        good = ctr_with_span(self.cap, self.arn, contact) if i % 3 else ctr(
            contact, [(self.arn, f.number, g.number) for f, g in [self.endpoints(contact)]])
        records = [record(good, self.seq),
                   record(b"{not json", self.seq + 1),
                   record(ctr("ghost", [(self.arn.replace("soak-stream", "no-such"), "1", "2")]), self.seq + 2)]
        expect = []
        if i % 7 == 0:
            # throttled with a Retry-After longer than the layer waits: failed at once
            self.st.inject_fault(method="POST", path_prefix="/contact/attributes", status=429,
                                 code="TooManyRequestsException", count=1, retry_after=3600)
            expect = [{"itemIdentifier": records[0]["kinesis"]["sequenceNumber"]}]
        elif i % 5 == 0:
            self.st.inject_fault(method="PUT", path_prefix="/recordings/recordings/", status=503,
                                 code="SlowDown", count=1, error_format="xml")
        return event(*records), {"batchItemFailures": expect}

    def endpoints(self, contact):
        frags = [f for f in self.cap.fragments if f.contact_id == contact]
        return frags[0], frags[-1]

    def run(self, n, **env):
        """Runs n invocations in one process; returns (wrong answers, samples, log)."""
        boot = Bootstrap(self.st, self.rt, AWS_LAMBDA_LOG_LEVEL="WARN", METRICS_NAMESPACE="",
                         **env)
        wrong = []
        try:
            for i in range(1, n + 1):
                ev, want = self.batch(i)
                answer = boot.invoke(ev, timeout_ms=60000, timeout=120)
                got = json.loads(answer["body"]) if answer["kind"] == "response" else answer
                if got != want:
                    wrong.append((i, got, want))
                self.st.clear_faults()
                self.samples.append((i, helpers.rss_kb(boot.proc.pid), open_fds(boot.proc.pid)))
        finally:
            log = boot.stop()
        return wrong, self.samples, log


def summary(samples, first):
    """RSS growth (kB) and fd growth from invocation `first` to the last."""
    at = {i: (rss, fds) for i, rss, fds in samples}
    last = samples[-1][0]
    return {"rss_first_kb": at[first][0], "rss_last_kb": at[last][0],
            "rss_growth_kb": at[last][0] - at[first][0],
            "fds_first": at[first][1], "fds_last": at[last][1], "fds_max": max(f for _, _, f in samples[first - 1:]),
            "invocations": last}


def timed_run(n, **env):
    soak = Soak()
    try:
        t0 = time.monotonic()
        wrong, samples, log = soak.run(n, **env)
        return wrong, samples, log, time.monotonic() - t0
    finally:
        soak.close()

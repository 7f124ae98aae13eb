"""The sigv4-sign tool against botocore, and the freshness of the committed vectors.

Runs $BUILD_DIR/sigv4-sign (BUILD_DIR relative to the repository root, default
"build") on raw HTTP requests rebuilt from tests/vectors/sigv4_vectors.json and
compares its output with botocore's values recorded there.
"""
import json
import os
import subprocess
import sys
import tempfile
import unittest
from urllib.parse import urlsplit

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TOOL = os.path.join(ROOT, os.environ.get("BUILD_DIR", "build"), "sigv4-sign")
VECTORS = os.path.join(ROOT, "tests", "vectors", "sigv4_vectors.json")
GENERATOR = os.path.join(ROOT, "tests", "vectors", "gen_sigv4_vectors.py")

# A clean environment: the tool falls back to AWS_* variables, which must not
# leak in from the machine running the tests.
ENV = {k: v for k, v in os.environ.items() if not k.startswith("AWS_") and k != "REGION"}

KEYS = ["--access-key", "AKIDEXAMPLE", "--secret-key", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
        "--region", "us-east-1", "--service", "service", "--date", "20150830T123600Z"]


def run_tool(args, stdin, timeout=30):
    return subprocess.run([TOOL] + args, input=stdin, capture_output=True, env=ENV,
                          timeout=timeout)


def raw_request(v, crlf=True):
    """The vector as an HTTP/1.1 message; multi-line values become folded lines."""
    eol = b"\r\n" if crlf else b"\n"
    # An empty path cannot be a request target; for services other than S3
    # (the only ones with such vectors) it signs exactly as "/".
    path = v["path"] or "/"
    target = path + ("?" + v["query"] if v["query"] else "")
    out = [f"{v['method']} {target} HTTP/1.1".encode()]
    for name, value in v["headers"]:
        out.append(f"{name}: {value}".encode().replace(b"\n", eol))
    return eol.join(out) + eol + eol + bytes.fromhex(v["body_hex"])


def tool_args(v):
    args = ["--access-key", v["access_key"], "--secret-key", v["secret_key"],
            "--region", v["region"], "--service", v["service"], "--date", v["date"]]
    if v["session_token"]:
        args += ["--session-token", v["session_token"]]
    if v["s3"]:
        args.append("--s3")
    if v["payload_hash"] == "UNSIGNED-PAYLOAD":
        args.append("--unsigned-payload")
    if v["kind"] == "presign":
        args += ["--presign", str(v["expires"])]
    return args


def parse_output(data):
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("utf-8").split("\r\n")
    headers = []
    for line in lines[1:]:
        if line[:1] in (" ", "\t"):
            headers[-1] = (headers[-1][0], headers[-1][1] + "\n" + line)
        else:
            name, _, value = line.partition(":")
            headers.append((name, value.strip()))
    return lines[0], headers, body


def sorted_query(q):
    return sorted(q.split("&"))


@unittest.skipUnless(os.access(TOOL, os.X_OK), f"{TOOL} not built")
class SignerToolTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        with open(VECTORS, encoding="ascii") as f:
            cls.vectors = json.load(f)["vectors"]

    def sample(self, kind, step):
        picked = [v for v in self.vectors if v["kind"] == kind][::step]
        self.assertGreater(len(picked), 10)
        return picked

    def test_header_signing_matches_botocore(self):
        checked = 0
        for v in self.sample("header", 3):
            with self.subTest(vector=v["id"]):
                raw = raw_request(v, crlf=checked % 2 == 0)
                exp = v["expect"]
                p = run_tool(tool_args(v) + ["--print", "canonical"], raw)
                self.assertEqual(p.returncode, 0, p.stderr.decode(errors="replace"))
                self.assertEqual(p.stdout.decode("utf-8"), exp["canonical_request"] + "\n")
                p = run_tool(tool_args(v) + ["--print", "request"], raw)
                self.assertEqual(p.returncode, 0, p.stderr.decode(errors="replace"))
                line, headers, body = parse_output(p.stdout)
                self.assertEqual(body, bytes.fromhex(v["body_hex"]))
                got = {n.lower(): val for n, val in headers}
                for name, value in exp["set_headers"]:
                    self.assertEqual(got.get(name.lower()), value, name)
                self.assertEqual([n for n, _ in headers if n.lower() == "authorization"],
                                 ["Authorization"])
                if checked % 5 == 0:
                    p = run_tool(tool_args(v) + ["--print", "string-to-sign"], raw)
                    self.assertEqual(p.stdout.decode(), exp["string_to_sign"] + "\n")
                    p = run_tool(tool_args(v) + ["--print", "authorization"], raw)
                    self.assertEqual(p.stdout.decode(), exp["authorization"] + "\n")
                checked += 1
        self.assertGreaterEqual(checked, 100)

    def test_presigning_matches_botocore(self):
        for v in self.sample("presign", 3):
            with self.subTest(vector=v["id"]):
                raw = raw_request(v)
                p = run_tool(tool_args(v) + ["--print", "canonical"], raw)
                self.assertEqual(p.returncode, 0, p.stderr.decode(errors="replace"))
                self.assertEqual(p.stdout.decode("utf-8"), v["expect"]["canonical_request"] + "\n")
                p = run_tool(tool_args(v), raw)
                self.assertEqual(p.returncode, 0, p.stderr.decode(errors="replace"))
                line, _, _ = parse_output(p.stdout)
                target = line[line.index(" ") + 1:line.rindex(" ")]  # the path may hold spaces
                self.assertEqual(sorted_query(urlsplit(target).query),
                                 sorted_query(v["expect"]["presigned_query"]))

    def test_signed_request_signs_again_to_the_same_authorization(self):
        v = next(x for x in self.vectors if x["kind"] == "header" and x["session_token"]
                 and x["s3"])
        first = run_tool(tool_args(v), raw_request(v))
        self.assertEqual(first.returncode, 0)
        again = run_tool(tool_args(v), first.stdout)
        self.assertEqual(again.returncode, 0, again.stderr)
        self.assertEqual(again.stdout, first.stdout)

    def test_without_date_the_request_x_amz_date_is_used(self):
        raw = b"GET / HTTP/1.1\r\nHost: h\r\nX-Amz-Date: 20150830T123600Z\r\n\r\n"
        with_date = run_tool(KEYS + ["--print", "authorization"], raw)
        args = [a for a in KEYS if a not in ("--date", "20150830T123600Z")]
        without = run_tool(args + ["--print", "authorization"], raw)
        self.assertEqual(without.returncode, 0)
        self.assertEqual(without.stdout, with_date.stdout)
        self.assertIn(b"X-Amz-Date", without.stderr)

    def test_raw_space_in_path_is_split_at_first_and_last_space(self):
        raw = b"GET /a b/c d HTTP/1.1\nHost: h\n\n"
        p = run_tool(KEYS + ["--print", "canonical"], raw)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(p.stdout.split(b"\n")[1], b"/a%20b/c%20d")
        p = run_tool(KEYS + ["--s3", "--print", "canonical"], raw)
        self.assertEqual(p.stdout.split(b"\n")[1], b"/a%20b/c%20d")

    def test_malformed_requests_exit_2_with_a_message(self):
        cases = {
            "empty": b"",
            "no version": b"GET /\r\nHost: h\r\n\r\n",
            "one word": b"GET\r\n\r\n",
            "bad version": b"GET / HTTP/2\r\nHost: h\r\n\r\n",
            "absolute target": b"GET http://h/ HTTP/1.1\r\nHost: h\r\n\r\n",
            "no host": b"GET / HTTP/1.1\r\nX-A: b\r\n\r\n",
            "two hosts": b"GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n",
            "no colon": b"GET / HTTP/1.1\r\nHost h\r\n\r\n",
            "space before colon": b"GET / HTTP/1.1\r\nHost : h\r\n\r\n",
            "empty name": b"GET / HTTP/1.1\r\n: h\r\nHost: h\r\n\r\n",
            "fold first": b"GET / HTTP/1.1\r\n folded\r\nHost: h\r\n\r\n",
            "bare CR": b"GET / HTTP/1.1\r\nHost: h\rX: y\r\n\r\n",
            "NUL in header": b"GET / HTTP/1.1\r\nHost: h\x00\r\n\r\n",
            "length mismatch": b"PUT / HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\nhi\n",
            "bad length": b"PUT / HTTP/1.1\r\nHost: h\r\nContent-Length: -1\r\n\r\n",
            "chunked": b"PUT / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
            "method not token": b"G(T / HTTP/1.1\r\nHost: h\r\n\r\n",
            "fragment": b"GET /a#b HTTP/1.1\r\nHost: h\r\n\r\n",
        }
        for name, raw in cases.items():
            with self.subTest(case=name):
                p = run_tool(KEYS, raw)
                self.assertEqual(p.returncode, 2, (name, p.stdout, p.stderr))
                self.assertIn(b"malformed request", p.stderr)
                self.assertEqual(p.stdout, b"")

    def test_bad_usage_exits_1(self):
        raw = b"GET / HTTP/1.1\r\nHost: h\r\n\r\n"
        for args in (["--bogus"], KEYS[:4], KEYS + ["--print", "nothing"],
                     KEYS[:-1] + ["2015-08-30"], KEYS + ["--presign", "0"],
                     KEYS + ["--presign", "604801"], KEYS + ["--region"]):
            with self.subTest(args=args):
                p = run_tool(args, raw)
                self.assertEqual(p.returncode, 1, p.stderr)

    def test_line_ends_lf_and_crlf_sign_alike(self):
        lf = b"POST /x HTTP/1.1\nHost: h\nX-A:  a \n  b\n\nbody"
        crlf = lf.replace(b"\n", b"\r\n").replace(b"\r\n\r\nbody", b"\r\n\r\nbody")
        a = run_tool(KEYS + ["--print", "authorization"], lf)
        b = run_tool(KEYS + ["--print", "authorization"], crlf)
        self.assertEqual(a.returncode, 0, a.stderr)
        self.assertEqual(a.stdout, b.stdout)


class VectorFileTest(unittest.TestCase):
    def test_committed_vectors_equal_a_fresh_regeneration(self):
        with tempfile.TemporaryDirectory() as d:
            out = os.path.join(d, "v.json")
            p = subprocess.run([sys.executable, GENERATOR, "--out", out], capture_output=True,
                               timeout=300)
            self.assertEqual(p.returncode, 0, p.stderr)
            with open(out, "rb") as f:
                fresh = f.read()
        with open(VECTORS, "rb") as f:
            committed = f.read()
        self.assertTrue(fresh == committed,
                        "tests/vectors/sigv4_vectors.json is stale: run "
                        "tests/vectors/gen_sigv4_vectors.py and commit the result")
        self.assertLess(len(committed), 2 * 1024 * 1024)
        self.assertGreaterEqual(len(json.loads(committed)["vectors"]), 300)


if __name__ == "__main__":
    unittest.main()

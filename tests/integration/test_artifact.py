"""The deployment artifact (`make build-ProcessKvsRecording`, README "Deployment
artifact"): a static bootstrap that needs nothing but the kernel.

For x86_64 (natively) and arm64 (under qemu-aarch64-static), in a root
directory holding only the artifact, /etc/hosts, /etc/resolv.conf and a CA
bundle (plus qemu for arm64), entered with chroot:
- a full recording invocation: the Runtime API emulator and the local AWS
  stack reached by host names that /etc/hosts maps to 127.0.0.1;
- a host name resolved through /etc/resolv.conf by a DNS server (in a private
  network namespace, where the resolver's fixed port 53 is free);
- TLS with a CA made for the test: the bundle is found at Amazon Linux 2023's
  path, at Debian's path, or through AWS_CA_BUNDLE; a wrong CA is a clear,
  unretried error (verification is on). The HTTPS client is our request layer
  (tests/drivers/s3_roundtrip, built statically like the artifact).

The artifacts are built once per run of this module into build-art-test/
(the dependencies come from scripts/build-deps' cache; a cold cache costs a
few minutes per architecture). They are tested once per CI run: skipped in
the sanitizer run (BUILD_DIR=build-san), which would only repeat this.
"""
import fcntl
import json
import os
import select
import shutil
import socket
import ssl
import struct
import subprocess
import sys
import tempfile
import threading
import time
import unittest
import zipfile

import helpers

ROOT = helpers.ROOT
OUT = os.path.join(ROOT, "build-art-test")
ZIP_LIMIT = 4 * 1024 * 1024
ELF_MACHINE = {"x86_64": 62, "arm64": 183}
STACK_HOST = "awsstack"          # /etc/hosts in the chroot: 127.0.0.1 (no dot: moto takes
                                 # a dotted host name for a virtual-hosted S3 bucket)
RUNTIME_HOST = "runtime.test"    # /etc/hosts in the chroot: 127.0.0.1
DNS_HOST = "runtime.dns.test"    # only the DNS server knows it
DEBIAN_CA = "/etc/ssl/certs/ca-certificates.crt"
AL2023_CA = "/etc/pki/tls/certs/ca-bundle.crt"
CHROOT = shutil.which("chroot") or shutil.which("chroot", path="/usr/sbin:/sbin") or "/usr/sbin/chroot"

_built = {}

# Uses each library once; writes a WAV into memory with libsndfile.
PROBE_C = r"""
#include <stdio.h>
#include <string.h>
#include <cjson/cJSON.h>
#include <curl/curl.h>
#include <openssl/crypto.h>
#include <sndfile.h>
#include <zlib.h>

struct mem { unsigned char data[4096]; sf_count_t len, pos; };
static sf_count_t v_len(void *u) { return ((struct mem *)u)->len; }
static sf_count_t v_seek(sf_count_t off, int whence, void *u)
{
    struct mem *m = u;
    m->pos = whence == SEEK_SET ? off : whence == SEEK_CUR ? m->pos + off : m->len + off;
    return m->pos;
}
static sf_count_t v_read(void *p, sf_count_t n, void *u) { (void)p; (void)n; (void)u; return 0; }
static sf_count_t v_write(const void *p, sf_count_t n, void *u)
{
    struct mem *m = u;
    if (m->pos + n > (sf_count_t)sizeof(m->data)) return 0;
    memcpy(m->data + m->pos, p, (size_t)n);
    m->pos += n;
    if (m->pos > m->len) m->len = m->pos;
    return n;
}
static sf_count_t v_tell(void *u) { return ((struct mem *)u)->pos; }

int main(void)
{
    static struct mem m;
    SF_VIRTUAL_IO io = { v_len, v_seek, v_read, v_write, v_tell };
    SF_INFO info = { .samplerate = 8000, .channels = 1, .format = SF_FORMAT_WAV | SF_FORMAT_PCM_16 };
    SNDFILE *sf = sf_open_virtual(&io, SFM_WRITE, &info, &m);
    short samples[4] = { 1, 2, 3, 4 };
    if (!sf || sf_write_short(sf, samples, 4) != 4 || sf_close(sf) != 0) return 1;
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) return 2;
    curl_version_info_data *cv = curl_version_info(CURLVERSION_NOW);
    printf("curl %s\n%s\nzlib %s\ncJSON %s\n%s\nwav %ld\n", cv->version, OpenSSL_version(OPENSSL_VERSION),
           zlibVersion(), cJSON_Version(), sf_version_string(), (long)m.len);
    curl_global_cleanup();
    return 0;
}
"""


def skip_reason(arch):
    """Why the artifact for arch cannot be tested here, or None."""
    if "san" in os.path.basename(helpers.BUILD_DIR):
        return helpers.sanitizer_skip("the artifact is tested once per CI run, in the plain run")
    if os.geteuid() != 0:
        return "chroot needs root"
    if not os.path.exists(CHROOT):
        return "no chroot (coreutils)"
    host = os.uname().machine
    if arch == "arm64" and host != "aarch64":
        if not shutil.which("aarch64-linux-gnu-gcc"):
            return "no aarch64 cross compiler (gcc-aarch64-linux-gnu; scripts/setup installs it)"
        if not shutil.which("qemu-aarch64-static"):
            return "no qemu-aarch64-static (qemu-user-static; scripts/setup installs it)"
    if arch == "x86_64" and host != "x86_64":
        return "x86_64 is not emulated on this host"
    return None


def build(arch):
    """Builds the artifact and the static s3_roundtrip driver once; returns their paths."""
    if arch in _built:
        if isinstance(_built[arch], Exception):
            raise _built[arch]
        return _built[arch]
    dest = os.path.join(OUT, arch)
    static = os.path.join(OUT, f"static-{arch}")
    shutil.rmtree(dest, ignore_errors=True)
    try:
        for args in (["build-ProcessKvsRecording", f"ARCH={arch}", f"ARTIFACTS_DIR={dest}",
                      f"STATIC_BUILD={static}"],
                     ["STATIC=1", f"ARCH={arch}", f"BUILD={static}", f"{static}/drivers/s3_roundtrip"]):
            proc = subprocess.run(["make", "--no-print-directory"] + args, cwd=ROOT, capture_output=True,
                                  text=True, timeout=3000)
            if proc.returncode != 0:
                raise AssertionError(f"make {' '.join(args)} failed:\n{proc.stdout[-3000:]}{proc.stderr[-3000:]}")
    except Exception as e:
        _built[arch] = e
        raise
    _built[arch] = (os.path.join(dest, "bootstrap"), os.path.join(static, "drivers", "s3_roundtrip"))
    return _built[arch]


def elf_info(path):
    """(e_machine, e_type, program header types) of an ELF64 little-endian file."""
    with open(path, "rb") as f:
        data = f.read(1 << 16)
    assert data[:4] == b"\x7fELF" and data[4] == 2 and data[5] == 1, "not a 64-bit little-endian ELF"
    e_type, e_machine = struct.unpack_from("<HH", data, 16)
    e_phoff, = struct.unpack_from("<Q", data, 32)
    e_phentsize, e_phnum = struct.unpack_from("<HH", data, 54)
    types = [struct.unpack_from("<I", data, e_phoff + i * e_phentsize)[0] for i in range(e_phnum)]
    return e_machine, e_type, types


def binfmt_preloaded():
    """True when binfmt_misc runs arm64 binaries with a preloaded (F flag) qemu."""
    try:
        with open("/proc/sys/fs/binfmt_misc/qemu-aarch64") as f:
            text = f.read()
    except OSError:
        return False
    flags = [l.split(":", 1)[1].strip() for l in text.splitlines() if l.startswith("flags:")]
    return "enabled" in text.splitlines()[0] and bool(flags) and "F" in flags[0]


class EmptyRoot:
    """A root directory with the artifact and a few files; runs programs in it with chroot."""

    def __init__(self, arch, programs, hosts=None, resolv="nameserver 127.0.0.1\n", cas=None):
        self.arch = arch
        self.path = tempfile.mkdtemp(prefix=f"artifact-root-{arch}-")
        os.makedirs(os.path.join(self.path, "etc"))
        for name, src in programs.items():
            shutil.copy2(src, os.path.join(self.path, name))
        hosts = hosts if hosts is not None else {STACK_HOST: "127.0.0.1", RUNTIME_HOST: "127.0.0.1"}
        with open(os.path.join(self.path, "etc", "hosts"), "w") as f:
            f.write("127.0.0.1 localhost\n")
            for name, addr in hosts.items():
                f.write(f"{addr} {name}\n")
        with open(os.path.join(self.path, "etc", "resolv.conf"), "w") as f:
            f.write(resolv)
        for dest, src in (cas or {}).items():
            self.add_file(dest, src)
        self.prefix = []
        if arch == "arm64" and os.uname().machine != "aarch64" and not binfmt_preloaded():
            shutil.copy2(shutil.which("qemu-aarch64-static"), os.path.join(self.path, "qemu-aarch64-static"))
            self.prefix = ["/qemu-aarch64-static"]

    def add_file(self, dest, src):
        target = os.path.join(self.path, dest.lstrip("/"))
        os.makedirs(os.path.dirname(target), exist_ok=True)
        shutil.copyfile(src, target)

    def remove_file(self, dest):
        target = os.path.join(self.path, dest.lstrip("/"))
        if os.path.exists(target):
            os.unlink(target)

    def listing(self):
        out = []
        for d, _, files in os.walk(self.path):
            out += [os.path.relpath(os.path.join(d, f), self.path) for f in files]
        return sorted(out)

    def argv(self, program, *args):
        return [CHROOT, self.path] + self.prefix + ["/" + program] + list(args)

    def clean_up(self):
        shutil.rmtree(self.path, ignore_errors=True)


def make_ca(directory, name):
    """A CA and, signed by it, a server certificate for STACK_HOST (openssl CLI)."""
    d = os.path.join(directory, name)
    os.makedirs(d)
    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]

    def openssl(*args):
        subprocess.run(["openssl"] + list(args), cwd=d, check=True, capture_output=True, timeout=60)

    # Every CA has the same name: only the signature tells them apart.
    openssl("req", "-x509", *ec, "-keyout", "ca.key", "-out", "ca.pem", "-days", "2", "-subj", "/CN=Recorder Test CA",
            "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign")
    openssl("req", *ec, "-keyout", "server.key", "-out", "server.csr", "-subj", f"/CN={STACK_HOST}")
    with open(os.path.join(d, "ext.cnf"), "w") as f:
        f.write(f"subjectAltName=DNS:{STACK_HOST}\nextendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\n")
    openssl("x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
            "-out", "server.pem", "-days", "2", "-extfile", "ext.cnf")
    return {"ca": os.path.join(d, "ca.pem"), "cert": os.path.join(d, "server.pem"),
            "key": os.path.join(d, "server.key")}


class TlsProxy:
    """TLS in front of the local stack: 127.0.0.1, a port chosen at run time,
    one thread per connection, every wait bounded."""

    IDLE = 30.0

    def __init__(self, cert, key, upstream_port):
        self.ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.ctx.load_cert_chain(cert, key)
        self.upstream = ("127.0.0.1", upstream_port)
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.handshake_failures = 0
        self.connections = 0
        self._stop = threading.Event()
        self._threads = []
        self._accept = threading.Thread(target=self._serve, daemon=True)
        self._accept.start()

    def _serve(self):
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            t = threading.Thread(target=self._pump, args=(conn,), daemon=True)
            self._threads.append(t)
            t.start()

    def _pump(self, raw):
        raw.settimeout(10)
        try:
            tls = self.ctx.wrap_socket(raw, server_side=True)
        except (ssl.SSLError, OSError):
            self.handshake_failures += 1
            raw.close()
            return
        self.connections += 1
        up = socket.create_connection(self.upstream, timeout=10)
        tls.setblocking(False)
        up.setblocking(False)
        last = time.monotonic()
        try:
            while not self._stop.is_set() and time.monotonic() - last < self.IDLE:
                ready = [tls] if tls.pending() else select.select([tls, up], [], [], 0.2)[0]
                for s in ready:
                    other = up if s is tls else tls
                    try:
                        data = s.recv(65536)
                    except (ssl.SSLWantReadError, BlockingIOError):
                        continue
                    if not data:
                        return
                    other.setblocking(True)
                    other.sendall(data)
                    other.setblocking(False)
                    last = time.monotonic()
        except (OSError, ssl.SSLError):
            pass
        finally:
            tls.close()
            up.close()

    def stop(self):
        self._stop.set()
        self.sock.close()
        self._accept.join(timeout=5)
        for t in self._threads:
            t.join(timeout=5)


def run_in_root(root, program, args=(), env=None, timeout=120):
    return subprocess.run(root.argv(program, *args), env=env or {}, capture_output=True, timeout=timeout)


class ArtifactBase:
    """Per-architecture tests; the subclasses set ARCH."""
    ARCH = None

    @classmethod
    def setUpClass(cls):
        # Skipped test by test (not the class): tests/run.py counts skips per test.
        cls.reason = skip_reason(cls.ARCH)
        cls.tmp = None
        if not cls.reason:
            cls.bootstrap, cls.driver = build(cls.ARCH)
            cls.tmp = tempfile.mkdtemp(prefix=f"artifact-{cls.ARCH}-")

    @classmethod
    def tearDownClass(cls):
        if cls.tmp:
            shutil.rmtree(cls.tmp, ignore_errors=True)

    def setUp(self):
        if self.reason:
            self.skipTest(f"{self.reason} ({self.ARCH} artifact)")  # the reason first: tests/run.py reads its prefix

    # -- the file -----------------------------------------------------------------
    def test_static_executable_for_its_architecture_and_small(self):
        machine, e_type, phdrs = elf_info(self.bootstrap)
        self.assertEqual(machine, ELF_MACHINE[self.ARCH])
        self.assertNotIn(3, phdrs, "PT_INTERP: it would need a dynamic loader")
        self.assertNotIn(2, phdrs, "PT_DYNAMIC: it would need shared libraries")
        self.assertEqual(e_type, 2, "a static ET_EXEC")
        self.assertTrue(os.access(self.bootstrap, os.X_OK))
        zpath = os.path.join(self.tmp, "artifact.zip")
        with zipfile.ZipFile(zpath, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as z:
            z.write(self.bootstrap, "bootstrap")
        self.assertLess(os.path.getsize(zpath), ZIP_LIMIT)
        # What bootstrap uses is linked in, with musl as the C library.
        unstripped = os.path.join(OUT, f"static-{self.ARCH}", "bootstrap")
        nm = subprocess.run(["nm", "--defined-only", unstripped], capture_output=True, text=True, timeout=60)
        self.assertEqual(nm.returncode, 0, nm.stderr)
        symbols = {l.split()[-1] for l in nm.stdout.splitlines() if l.strip()}
        for lib, symbol in (("libcurl", "curl_easy_perform"), ("OpenSSL", "SSL_CTX_new"), ("zlib", "inflate"),
                            ("cJSON", "cJSON_ParseWithLength"), ("musl", "__libc_start_main")):
            self.assertIn(symbol, symbols, f"{lib} is not linked in")
        self.assertNotIn("GLIBC", nm.stdout)

    def test_every_library_links_statically_at_its_pinned_version(self):
        """A program using all five libraries, linked like bootstrap (the
        Makefile's static CC, LDFLAGS, LDLIBS), runs in an empty root and
        reports the pinned versions: a module that starts using any of them
        links into the artifact."""
        env = {k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MFLAGS", "CC", "CFLAGS", "LDFLAGS")}
        proc = subprocess.run(["make", "--no-print-directory", "-s", "-f", "Makefile", "-f", "-", "STATIC=1",
                               f"ARCH={self.ARCH}", "print-link"],
                              input="print-link:\n\t@echo '$(CC)|$(LDFLAGS)|$(LDLIBS)'\n", cwd=ROOT, env=env,
                              capture_output=True, text=True, timeout=60)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        cc, ldflags, ldlibs = proc.stdout.strip().splitlines()[-1].split("|")
        src = os.path.join(self.tmp, "probe.c")
        exe = os.path.join(self.tmp, "probe")
        with open(src, "w") as f:
            f.write(PROBE_C)
        comp = subprocess.run(cc.split() + ["-std=c11", "-Wall", "-Werror", "-o", exe, src] + ldflags.split() +
                              ldlibs.split(), capture_output=True, text=True, timeout=120)
        self.assertEqual(comp.returncode, 0, comp.stderr)
        root = EmptyRoot(self.ARCH, {"probe": exe})
        try:
            run = run_in_root(root, "probe", timeout=60)
        finally:
            root.clean_up()
        self.assertEqual(run.returncode, 0, run.stderr)
        out = run.stdout.decode()
        for expected in ("curl 7.88.1", "OpenSSL 3.0.20", "zlib 1.2.13", "cJSON 1.7.15", "libsndfile-1.2.0"):
            self.assertIn(expected, out)
        self.assertIn("wav 52", out)  # 44-byte header + 4 samples

    # -- an empty root ----------------------------------------------------------
    def test_echo_invocation_in_an_empty_root_by_host_name(self):
        from stack.runtime_api import RuntimeApiEmulator
        root = EmptyRoot(self.ARCH, {"bootstrap": self.bootstrap})
        rt = RuntimeApiEmulator().start()
        proc = None
        try:
            port = rt.address.rsplit(":", 1)[1]
            env = {"AWS_LAMBDA_RUNTIME_API": f"{RUNTIME_HOST}:{port}", "_HANDLER": "echo",
                   "AWS_LAMBDA_LOG_FORMAT": "JSON"}
            proc = subprocess.Popen(root.argv("bootstrap"), env=env, stdout=subprocess.PIPE,
                                    stderr=subprocess.STDOUT)
            answer = rt.invoke_and_wait({"hello": "chroot"}, timeout=60)
            self.assertEqual(answer["kind"], "response")
            self.assertEqual(json.loads(answer["body"]), {"hello": "chroot"})
        finally:
            rt.next_fails = True
            if proc:
                try:
                    proc.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
                proc.stdout.close()
            rt.stop()
            listing = root.listing()
            root.clean_up()
        expected = {"bootstrap", "etc/hosts", "etc/resolv.conf"} | ({"qemu-aarch64-static"} if root.prefix else set())
        self.assertEqual(set(listing), expected)

    def test_full_recording_invocation_in_an_empty_root(self):
        from recording_env import (CLOUDFRONT, DEFAULT_BUCKET, FROM, INSTANCE_ID, TO, Capture, bootstrap_env,
                                   ctr_for, event, keys_for, record, s3_wav, write_capture)
        from stack.localstack import LocalStack
        from stack.runtime_api import RuntimeApiEmulator
        st = LocalStack().start()
        rt = RuntimeApiEmulator().start()
        root = EmptyRoot(self.ARCH, {"bootstrap": self.bootstrap}, cas={AL2023_CA: DEBIAN_CA})
        proc = None
        log = b""
        try:
            cap = Capture(seed=11)
            cap.add_contact("contact-art", seconds=3, to_start_ms=300)
            arn = st.add_media("connect-artifact-stream", write_capture(cap, self.tmp, "art"),
                               chunk_bytes=8192)["StreamARN"]
            env = bootstrap_env(st, rt)
            env.pop("PATH", None)
            env["AWS_ENDPOINT_URL"] = f"http://{STACK_HOST}:{st.port}"
            env["AWS_LAMBDA_RUNTIME_API"] = f"{RUNTIME_HOST}:{rt.address.rsplit(':', 1)[1]}"
            proc = subprocess.Popen(root.argv("bootstrap"), env=env, stdout=subprocess.PIPE,
                                    stderr=subprocess.STDOUT)
            answer = rt.invoke_and_wait(event(record(ctr_for(cap, arn, "contact-art"), 1)), timeout_ms=120000,
                                        timeout=180)
        finally:
            rt.next_fails = True
            if proc:
                try:
                    log, _ = proc.communicate(timeout=30)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    log, _ = proc.communicate()
            rt.stop()
            root.clean_up()
        try:
            text = log.decode(errors="replace")
            self.assertEqual(answer["kind"], "response", text[-3000:])
            self.assertEqual(json.loads(answer["body"]), {"batchItemFailures": []}, text[-3000:])
            exp = cap.expected(contact_id="contact-art")
            keys = keys_for("contact-art")
            s3 = st.client("s3")
            stored = {o["Key"] for o in s3.list_objects_v2(Bucket=DEFAULT_BUCKET).get("Contents", [])}
            calls = [(r["method"], r["path"], r["status"]) for r in st.request_log()]
            self.assertEqual(stored & set(keys.values()), set(keys.values()),
                             f"stored: {stored}\nstack calls: {calls[-12:]}\nbootstrap: {text[-3000:]}")
            for kind in (FROM, TO, "mixed"):
                frames, rate, channels = s3_wav(s3, keys[kind])
                self.assertEqual((rate, channels), (8000, 2 if kind == "mixed" else 1))
                self.assertEqual(frames, exp.mixed if kind == "mixed" else exp.tracks[kind], kind)
            attrs = st.contact_attributes().get(f"{INSTANCE_ID}/contact-art")
            self.assertEqual(attrs["audioMixed"], f"{CLOUDFRONT}/{keys['mixed']}")
        finally:
            st.stop()

    def test_host_name_resolved_through_resolv_conf(self):
        """A DNS server on 127.0.0.1:53 in a private network namespace answers
        for a name /etc/hosts does not have; bootstrap reaches the Runtime API
        by that name."""
        if not shutil.which("unshare"):
            self.skipTest("unshare (util-linux) not installed")
        probe = subprocess.run(["unshare", "--net", "true"], capture_output=True, timeout=30)
        if probe.returncode != 0:
            self.skipTest(f"no network namespaces here: {probe.stderr.decode(errors='replace').strip()}")
        root = EmptyRoot(self.ARCH, {"bootstrap": self.bootstrap}, hosts={})
        try:
            proc = subprocess.run(["unshare", "--net", "--", sys.executable, os.path.abspath(__file__),
                                   "--dns-case", root.path, json.dumps(root.prefix)],
                                  capture_output=True, timeout=240)
        finally:
            root.clean_up()
        out = proc.stdout.decode(errors="replace")
        self.assertEqual(proc.returncode, 0, out[-3000:] + proc.stderr.decode(errors="replace")[-3000:])
        result = json.loads(out.strip().splitlines()[-1])
        self.assertEqual(result["kind"], "response", result)
        self.assertEqual(result["body"], {"via": "dns"})
        self.assertIn(DNS_HOST, result["queries"])

    # -- TLS ----------------------------------------------------------------------
    def test_tls_ca_bundle_lookup_and_verification(self):
        from stack.localstack import DEFAULT_BUCKET, LocalStack
        good = make_ca(self.tmp, "good")
        wrong = make_ca(self.tmp, "wrong")
        st = LocalStack().start()
        proxy = TlsProxy(good["cert"], good["key"], st.port)
        root = EmptyRoot(self.ARCH, {"s3_roundtrip": self.driver})
        try:
            base = dict(st.env(temporary=True), AWS_ENDPOINT_URL=f"https://{STACK_HOST}:{proxy.port}",
                        AWS_LAMBDA_LOG_FORMAT="JSON")

            def roundtrip(key, extra=None):
                env = dict(base, **(extra or {}))
                p = run_in_root(root, "s3_roundtrip", ["--max-attempts", "3", "--base-delay-ms", "10",
                                                       "roundtrip", DEFAULT_BUCKET, key], env)
                lines = [json.loads(l) for l in p.stdout.decode().splitlines() if l.startswith("{")]
                return p.returncode, lines, (p.stdout + p.stderr).decode(errors="replace")

            cases = [
                ("Amazon Linux 2023 path", {AL2023_CA: good["ca"]}, {}, True),
                ("Debian path", {DEBIAN_CA: good["ca"]}, {}, True),
                ("AWS_CA_BUNDLE first", {AL2023_CA: wrong["ca"], DEBIAN_CA: wrong["ca"], "/ca/test.pem": good["ca"]},
                 {"AWS_CA_BUNDLE": "/ca/test.pem"}, True),
                ("AL2023 path before Debian's", {AL2023_CA: wrong["ca"], DEBIAN_CA: good["ca"]}, {}, False),
                ("wrong CA", {AL2023_CA: wrong["ca"]}, {}, False),
                ("no CA at all", {}, {}, False),
            ]
            for i, (label, files, extra, ok) in enumerate(cases):
                with self.subTest(label):
                    for path in (AL2023_CA, DEBIAN_CA, "/ca/test.pem"):
                        root.remove_file(path)
                    for dest, src in files.items():
                        root.add_file(dest, src)
                    failures = proxy.handshake_failures
                    rc, lines, text = roundtrip(f"tls/{self.ARCH}/{i}.bin", extra)
                    if ok:
                        self.assertEqual(rc, 0, text[-3000:])
                        self.assertEqual([l["op"] for l in lines], ["put", "get"], text[-3000:])
                        self.assertTrue(all(l["rc"] == 0 for l in lines), text[-3000:])
                    else:
                        self.assertNotEqual(rc, 0, text[-3000:])
                        self.assertTrue(lines, text[-3000:])
                        first = lines[0]
                        self.assertEqual(first["code"], "TransportError", first)
                        self.assertRegex(first["message"], r"(?i)certificate|SSL|peer", first)
                        self.assertEqual(first["attempts"], 1, "a certificate that fails is not retried")
                        if label == "wrong CA":  # curl's own detail, not just its generic code text
                            self.assertRegex(first["message"], r"(?i)issuer|verif", first)
                        if files:  # with no CA file at all the client gives up before the handshake
                            self.assertGreater(proxy.handshake_failures, failures, "the client refused the handshake")
        finally:
            proxy.stop()
            st.stop()
            root.clean_up()


class X86_64ArtifactTest(ArtifactBase, unittest.TestCase):
    ARCH = "x86_64"


class Arm64ArtifactTest(ArtifactBase, unittest.TestCase):
    ARCH = "arm64"


class BuildContractTest(unittest.TestCase):
    def test_default_arch_is_the_templates_default_architecture(self):
        with open(os.path.join(ROOT, "template.yaml")) as f:
            text = f.read()
        param = text.split("\n  Architecture:\n", 1)[1].split("\n\n", 1)[0]
        default = [l.split(":", 1)[1].strip() for l in param.splitlines() if l.strip().startswith("Default:")][0]
        env = {k: v for k, v in os.environ.items() if k not in ("ARCH", "MAKEFLAGS", "MFLAGS")}
        proc = subprocess.run(["make", "--no-print-directory", "-s", "-f", "Makefile", "-f", "-", "print-arch"],
                              input="print-arch:\n\t@echo $(ARCH)\n", cwd=ROOT, env=env, capture_output=True,
                              text=True, timeout=60)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        arch = proc.stdout.strip()
        self.assertEqual(arch, default, "sam build (no ARCH) must build what the template deploys by default")

    def test_deps_are_cached_outside_the_tree_and_reused(self):
        reason = skip_reason("x86_64")
        if reason:
            self.skipTest(reason)
        build("x86_64")  # the cache is filled now
        t0 = time.monotonic()
        proc = subprocess.run([os.path.join(ROOT, "scripts", "build-deps"), "x86_64"], capture_output=True,
                              text=True, timeout=120)
        elapsed = time.monotonic() - t0
        self.assertEqual(proc.returncode, 0, proc.stderr)
        prefix = proc.stdout.strip().splitlines()[-1]
        self.assertIn("cached", proc.stderr)
        self.assertLess(elapsed, 10)
        self.assertFalse(os.path.realpath(prefix).startswith(os.path.realpath(ROOT) + os.sep))
        with open(os.path.join(prefix, "versions.txt")) as f:
            versions = f.read()
        for name in ("musl", "zlib", "openssl", "curl", "cjson", "libsndfile"):
            self.assertRegex(versions, rf"(?m)^{name} \S+ [0-9a-f]{{64}}$")


# ---- the DNS case, run by the test above inside `unshare --net` -------------------
def _lo_up():
    """ip link set lo up, with an ioctl (no iproute2 needed)."""
    SIOCGIFFLAGS, SIOCSIFFLAGS, IFF_UP = 0x8913, 0x8914, 0x1
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        ifr = struct.pack("16sH14x", b"lo", 0)
        flags = struct.unpack("16sH14x", fcntl.ioctl(s, SIOCGIFFLAGS, ifr))[1]
        fcntl.ioctl(s, SIOCSIFFLAGS, struct.pack("16sH14x", b"lo", flags | IFF_UP))
    finally:
        s.close()


class _DnsServer:
    """Answers A queries for DNS_HOST with 127.0.0.1, other names NXDOMAIN,
    other types with no records. UDP, 127.0.0.1:53 (in a private namespace)."""

    def __init__(self):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 53))
        self.sock.settimeout(0.2)
        self.queries = []
        self._stop = threading.Event()
        self._t = threading.Thread(target=self._serve, daemon=True)
        self._t.start()

    def _serve(self):
        while not self._stop.is_set():
            try:
                q, addr = self.sock.recvfrom(512)
            except socket.timeout:
                continue
            except OSError:
                return
            try:
                self.sock.sendto(self._answer(q), addr)
            except (ValueError, IndexError, struct.error):
                continue

    def _answer(self, q):
        qid, flags = struct.unpack_from(">HH", q, 0)
        i, labels = 12, []
        while q[i]:
            labels.append(q[i + 1:i + 1 + q[i]].decode())
            i += 1 + q[i]
        qname = ".".join(labels).lower()
        qtype, = struct.unpack_from(">H", q, i + 1)
        question = q[12:i + 5]
        self.queries.append(qname)
        known = qname == DNS_HOST
        rcode = 0 if known else 3
        answers = b""
        if known and qtype == 1:
            answers = b"\xc0\x0c" + struct.pack(">HHIH", 1, 1, 30, 4) + socket.inet_aton("127.0.0.1")
        head = struct.pack(">HHHHHH", qid, 0x8400 | (flags & 0x0100) | rcode, 1, 1 if answers else 0, 0, 0)
        return head + question + answers

    def stop(self):
        self._stop.set()
        self.sock.close()
        self._t.join(timeout=5)


def _dns_case(root_path, prefix):
    from stack.runtime_api import RuntimeApiEmulator
    _lo_up()
    dns = _DnsServer()
    rt = RuntimeApiEmulator().start()
    proc = None
    result = {}
    try:
        port = rt.address.rsplit(":", 1)[1]
        env = {"AWS_LAMBDA_RUNTIME_API": f"{DNS_HOST}:{port}", "_HANDLER": "echo"}
        proc = subprocess.Popen([CHROOT, root_path] + prefix + ["/bootstrap"], env=env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        answer = rt.invoke_and_wait({"via": "dns"}, timeout=60)
        result = {"kind": answer["kind"], "body": json.loads(answer["body"])}
    except TimeoutError as e:
        result = {"kind": "timeout", "body": str(e)}
    finally:
        rt.next_fails = True
        if proc:
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        rt.stop()
        dns.stop()
    result["queries"] = sorted(set(dns.queries))
    print(json.dumps(result))


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--dns-case":
        _dns_case(sys.argv[2], json.loads(sys.argv[3]))
    else:
        unittest.main()

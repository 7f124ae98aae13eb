"""A presigned S3 GET checker for the local stack: moto 5.2.1 crashes on
query-signed requests with auth on (KeyError HTTP_AUTHORIZATION; VIDEO.md
§4.1), so a GET carrying X-Amz-Signature in its query is checked here and
served from moto's S3 backend.

The check is SigV4 query signing as the Amazon S3 API Reference describes
it ("Authenticating Requests: Using Query Parameters"): canonical request
GET, the path as sent (S3: encoded once), every query parameter but
X-Amz-Signature sorted and encoded, host the only signed header,
UNSIGNED-PAYLOAD; the secret is the one moto holds for the access key (an
IAM user's key or an assumed role's temporary key, whose session token
must match). Expired (X-Amz-Date + X-Amz-Expires before now): 403
AccessDenied "Request has expired"; a wrong signature: 403
SignatureDoesNotMatch. Every check is counted in /_stack/presigned.
"""
import calendar
import hashlib
import hmac
import time
import urllib.parse

from stack.stack_common import AwsError

SERVICE = None  # presigned requests carry no Authorization header


def _enc(s):
    return urllib.parse.quote(s, safe="-_.~")


class PresignChecker:
    def __init__(self, stack):
        self.stack = stack
        self.checks = []

    def _secret(self, access_key, token):
        from moto.iam.access_control import create_access_key
        headers = {"X-Amz-Security-Token": token} if token else {}
        key = create_access_key(self.stack.account, "aws", access_key, headers)
        return key._secret_access_key

    def verify(self, environ):
        q = urllib.parse.parse_qsl(environ.get("QUERY_STRING", ""), keep_blank_values=True)
        params = dict(q)
        if params.get("X-Amz-Algorithm") != "AWS4-HMAC-SHA256" or params.get("X-Amz-SignedHeaders") != "host":
            raise AwsError(400, "AuthorizationQueryParametersError", "bad algorithm or signed headers")
        date, expires = params["X-Amz-Date"], int(params["X-Amz-Expires"])
        if not 1 <= expires <= 604800:
            raise AwsError(400, "AuthorizationQueryParametersError", "X-Amz-Expires out of range")
        signed_at = calendar.timegm(time.strptime(date, "%Y%m%dT%H%M%SZ"))
        if time.time() > signed_at + expires:
            raise AwsError(403, "AccessDenied", "Request has expired")
        access_key, day, region, service, _ = params["X-Amz-Credential"].split("/")
        try:
            secret = self._secret(access_key, params.get("X-Amz-Security-Token"))
        except Exception:  # noqa: BLE001 (moto's unknown key / bad token errors)
            raise AwsError(403, "InvalidAccessKeyId", "The AWS Access Key Id you provided does not exist")
        query = "&".join(f"{_enc(k)}={_enc(v)}" for k, v in sorted(q) if k != "X-Amz-Signature")
        canonical = "\n".join(["GET", environ.get("RAW_URI", environ["PATH_INFO"]).split("?")[0], query,
                               f"host:{environ['HTTP_HOST']}", "", "host", "UNSIGNED-PAYLOAD"])
        scope = f"{day}/{region}/{service}/aws4_request"
        to_sign = "\n".join(["AWS4-HMAC-SHA256", date, scope, hashlib.sha256(canonical.encode()).hexdigest()])
        k = ("AWS4" + secret).encode()
        for part in (day, region, service, "aws4_request"):
            k = hmac.new(k, part.encode(), hashlib.sha256).digest()
        if not hmac.compare_digest(hmac.new(k, to_sign.encode(), hashlib.sha256).hexdigest(),
                                   params.get("X-Amz-Signature", "")):
            raise AwsError(403, "SignatureDoesNotMatch", "The request signature we calculated does not match")

    def serve(self, environ, start_response):
        if "X-Amz-Signature=" not in environ.get("QUERY_STRING", ""):
            return self.stack.moto(environ, start_response)
        entry = {"path": environ["PATH_INFO"], "ok": False}
        with self.stack.lock:
            self.checks.append(entry)
        self.verify(environ)
        from moto.s3.models import s3_backends
        bucket, key = urllib.parse.unquote(environ["PATH_INFO"]).lstrip("/").split("/", 1)
        try:
            obj = s3_backends[self.stack.account]["aws"].get_object(bucket, key)
        except Exception:  # noqa: BLE001
            obj = None
        if obj is None:
            raise AwsError(404, "NoSuchKey", "The specified key does not exist.")
        entry["ok"] = True
        body = obj.value
        start_response("200 OK", [("Content-Type", "application/octet-stream"), ("Content-Length", str(len(body)))])
        return [body]

    def error(self, start_response, err):
        return self.stack.error_response(start_response, err, "xml")

    def list_checks(self, environ, start_response, path, req):
        with self.stack.lock:
            return self.stack.json_response(start_response, 200, list(self.checks))


def register(stack):
    checker = PresignChecker(stack)
    stack.route("GET", lambda p: p.count("/") >= 2 and not p.startswith("/moto-api"), SERVICE, checker.serve,
                checker.error)
    stack.control_route("GET", "/_stack/presigned", checker.list_checks)
    return checker

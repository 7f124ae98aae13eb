"""What the local stack's core and its route modules share."""

REGION = "us-east-1"


class AwsError(Exception):
    """An AWS error answer: HTTP status, error code, message."""

    def __init__(self, status, code, message):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def service_of(environ):
    """The SigV4 signing service named in the Authorization header, or None."""
    auth = environ.get("HTTP_AUTHORIZATION", "")
    try:
        return auth.split("Credential=")[1].split(",")[0].split("/")[3]
    except IndexError:
        return None


def read_body(environ):
    return environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))

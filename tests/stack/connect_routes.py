"""Amazon Connect stand-in routes of the local stack.

- `POST /contact/attributes` (UpdateContactAttributes) stores the attributes
  per instance and initial contact, refusing a map over Connect's 32,768
  bytes.
- Control: `GET /_stack/contacts` (the stored attributes), `DELETE` clears.
"""
import json

from stack.stack_common import REGION, AwsError, read_body

SIGNING_NAME = "connect"
ATTRIBUTES_LIMIT = 32768  # bytes, Connect's limit for the attributes map


class Connect:
    def __init__(self, stack):
        self.stack = stack
        self.contacts = {}

    def contact_arn(self, instance, contact):
        return f"arn:aws:connect:{REGION}:{self.stack.account}:instance/{instance}/contact/{contact}"

    def update_contact_attributes(self, environ, start_response):
        body = read_body(environ)
        req = json.loads(body or b"{}")
        instance = req.get("InstanceId")
        contact = req.get("InitialContactId")
        attrs = req.get("Attributes")
        self.stack.verify(environ, body, "UpdateContactAttributes", self.contact_arn(instance, contact))
        if not instance or not contact or not isinstance(attrs, dict):
            raise AwsError(400, "InvalidParameterException", "InstanceId, InitialContactId and Attributes are required")
        size = sum(len(k.encode()) + len(str(v).encode()) for k, v in attrs.items())
        if size > ATTRIBUTES_LIMIT:
            raise AwsError(400, "InvalidParameterException", f"attributes are {size} bytes, over {ATTRIBUTES_LIMIT}")
        with self.stack.lock:
            self.contacts.setdefault(f"{instance}/{contact}", {}).update(attrs)
        return self.stack.json_response(start_response, 200, {})

    def get_contacts(self, environ, start_response, path, req):
        with self.stack.lock:
            return self.stack.json_response(start_response, 200, self.contacts)

    def clear_contacts(self, environ, start_response, path, req):
        with self.stack.lock:
            self.contacts.clear()
        return self.stack.json_response(start_response, 200, {})


def register(stack):
    connect = Connect(stack)
    stack.route("POST", "/contact/attributes", SIGNING_NAME, connect.update_contact_attributes)
    stack.control_route("GET", "/_stack/contacts", connect.get_contacts)
    stack.control_route("DELETE", "/_stack/contacts", connect.clear_contacts)
    return connect

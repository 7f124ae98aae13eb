"""Amazon Connect user stand-in routes of the local stack (moto 5.2.1
answers 404 for both; ../shared/VIDEO.md §4.2).

- `GET /users/{InstanceId}/{UserId}` (DescribeUser, IAM resource
  `.../instance/<id>/agent/<userId>`) -> {"User": {...}}.
- `GET /user-hierarchy-groups/{InstanceId}/{GroupId}`
  (DescribeUserHierarchyGroup, `.../agent-group/<id>`) -> {"HierarchyGroup": {...}}.
- Unknown ids: 404 ResourceNotFoundException.
- Control: `POST /_stack/connect-users` {"users": {id: User}, "groups": {id: HierarchyGroup}}.
"""
import re

from stack.stack_common import REGION, AwsError, read_body

SIGNING_NAME = "connect"


class ConnectUsers:
    def __init__(self, stack):
        self.stack = stack
        self.users = {}
        self.groups = {}

    def _arn(self, instance, kind, ident):
        return f"arn:aws:connect:{REGION}:{self.stack.account}:instance/{instance}/{kind}/{ident}"

    def _describe(self, environ, start_response, action, kind, table, member):
        body = read_body(environ)
        _, _, instance, ident = environ["PATH_INFO"].split("/", 3)
        self.stack.verify(environ, body, action, self._arn(instance, kind, ident))
        with self.stack.lock:
            found = table.get((instance, ident))
        if found is None:
            raise AwsError(404, "ResourceNotFoundException", f"{member} {ident} not found")
        return self.stack.json_response(start_response, 200, {member: found})

    def describe_user(self, environ, start_response):
        return self._describe(environ, start_response, "DescribeUser", "agent", self.users, "User")

    def describe_group(self, environ, start_response):
        return self._describe(environ, start_response, "DescribeUserHierarchyGroup", "agent-group", self.groups,
                              "HierarchyGroup")

    def seed(self, environ, start_response, path, req):
        instance = req["instance"]
        with self.stack.lock:
            for ident, user in req.get("users", {}).items():
                self.users[(instance, ident)] = dict(user, Id=ident, Arn=self._arn(instance, "agent", ident))
            for ident, group in req.get("groups", {}).items():
                self.groups[(instance, ident)] = dict(group, Id=ident, Arn=self._arn(instance, "agent-group", ident))
        return self.stack.json_response(start_response, 200, {})


def register(stack):
    cu = ConnectUsers(stack)
    stack.route("GET", lambda p: re.fullmatch(r"/users/[^/]+/[^/]+", p) is not None, SIGNING_NAME, cu.describe_user)
    stack.route("GET", lambda p: re.fullmatch(r"/user-hierarchy-groups/[^/]+/[^/]+", p) is not None, SIGNING_NAME,
                cu.describe_group)
    stack.control_route("POST", "/_stack/connect-users", cu.seed)
    return cu

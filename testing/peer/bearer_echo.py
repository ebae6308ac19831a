"""Echo calls with a bearer token: `bearer_echo.py TARGET ARGS_JSON`, where
ARGS_JSON has token (sent as `authorization: Bearer <token>`, over plaintext).
Calls Unary and ServerStream (count 1) and prints
{"result": {"Unary": {"reply": ...} | {"code": ..., "details": ...}, "ServerStream": ...}}."""

import json
import sys

import grpc

from protos import load
from wire import DEFAULT_TIMEOUT_S, channel, finish, method


def outcome(call):
    try:
        return {"reply": call()}
    except grpc.RpcError as error:
        return {"code": error.code().name, "details": error.details()}


def main():
    target, args = sys.argv[1], json.loads(sys.argv[2])
    metadata = (("authorization", "Bearer " + args["token"]),)
    pb = load("echo.proto")
    with channel(target) as ch:
        unary = method(ch, "unary_unary", "/switchboard.test.Echo/Unary", pb.EchoRequest, pb.EchoReply)
        stream = method(ch, "unary_stream", "/switchboard.test.Echo/ServerStream", pb.EchoRequest, pb.EchoReply)
        finish({
            "Unary": outcome(lambda: unary(pb.EchoRequest(message=""), metadata=metadata, timeout=DEFAULT_TIMEOUT_S).message),
            "ServerStream": outcome(lambda: [r.message for r in stream(pb.EchoRequest(count=1), metadata=metadata, timeout=DEFAULT_TIMEOUT_S)]),
        })


if __name__ == "__main__":
    main()

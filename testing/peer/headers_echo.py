"""One Echo Unary call with the metadata given: `headers_echo.py TARGET ARGS_JSON`,
where ARGS_JSON has headers, a list of [key, value] pairs sent in that order
(a key may repeat: grpc core sends each pair as its own HTTP/2 field, which
Node's own client refuses to do for `authorization`). Prints
{"result": {"reply": ...} | {"code": ..., "details": ...}}."""

import json
import sys

import grpc

from protos import load
from wire import DEFAULT_TIMEOUT_S, channel, finish, method


def main():
    target, args = sys.argv[1], json.loads(sys.argv[2])
    metadata = tuple((key, value) for key, value in args["headers"])
    pb = load("echo.proto")
    with channel(target) as ch:
        unary = method(ch, "unary_unary", "/switchboard.test.Echo/Unary", pb.EchoRequest, pb.EchoReply)
        try:
            finish({"reply": unary(pb.EchoRequest(message=""), metadata=metadata, timeout=DEFAULT_TIMEOUT_S).message})
        except grpc.RpcError as error:
            finish({"code": error.code().name, "details": error.details()})


if __name__ == "__main__":
    main()

"""One Echo Unary call over TLS: `tls_echo.py TARGET ARGS_JSON`, where ARGS_JSON
has caFile and optionally certFile, keyFile (a client certificate) and
serverName (checked against the server's certificate instead of the target's
host). Prints {"result": {"reply": ...}} or {"result": {"code": ..., "details": ...}}."""

import json
import sys

import grpc

from protos import load
from wire import DEFAULT_TIMEOUT_S, finish


def read(path):
    with open(path, "rb") as f:
        return f.read()


def main():
    target, args = sys.argv[1], json.loads(sys.argv[2])
    credentials = grpc.ssl_channel_credentials(
        root_certificates=read(args["caFile"]),
        private_key=read(args["keyFile"]) if args.get("keyFile") else None,
        certificate_chain=read(args["certFile"]) if args.get("certFile") else None,
    )
    options = [("grpc.enable_http_proxy", 0)]
    if args.get("serverName"):
        options.append(("grpc.ssl_target_name_override", args["serverName"]))
    pb = load("echo.proto")
    with grpc.secure_channel(target, credentials, options=options) as ch:
        unary = ch.unary_unary("/switchboard.test.Echo/Unary", request_serializer=pb.EchoRequest.SerializeToString,
                               response_deserializer=pb.EchoReply.FromString)
        try:
            reply = unary(pb.EchoRequest(message="over tls"), timeout=DEFAULT_TIMEOUT_S)
            finish({"reply": reply.message})
        except grpc.RpcError as error:
            finish({"code": error.code().name, "details": error.details()})


if __name__ == "__main__":
    main()

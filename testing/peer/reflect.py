"""Loads every service of a server over reflection the way grpcurl does.

    /usr/bin/python3 testing/peer/reflect.py --target 127.0.0.1:PORT

For v1 and v1alpha: list_services, then file_containing_symbol for each
service, then each dependency by file_by_filename (recursively, before the
file that imports it), adding every file to a strict DescriptorPool, which
refuses a file whose dependencies it does not hold. Prints {"result": ...}:
per version the services, the file names in the order added, and each
service's methods with their resolved input and output types; or the error
that stopped the walk.

    /usr/bin/python3 testing/peer/reflect.py --target 127.0.0.1:PORT \
        --call '/pkg.Service/Method={"name": "Ada"}' ...

also calls each unary or server-streaming method named, with message classes
built from what v1 reflection served (nothing compiled from a .proto), and
reports each outcome under "calls" by path: {"ok": true, "value": ...} (a list
for a stream) or the failure as wire.py reports it.
"""

import argparse
import json
import sys

import grpc
from google.protobuf import descriptor_pb2, descriptor_pool, json_format, message_factory

from protos import load
from wire import channel, failure, finish, method

TIMEOUT_S = 10


def walk(ch, version, pools):
    pb = load(f"grpc/reflection/{version}/reflection.proto")
    path = f"/grpc.reflection.{version}.ServerReflection/ServerReflectionInfo"
    info = method(ch, "stream_stream", path, pb.ServerReflectionRequest, pb.ServerReflectionResponse)

    def ask(**request):
        (response,) = list(info(iter([pb.ServerReflectionRequest(**request)]), timeout=TIMEOUT_S))
        if response.WhichOneof("message_response") == "error_response":
            raise LookupError(f"{request}: {response.error_response.error_code} {response.error_response.error_message}")
        return response

    def first_file(**request):
        raw = ask(**request).file_descriptor_response.file_descriptor_proto[0]
        return descriptor_pb2.FileDescriptorProto.FromString(raw)

    pool = descriptor_pool.DescriptorPool()
    pools[version] = pool
    added = []

    def add(fd):
        if fd.name in added:
            return
        for dependency in fd.dependency:
            if dependency not in added:
                served = first_file(file_by_filename=dependency)
                if served.name != dependency:
                    raise LookupError(f"file_by_filename {dependency} answered {served.name}")
                add(served)
        pool.Add(fd)
        pool.FindFileByName(fd.name)  # builds the file now: fails on a missing dependency or type
        added.append(fd.name)

    services = [s.name for s in ask(list_services="*").list_services_response.service]
    methods = {}
    for service in services:
        add(first_file(file_containing_symbol=service))
        found = pool.FindServiceByName(service)
        methods[service] = {
            "file": found.file.name,
            "methods": [[m.name, m.input_type.full_name, m.output_type.full_name] for m in found.methods],
        }
    return {"ok": True, "services": services, "files": added, "methods": methods}


def message_class(descriptor):
    get = getattr(message_factory, "GetMessageClass", None)  # protobuf >= 4.21; Debian's 3.21 has the factory
    return get(descriptor) if get else message_factory.MessageFactory(descriptor.file.pool).GetPrototype(descriptor)


def call(ch, pool, spec):
    path, _, request_json = spec.partition("=")
    service, _, name = path.lstrip("/").partition("/")
    found = pool.FindServiceByName(service).FindMethodByName(name)
    if found.client_streaming:
        raise ValueError(f"{path}: only unary and server-streaming methods can be called")
    request_cls, response_cls = message_class(found.input_type), message_class(found.output_type)
    request = json_format.ParseDict(json.loads(request_json or "{}"), request_cls())
    kind = "unary_stream" if found.server_streaming else "unary_unary"
    as_dict = lambda m: json_format.MessageToDict(m, preserving_proto_field_name=True)
    try:
        answer = method(ch, kind, path, request_cls, response_cls)(request, timeout=TIMEOUT_S)
        return {"ok": True, "value": [as_dict(m) for m in answer] if found.server_streaming else as_dict(answer)}
    except grpc.RpcError as error:
        return failure(error)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--target", required=True, help="host:port of the server")
    parser.add_argument("--call", action="append", default=[], help="/pkg.Service/Method=JSON request, after the walk")
    options = parser.parse_args()
    result = {}
    pools = {}
    with channel(options.target) as ch:
        for version in ("v1", "v1alpha"):
            try:
                result[version] = walk(ch, version, pools)
            except Exception as error:  # the test shows what stopped the walk
                result[version] = {"ok": False, "error": f"{type(error).__name__}: {error}"}
        if options.call:
            result["calls"] = {spec.partition("=")[0]: call(ch, pools["v1"], spec) for spec in options.call}
    finish(result)


if __name__ == "__main__":
    sys.exit(main())

"""Loads every service of a server over reflection the way grpcurl does.

    /usr/bin/python3 testing/peer/reflect.py --target 127.0.0.1:PORT

For v1 and v1alpha: list_services, then file_containing_symbol for each
service, then each dependency by file_by_filename (recursively, before the
file that imports it), adding every file to a strict DescriptorPool, which
refuses a file whose dependencies it does not hold. Prints {"result": ...}:
per version the services, the file names in the order added, and each
service's methods with their resolved input and output types; or the error
that stopped the walk.
"""

import argparse
import sys

from google.protobuf import descriptor_pb2, descriptor_pool

from protos import load
from wire import channel, finish, method

TIMEOUT_S = 10


def walk(ch, version):
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


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--target", required=True, help="host:port of the server")
    options = parser.parse_args()
    result = {}
    with channel(options.target) as ch:
        for version in ("v1", "v1alpha"):
            try:
                result[version] = walk(ch, version)
            except Exception as error:  # the test shows what stopped the walk
                result[version] = {"ok": False, "error": f"{type(error).__name__}: {error}"}
    finish(result)


if __name__ == "__main__":
    sys.exit(main())

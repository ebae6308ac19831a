"""Compiles the protos the peer needs with protoc (`--python_out` only) and
loads the generated `_pb2` modules.

The generated code goes to the folder named by SWITCHBOARD_PEER_GEN (the jest
helper gives one folder per test run, so protoc runs once per run), or to a
temporary folder removed when this process exits. Modules are loaded by file
path, so generated packages such as `grpc/reflection/...` never shadow the
real `grpc` package.
"""

import atexit
import hashlib
import importlib.util
import os
import shutil
import subprocess
import tempfile

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
NODE_MODULES = os.path.join(REPO, "node_modules")

# (include dir, proto file relative to it)
PROTOS = [
    (os.path.join(REPO, "apps", "orders", "proto"), "order_management.proto"),
    (os.path.join(REPO, "apps", "greeter", "proto"), "helloworld.proto"),
    (os.path.join(REPO, "testing", "echo"), "echo.proto"),
    (os.path.join(REPO, "testing", "lab"), "lab.proto"),
    (os.path.join(NODE_MODULES, "google-proto-files"), "google/rpc/status.proto"),
    (os.path.join(NODE_MODULES, "google-proto-files"), "google/rpc/error_details.proto"),
    (os.path.join(NODE_MODULES, "grpc-health-check", "proto"), "health/v1/health.proto"),
    (os.path.join(NODE_MODULES, "@grpc", "reflection", "build", "proto"), "grpc/reflection/v1/reflection.proto"),
    (os.path.join(NODE_MODULES, "@grpc", "reflection", "build", "proto"), "grpc/reflection/v1alpha/reflection.proto"),
]

_gen_dir = None
_modules = {}


def _fingerprint():
    digest = hashlib.sha256()
    digest.update(subprocess.run(["protoc", "--version"], check=True, capture_output=True).stdout)
    for include, proto in PROTOS:
        digest.update(proto.encode())
        with open(os.path.join(include, proto), "rb") as f:
            digest.update(f.read())
    return digest.hexdigest()[:16]


def _compile(out_dir):
    # One protoc run per include dir; google/protobuf/*.proto come with protoc itself.
    by_include = {}
    for include, proto in PROTOS:
        by_include.setdefault(include, []).append(proto)
    for include, protos in by_include.items():
        result = subprocess.run(
            ["protoc", "-I", include, "--python_out", out_dir, *protos],
            capture_output=True,
            text=True,
        )
        if result.returncode != 0:
            raise RuntimeError(f"protoc failed for {protos} (-I {include}):\n{result.stderr}")


def gen_dir():
    """The folder holding the generated code, compiling into it if needed."""
    global _gen_dir
    if _gen_dir is not None:
        return _gen_dir
    shared = os.environ.get("SWITCHBOARD_PEER_GEN")
    if not shared:
        _gen_dir = tempfile.mkdtemp(prefix="switchboard-peer-gen-")
        atexit.register(shutil.rmtree, _gen_dir, ignore_errors=True)
        _compile(_gen_dir)
        return _gen_dir
    target = os.path.join(shared, _fingerprint())
    if not os.path.isdir(target):
        # Compile aside, then rename into place: peers running at once never see half a tree.
        os.makedirs(shared, exist_ok=True)
        scratch = tempfile.mkdtemp(prefix="compiling-", dir=shared)
        _compile(scratch)
        try:
            os.rename(scratch, target)
        except OSError:  # another peer got there first
            shutil.rmtree(scratch, ignore_errors=True)
    _gen_dir = target
    return _gen_dir


def load(proto):
    """The `_pb2` module of a proto named as in PROTOS, e.g. 'google/rpc/status.proto'."""
    if proto in _modules:
        return _modules[proto]
    path = os.path.join(gen_dir(), proto[: -len(".proto")] + "_pb2.py")
    name = "peer_gen." + proto[: -len(".proto")].replace("/", ".") + "_pb2"
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    _modules[proto] = module
    return module


if __name__ == "__main__":
    print(gen_dir())
    for _, proto in PROTOS:
        print(proto, "->", load(proto).DESCRIPTOR.package)

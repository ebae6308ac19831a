"""Compiles apps/interop/proto with protoc (--python_out only) and imports
the generated empty_pb2 and messages_pb2.

The code goes to a folder under INTEROP_PEER_GEN, named after the protos'
contents and protoc's version (the jest tests share one per test file), or
to a temporary folder removed when the process exits. Methods are called by
path, so no grpc_tools stubs are needed.
"""

import atexit
import hashlib
import importlib
import os
import shutil
import subprocess
import sys
import tempfile

PROTO_DIR = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "proto"))
PROTOS = ("empty.proto", "messages.proto", "test.proto")


def _compile(out_dir):
    result = subprocess.run(
        ["protoc", "-I", PROTO_DIR, "--python_out", out_dir, *PROTOS], capture_output=True, text=True
    )
    if result.returncode != 0:
        raise RuntimeError(f"protoc failed for {PROTOS} (-I {PROTO_DIR}):\n{result.stderr}")


def _fingerprint():
    digest = hashlib.sha256(subprocess.run(["protoc", "--version"], check=True, capture_output=True).stdout)
    for proto in PROTOS:
        with open(os.path.join(PROTO_DIR, proto), "rb") as f:
            digest.update(f.read())
    return digest.hexdigest()[:16]


def _gen_dir():
    shared = os.environ.get("INTEROP_PEER_GEN")
    if not shared:
        folder = tempfile.mkdtemp(prefix="interop-peer-gen-")
        atexit.register(shutil.rmtree, folder, ignore_errors=True)
        _compile(folder)
        return folder
    target = os.path.join(shared, _fingerprint())
    if not os.path.isdir(target):
        # Compiled aside and renamed into place: peers starting together never see half a folder.
        os.makedirs(shared, exist_ok=True)
        scratch = tempfile.mkdtemp(prefix="compiling-", dir=shared)
        _compile(scratch)
        try:
            os.rename(scratch, target)
        except OSError:
            shutil.rmtree(scratch, ignore_errors=True)
    return target


def load():
    """The (empty_pb2, messages_pb2) modules of grpc.testing."""
    folder = _gen_dir()
    if folder not in sys.path:
        sys.path.insert(0, folder)
    return importlib.import_module("empty_pb2"), importlib.import_module("messages_pb2")

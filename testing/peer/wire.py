"""What every scenario shares: channels, method handles, and turning calls,
statuses and metadata into plain JSON values."""

import json
import sys
import time

import grpc

from protos import load

# No call of the peer may wait longer than this unless a scenario says so.
DEFAULT_TIMEOUT_S = 5.0


def channel(target):
    # 127.0.0.1 only: never route through a proxy from the environment.
    return grpc.insecure_channel(target, options=[("grpc.enable_http_proxy", 0)])


def method(ch, kind, path, request_cls=None, response_cls=None):
    """A multi-callable of `kind` ('unary_unary', 'unary_stream', 'stream_unary',
    'stream_stream'); without message classes it sends and returns raw bytes."""
    factory = getattr(ch, kind)
    return factory(
        path,
        request_serializer=request_cls.SerializeToString if request_cls else None,
        response_deserializer=response_cls.FromString if response_cls else None,
    )


def emit(event, **fields):
    """Reports progress to the test while the scenario runs."""
    print(json.dumps({"event": event, **fields}), flush=True)


def finish(result):
    print(json.dumps({"result": result}), flush=True)


def wait_for_line():
    """Blocks until the test writes a line to stdin; returns it stripped."""
    return sys.stdin.readline().strip()


def metadata_json(metadata):
    """Metadata as [key, value] pairs in order; `-bin` values as lowercase hex."""
    pairs = []
    for key, value in metadata or ():
        pairs.append([key, value.hex() if isinstance(value, bytes) else value])
    return pairs


def status_details(metadata):
    """`grpc-status-details-bin` decoded as google.rpc.Status, or None."""
    raw = next((v for k, v in metadata or () if k == "grpc-status-details-bin"), None)
    if raw is None:
        return None
    status_pb2 = load("google/rpc/status.proto")
    details_pb2 = load("google/rpc/error_details.proto")
    status = status_pb2.Status.FromString(raw)
    details = []
    for packed in status.details:
        entry = {"typeUrl": packed.type_url}
        if packed.Is(details_pb2.BadRequest.DESCRIPTOR):
            bad = details_pb2.BadRequest()
            packed.Unpack(bad)
            entry["fieldViolations"] = [{"field": v.field, "description": v.description} for v in bad.field_violations]
        details.append(entry)
    return {"code": status.code, "message": status.message, "details": details}


def failure(error):
    """A failed call as JSON: code name, message, trailers and decoded details."""
    trailers = error.trailing_metadata()
    return {
        "ok": False,
        "code": error.code().name,
        "details": error.details(),
        "trailers": metadata_json(trailers),
        "statusDetails": status_details(trailers),
        # str() holds the debug error string; debug_error_string() itself never returns for a locally cancelled call.
        "text": str(error),
    }


def attempt(fn):
    """Runs one call: {'ok': True, 'value': ..., 'ms': ...} or failure(...) with 'ms'."""
    started = time.monotonic()
    try:
        outcome = {"ok": True, "value": fn()}
    except grpc.RpcError as error:
        outcome = failure(error)
    outcome["ms"] = round((time.monotonic() - started) * 1000)
    return outcome

"""A gRPC interop test server on Debian's python3-grpcio (gRPC's C core),
written from doc/interop-test-descriptions.md of the gRPC repository.

    /usr/bin/python3 apps/interop/peer/interop_server.py --port=N [--use_tls=false] [--stop_on_stdin_eof]

Prints {"event": "listening", "port": N} once it serves (port 0 picks one).
Serves grpc.testing.TestService without UnimplementedCall, and not
UnimplementedService, so both reach gRPC's own UNIMPLEMENTED. CompressedResponse
is done (set_compression, disable_next_message_compression). CompressedRequest
cannot be: grpcio shows a servicer neither grpc-encoding nor a message's
compressed flag, so expect_compressed true is answered UNIMPLEMENTED.
"""

import argparse
import json
import signal
import sys
import threading
import time
from concurrent import futures

import grpc

from interop_protos import load

empty_pb2, messages_pb2 = load()

SERVICE = "grpc.testing.TestService"
ECHO_INITIAL_KEY = "x-grpc-test-echo-initial"
ECHO_TRAILING_KEY = "x-grpc-test-echo-trailing-bin"
CODES = {code.value[0]: code for code in grpc.StatusCode}


def echo_metadata(context, extra=()):
    received = context.invocation_metadata()
    initial = [(k, v) for k, v in received if k == ECHO_INITIAL_KEY] + list(extra)
    if initial:
        context.send_initial_metadata(initial)
    trailing = [(k, v) for k, v in received if k == ECHO_TRAILING_KEY]
    if trailing:
        context.set_trailing_metadata(trailing)


def echo_status(request, context):
    if request.HasField("response_status") and request.response_status.code != 0:
        status = request.response_status
        context.abort(CODES.get(status.code, grpc.StatusCode.UNKNOWN), status.message)


def refuse_expect_compressed(request, context):
    if request.HasField("expect_compressed") and request.expect_compressed.value:
        context.abort(
            grpc.StatusCode.UNIMPLEMENTED,
            "expect_compressed cannot be checked: grpcio shows a servicer neither grpc-encoding nor the message flags",
        )


def check_response_type(request, context):
    if request.response_type != messages_pb2.COMPRESSABLE:
        context.abort(grpc.StatusCode.INVALID_ARGUMENT, f"unsupported response_type {request.response_type}")


def payload(size):
    return messages_pb2.Payload(type=messages_pb2.COMPRESSABLE, body=bytes(size))


def simple_response(request, context):
    echo_status(request, context)
    refuse_expect_compressed(request, context)
    check_response_type(request, context)
    return messages_pb2.SimpleResponse(payload=payload(request.response_size))


def unary_call(request, context):
    if request.response_compressed.value:
        context.set_compression(grpc.Compression.Gzip)
    echo_metadata(context)
    return simple_response(request, context)


def cacheable_unary_call(request, context):
    echo_metadata(context, [("cache-control", "max-age=60, public")])
    response = simple_response(request, context)
    response.payload.body = str(time.time_ns()).encode()
    return response


def respond(request, context):
    """One response per ResponseParameters, each after its interval_us; compressed only when asked."""
    echo_status(request, context)
    check_response_type(request, context)
    for parameters in request.response_parameters:
        if parameters.interval_us > 0:
            time.sleep(parameters.interval_us / 1e6)
        if not parameters.compressed.value:
            context.disable_next_message_compression()
        yield messages_pb2.StreamingOutputCallResponse(payload=payload(parameters.size))


def start_streaming(context):
    # Compression is chosen before the headers go out; messages not asking for it opt out one by one.
    context.set_compression(grpc.Compression.Gzip)
    echo_metadata(context)


def streaming_output_call(request, context):
    start_streaming(context)
    yield from respond(request, context)


def streaming_input_call(request_iterator, context):
    echo_metadata(context)
    total = 0
    for request in request_iterator:
        refuse_expect_compressed(request, context)
        total += len(request.payload.body)
    return messages_pb2.StreamingInputCallResponse(aggregated_payload_size=total)


def full_duplex_call(request_iterator, context):
    start_streaming(context)
    for request in request_iterator:
        yield from respond(request, context)


def half_duplex_call(request_iterator, context):
    start_streaming(context)
    for request in list(request_iterator):
        yield from respond(request, context)


def handlers():
    m = messages_pb2
    unary = grpc.unary_unary_rpc_method_handler
    return grpc.method_handlers_generic_handler(SERVICE, {
        "EmptyCall": unary(lambda _, context: echo_metadata(context) or empty_pb2.Empty(),
                           empty_pb2.Empty.FromString, empty_pb2.Empty.SerializeToString),
        "UnaryCall": unary(unary_call, m.SimpleRequest.FromString, m.SimpleResponse.SerializeToString),
        "CacheableUnaryCall": unary(cacheable_unary_call, m.SimpleRequest.FromString, m.SimpleResponse.SerializeToString),
        "StreamingOutputCall": grpc.unary_stream_rpc_method_handler(
            streaming_output_call, m.StreamingOutputCallRequest.FromString, m.StreamingOutputCallResponse.SerializeToString),
        "StreamingInputCall": grpc.stream_unary_rpc_method_handler(
            streaming_input_call, m.StreamingInputCallRequest.FromString, m.StreamingInputCallResponse.SerializeToString),
        "FullDuplexCall": grpc.stream_stream_rpc_method_handler(
            full_duplex_call, m.StreamingOutputCallRequest.FromString, m.StreamingOutputCallResponse.SerializeToString),
        "HalfDuplexCall": grpc.stream_stream_rpc_method_handler(
            half_duplex_call, m.StreamingOutputCallRequest.FromString, m.StreamingOutputCallResponse.SerializeToString),
    })


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--port", type=int, required=True, help="port to listen on; 0 picks a free one")
    parser.add_argument("--use_tls", default="false", choices=["false"], help="plaintext only")
    parser.add_argument("--stop_on_stdin_eof", action="store_true", help="stop when stdin closes (for test harnesses)")
    options = parser.parse_args()

    server = grpc.server(futures.ThreadPoolExecutor(max_workers=16))
    server.add_generic_rpc_handlers((handlers(),))
    port = server.add_insecure_port(f"127.0.0.1:{options.port}")
    server.start()
    print(json.dumps({"event": "listening", "port": port}), flush=True)

    stopped = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopped.set())
    signal.signal(signal.SIGINT, lambda *_: stopped.set())
    if options.stop_on_stdin_eof:
        threading.Thread(target=lambda: (sys.stdin.read(), stopped.set()), daemon=True).start()
    while not stopped.wait(0.5):
        pass
    server.stop(0).wait(5)


if __name__ == "__main__":
    main()

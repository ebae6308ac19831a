"""The interop test cases of the python client, one function each, written
from doc/interop-test-descriptions.md of the gRPC repository. A case returns
(PASS), raises Failure, or raises Unsupported naming what cannot be done."""

import queue

import grpc

from interop_protos import load

empty_pb2, messages_pb2 = load()
m = messages_pb2

TIMEOUT_S = 20
STREAM_SIZES = (31415, 9, 2653, 58979)
REQUEST_SIZES = (27182, 8, 1828, 45904)
ECHO_METADATA = (("x-grpc-test-echo-initial", "test_initial_metadata_value"), ("x-grpc-test-echo-trailing-bin", b"\xab\xab\xab"))
SPECIAL_MESSAGE = "\t\ntest with whitespace\r\nand Unicode BMP \u263a and non-BMP \U0001f608\t\n"
NO_MESSAGE_FLAGS = ("grpcio's Python API sets compression per call, with no per-message write flag, so one call cannot "
                    "send a compressed message and then an uncompressed one")
NO_RESPONSE_FLAGS = ("grpcio's Python API gives a client no compressed flag per received message, so whether the server "
                     "obeyed response_compressed cannot be checked")


class Failure(Exception):
    pass


class Unsupported(Exception):
    pass


class Stubs:
    """The methods of TestService and UnimplementedService, called by path."""

    def __init__(self, channel):
        def method(kind, path, request, response):
            return getattr(channel, kind)(path, request_serializer=request.SerializeToString, response_deserializer=response.FromString)

        svc = "/grpc.testing.TestService/"
        self.empty_call = method("unary_unary", svc + "EmptyCall", empty_pb2.Empty, empty_pb2.Empty)
        self.unary_call = method("unary_unary", svc + "UnaryCall", m.SimpleRequest, m.SimpleResponse)
        self.streaming_output_call = method("unary_stream", svc + "StreamingOutputCall", m.StreamingOutputCallRequest, m.StreamingOutputCallResponse)
        self.streaming_input_call = method("stream_unary", svc + "StreamingInputCall", m.StreamingInputCallRequest, m.StreamingInputCallResponse)
        self.full_duplex_call = method("stream_stream", svc + "FullDuplexCall", m.StreamingOutputCallRequest, m.StreamingOutputCallResponse)
        self.unimplemented_call = method("unary_unary", svc + "UnimplementedCall", empty_pb2.Empty, empty_pb2.Empty)
        self.unimplemented_service = method("unary_unary", "/grpc.testing.UnimplementedService/UnimplementedCall", empty_pb2.Empty, empty_pb2.Empty)


class Pipe:
    """A request iterator the case feeds one message at a time."""

    _END = object()

    def __init__(self):
        self._queue = queue.Queue()

    def add(self, message):
        self._queue.put(message)

    def close(self):
        self._queue.put(self._END)

    def __iter__(self):
        return self

    def __next__(self):
        item = self._queue.get()
        if item is self._END:
            raise StopIteration
        return item


def check(condition, what):
    if not condition:
        raise Failure(what)


def payload(size):
    return m.Payload(type=m.COMPRESSABLE, body=bytes(size))


def check_payload(received, size, step):
    check(len(received.body) == size, f"{step}: expected a {size}-byte payload body, got {len(received.body)} bytes")
    check(received.body == bytes(size), f"{step}: the {size}-byte payload body is not all zeros")


def explain(error):
    return f"{error.code().name} {error.details()!r}"


def expect_code(call, code, step):
    """Runs call(); it must raise a grpc.RpcError with `code`, which is returned."""
    try:
        call()
    except grpc.RpcError as error:
        check(error.code() == code, f"{step}: expected {code.name}, got {explain(error)}")
        return error
    raise Failure(f"{step}: expected {code.name}, the call succeeded")


def empty_unary(s):
    check(s.empty_call(empty_pb2.Empty(), timeout=TIMEOUT_S) is not None, "EmptyCall: the response is None")


def large_unary(s):
    response = s.unary_call(m.SimpleRequest(response_size=314159, payload=payload(271828)), timeout=TIMEOUT_S)
    check_payload(response.payload, 314159, "UnaryCall")


def client_streaming(s):
    requests = [m.StreamingInputCallRequest(payload=payload(size)) for size in REQUEST_SIZES]
    total = s.streaming_input_call(iter(requests), timeout=TIMEOUT_S).aggregated_payload_size
    check(total == 74922, f"StreamingInputCall: aggregated_payload_size is {total}, expected 74922")


def server_streaming(s):
    request = m.StreamingOutputCallRequest(response_parameters=[m.ResponseParameters(size=size) for size in STREAM_SIZES])
    responses = list(s.streaming_output_call(request, timeout=TIMEOUT_S))
    check(len(responses) == 4, f"StreamingOutputCall: expected 4 responses, got {len(responses)}")
    for i, (response, size) in enumerate(zip(responses, STREAM_SIZES)):
        check_payload(response.payload, size, f"response {i + 1}")


def ping_pong(s):
    pipe = Pipe()
    call = s.full_duplex_call(pipe, timeout=TIMEOUT_S)
    try:
        for i, (size, request_size) in enumerate(zip(STREAM_SIZES, REQUEST_SIZES)):
            pipe.add(m.StreamingOutputCallRequest(response_parameters=[m.ResponseParameters(size=size)], payload=payload(request_size)))
            reply = next(call, None)
            check(reply is not None, f"FullDuplexCall: the stream ended before response {i + 1}")
            check_payload(reply.payload, size, f"response {i + 1}")
    finally:
        pipe.close()
    check(next(call, None) is None, "FullDuplexCall: a fifth response arrived after the half-close")


def empty_stream(s):
    responses = list(s.full_duplex_call(iter(()), timeout=TIMEOUT_S))
    check(responses == [], f"FullDuplexCall: expected no responses, got {len(responses)}")


def timeout_on_sleeping_server(s):
    pipe = Pipe()
    pipe.add(m.StreamingOutputCallRequest(payload=payload(27182)))
    try:
        call = s.full_duplex_call(pipe, timeout=0.001)
        expect_code(lambda: list(call), grpc.StatusCode.DEADLINE_EXCEEDED, "FullDuplexCall with a 1 ms deadline")
    finally:
        pipe.close()


def cancel_after_begin(s):
    pipe = Pipe()
    future = s.streaming_input_call.future(pipe, timeout=TIMEOUT_S)
    future.cancel()
    pipe.close()
    check(future.cancelled(), "StreamingInputCall: the future does not report itself cancelled")
    check(future.code() == grpc.StatusCode.CANCELLED, f"StreamingInputCall: expected CANCELLED, got {future.code().name}")


def cancel_after_first_response(s):
    pipe = Pipe()
    call = s.full_duplex_call(pipe, timeout=TIMEOUT_S)
    try:
        pipe.add(m.StreamingOutputCallRequest(response_parameters=[m.ResponseParameters(size=31415)], payload=payload(27182)))
        first = next(call, None)
        check(first is not None, "FullDuplexCall: the stream ended before the first response")
        check_payload(first.payload, 31415, "response 1")
        call.cancel()
        expect_code(lambda: next(call), grpc.StatusCode.CANCELLED, "FullDuplexCall cancelled after the first response")
    finally:
        pipe.close()


def check_echo(headers, trailers, step):
    initial = [v for k, v in headers if k == "x-grpc-test-echo-initial"]
    check(initial == ["test_initial_metadata_value"], f"{step}: header x-grpc-test-echo-initial is {initial!r}")
    trailing = [v for k, v in trailers if k == "x-grpc-test-echo-trailing-bin"]
    check(trailing == [b"\xab\xab\xab"], f"{step}: trailer x-grpc-test-echo-trailing-bin is {trailing!r}")


def custom_metadata(s):
    request = m.SimpleRequest(response_size=314159, payload=payload(271828))
    response, call = s.unary_call.with_call(request, metadata=ECHO_METADATA, timeout=TIMEOUT_S)
    check_payload(response.payload, 314159, "UnaryCall")
    check_echo(call.initial_metadata(), call.trailing_metadata(), "UnaryCall")
    request = m.StreamingOutputCallRequest(response_parameters=[m.ResponseParameters(size=314159)], payload=payload(271828))
    call = s.full_duplex_call(iter([request]), metadata=ECHO_METADATA, timeout=TIMEOUT_S)
    responses = list(call)
    check(len(responses) == 1, f"FullDuplexCall: expected 1 response, got {len(responses)}")
    check_payload(responses[0].payload, 314159, "FullDuplexCall response 1")
    check_echo(call.initial_metadata(), call.trailing_metadata(), "FullDuplexCall")


def status_code_and_message(s):
    status = m.EchoStatus(code=2, message="test status message")
    error = expect_code(lambda: s.unary_call(m.SimpleRequest(response_status=status), timeout=TIMEOUT_S), grpc.StatusCode.UNKNOWN, "UnaryCall")
    check(error.details() == status.message, f"UnaryCall: message {error.details()!r}, expected {status.message!r}")
    call = s.full_duplex_call(iter([m.StreamingOutputCallRequest(response_status=status)]), timeout=TIMEOUT_S)
    error = expect_code(lambda: list(call), grpc.StatusCode.UNKNOWN, "FullDuplexCall")
    check(error.details() == status.message, f"FullDuplexCall: message {error.details()!r}, expected {status.message!r}")


def special_status_message(s):
    request = m.SimpleRequest(response_status=m.EchoStatus(code=2, message=SPECIAL_MESSAGE))
    error = expect_code(lambda: s.unary_call(request, timeout=TIMEOUT_S), grpc.StatusCode.UNKNOWN, "UnaryCall")
    check(error.details() == SPECIAL_MESSAGE, f"UnaryCall: message {error.details()!r}, expected {SPECIAL_MESSAGE!r}")


def unimplemented_method(s):
    expect_code(lambda: s.unimplemented_call(empty_pb2.Empty(), timeout=TIMEOUT_S), grpc.StatusCode.UNIMPLEMENTED, "TestService/UnimplementedCall")


def unimplemented_service(s):
    expect_code(lambda: s.unimplemented_service(empty_pb2.Empty(), timeout=TIMEOUT_S), grpc.StatusCode.UNIMPLEMENTED,
                "UnimplementedService/UnimplementedCall")

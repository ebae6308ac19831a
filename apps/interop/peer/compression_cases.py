"""The compression cases of the python client: every step grpcio can do is
done; the case then raises Unsupported naming the step it cannot."""

import grpc

from client_cases import NO_MESSAGE_FLAGS, NO_RESPONSE_FLAGS, TIMEOUT_S, Unsupported, check, check_payload, explain, m, payload


def probe(call, method):
    """Step 1 of client_compressed_*: an uncompressed request with expect_compressed
    true must fail with INVALID_ARGUMENT; UNIMPLEMENTED means the server cannot check."""
    step = f"{method} probe (uncompressed, expect_compressed true)"
    try:
        call()
    except grpc.RpcError as error:
        if error.code() == grpc.StatusCode.UNIMPLEMENTED:
            raise Unsupported(f"the server cannot check expect_compressed: {explain(error)}")
        check(error.code() == grpc.StatusCode.INVALID_ARGUMENT, f"{step}: expected INVALID_ARGUMENT, got {explain(error)}")
        return
    check(False, f"{step}: expected INVALID_ARGUMENT, the call succeeded")


def client_compressed_unary(s):
    def request(expect):
        return m.SimpleRequest(expect_compressed=m.BoolValue(value=expect), response_size=314159, payload=payload(271828))

    probe(lambda: s.unary_call(request(True), timeout=TIMEOUT_S), "UnaryCall")
    response = s.unary_call(request(True), compression=grpc.Compression.Gzip, timeout=TIMEOUT_S)
    check_payload(response.payload, 314159, "UnaryCall compressed, expect_compressed true")
    response = s.unary_call(request(False), timeout=TIMEOUT_S)
    check_payload(response.payload, 314159, "UnaryCall uncompressed, expect_compressed false")


def client_compressed_streaming(s):
    probe_request = m.StreamingInputCallRequest(expect_compressed=m.BoolValue(value=True), payload=payload(27182))
    probe(lambda: s.streaming_input_call(iter([probe_request]), timeout=TIMEOUT_S), "StreamingInputCall")
    raise Unsupported(f"the probe was rejected with INVALID_ARGUMENT as required, but the next step cannot be done: {NO_MESSAGE_FLAGS}")


def server_compressed_unary(s):
    for compressed in (True, False):
        request = m.SimpleRequest(response_compressed=m.BoolValue(value=compressed), response_size=314159, payload=payload(271828))
        try:
            response = s.unary_call(request, timeout=TIMEOUT_S)
        except grpc.RpcError as error:
            if compressed and error.code() == grpc.StatusCode.UNIMPLEMENTED:
                raise Unsupported(f"the server cannot compress responses: {explain(error)}")
            raise
        check_payload(response.payload, 314159, f"UnaryCall response_compressed {compressed}")
    raise Unsupported(f"both calls succeeded with 314159-byte payloads, but {NO_RESPONSE_FLAGS}")


def server_compressed_streaming(s):
    sizes = (31415, 92653)
    request = m.StreamingOutputCallRequest(response_parameters=[
        m.ResponseParameters(compressed=m.BoolValue(value=True), size=sizes[0]),
        m.ResponseParameters(compressed=m.BoolValue(value=False), size=sizes[1]),
    ])
    responses = []
    try:
        for response in s.streaming_output_call(request, timeout=TIMEOUT_S):
            responses.append(response)
    except grpc.RpcError as error:
        if not responses and error.code() == grpc.StatusCode.UNIMPLEMENTED:
            raise Unsupported(f"the server cannot compress responses: {explain(error)}")
        raise
    check(len(responses) == 2, f"StreamingOutputCall: expected 2 responses, got {len(responses)}")
    for i, (response, size) in enumerate(zip(responses, sizes)):
        check_payload(response.payload, size, f"response {i + 1}")
    raise Unsupported(f"both responses arrived with the right sizes, but {NO_RESPONSE_FLAGS}")

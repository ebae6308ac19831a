"""Scenarios against switchboard.test.Echo (testing/echo/echo.proto)."""

import queue

from protos import load
from wire import DEFAULT_TIMEOUT_S, attempt, channel, method, metadata_json

SVC = "/switchboard.test.Echo/"


class Echo:
    """The four methods of Echo on one channel."""

    def __init__(self, ch):
        pb = load("echo.proto")
        self.Request = pb.EchoRequest
        self.unary = method(ch, "unary_unary", SVC + "Unary", pb.EchoRequest, pb.EchoReply)
        self.server_stream = method(ch, "unary_stream", SVC + "ServerStream", pb.EchoRequest, pb.EchoReply)
        self.client_stream = method(ch, "stream_unary", SVC + "ClientStream", pb.EchoRequest, pb.EchoReply)
        self.bidi = method(ch, "stream_stream", SVC + "Bidi", pb.EchoRequest, pb.EchoReply)


def reply_json(reply):
    return {"message": reply.message, "index": reply.index, "payloadHex": reply.payload.hex()}


def echo_metadata(target, args):
    """Sends x-echo-text = args.text and x-echo-blob-bin = bytes of args.blobHex
    on a unary and a bidi call; reports the headers and trailers received."""
    metadata = (("x-echo-text", args["text"]), ("x-echo-blob-bin", bytes.fromhex(args["blobHex"])))
    with channel(target) as ch:
        echo = Echo(ch)
        reply, call = echo.unary.with_call(echo.Request(message="unary"), metadata=metadata, timeout=DEFAULT_TIMEOUT_S)
        unary = {"reply": reply_json(reply), "headers": metadata_json(call.initial_metadata()),
                 "trailers": metadata_json(call.trailing_metadata())}
        stream = echo.bidi(iter([echo.Request(message="b0"), echo.Request(message="b1")]), metadata=metadata,
                           timeout=DEFAULT_TIMEOUT_S)
        replies = [reply_json(r) for r in stream]
        bidi = {"replies": replies, "headers": metadata_json(stream.initial_metadata()),
                "trailers": metadata_json(stream.trailing_metadata())}
        return {"unary": unary, "bidi": bidi}


def echo_errors(target, args):
    """One Unary call per entry of args.calls ({message, fail})."""
    with channel(target) as ch:
        echo = Echo(ch)
        return [
            attempt(lambda: reply_json(echo.unary(echo.Request(message=c["message"], fail=c["fail"]), timeout=DEFAULT_TIMEOUT_S)))
            for c in args["calls"]
        ]


def echo_streams(target, args):
    """ClientStream with args.messages; Bidi as ping-pong (each message sent only
    after the previous reply came back), logging sends and receipts in order;
    ServerStream with count = len(args.messages)."""
    messages = args["messages"]
    with channel(target) as ch:
        echo = Echo(ch)
        client = attempt(
            lambda: reply_json(echo.client_stream(iter([echo.Request(message=m) for m in messages]), timeout=DEFAULT_TIMEOUT_S))
        )

        log = []
        replies = queue.Queue()

        def ping_pong():
            for i, m in enumerate(messages):
                if i > 0:
                    replies.get(timeout=DEFAULT_TIMEOUT_S)
                log.append(f"sent {m}")
                yield echo.Request(message=m)
            replies.get(timeout=DEFAULT_TIMEOUT_S)

        def run_bidi():
            for reply in echo.bidi(ping_pong(), timeout=DEFAULT_TIMEOUT_S):
                log.append(f"got {reply.message}#{reply.index}")
                replies.put(reply)
            return log

        bidi = attempt(run_bidi)
        server = attempt(
            lambda: [reply_json(r) for r in echo.server_stream(echo.Request(message="s", count=len(messages)), timeout=DEFAULT_TIMEOUT_S)]
        )
        return {"clientStream": client, "bidi": bidi, "serverStream": server}


def echo_stream_deadline(target, args):
    """ServerStream with args.count replies args.delayMs apart and a deadline of
    args.timeout seconds; reports the replies received before the status."""
    with channel(target) as ch:
        echo = Echo(ch)
        received = []

        def read():
            request = echo.Request(message="slow", count=args["count"], delay_ms=args["delayMs"])
            for reply in echo.server_stream(request, timeout=args["timeout"]):
                received.append(reply_json(reply))
            return received

        outcome = attempt(read)
        outcome["received"] = received
        return outcome


SCENARIOS = {
    "echo-metadata": echo_metadata,
    "echo-errors": echo_errors,
    "echo-streams": echo_streams,
    "echo-stream-deadline": echo_stream_deadline,
}

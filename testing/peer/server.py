"""The independent gRPC peer as a SERVER: Debian's python3-grpcio (gRPC's C
core) serving the protos Switchboard's clients call, so the client is tested
against an implementation that is not grpc-js.

    /usr/bin/python3 testing/peer/server.py [--services orders,greeter,lab] [--add-order-delay-ms N]

Binds 127.0.0.1:0 and prints one JSON line {"event": "listening", "port": N}
first, then one {"event": ...} line for each thing a test may need to see
(see README.md). Serves until SIGTERM, SIGINT or end of stdin, then prints
{"event": "stopped"} and exits 0.

Services:
  orders   ecommerce.OrderManagement as "gRPC: Up and Running" and apps/orders do it
  greeter  helloworld.Greeter/SayHello
  lab      switchboard.lab.Lab: Forward as the LAST hop of a chain, Flaky

Every method echoes request metadata whose key starts with `x-echo-` (text
and -bin) as initial and as trailing metadata, and reports the call with its
`context.peer()` in a "call" event.
"""

import argparse
import datetime
import json
import os
import signal
import sys
import threading
import time
from concurrent import futures

import grpc
from google.protobuf.wrappers_pb2 import StringValue

from protos import load

ORDERS = "ecommerce.OrderManagement"
GREETER = "helloworld.Greeter"
LAB = "switchboard.lab.Lab"
SERVICES = {"orders": ORDERS, "greeter": GREETER, "lab": LAB}

# The sample orders of "gRPC: Up and Running" (apps/orders/src/order-store.ts).
SAMPLE_ORDERS = [
    {"id": "102", "items": ["Google Pixel 3A", "Mac Book Pro"], "destination": "Mountain View, CA", "price": 1800},
    {"id": "103", "items": ["Apple Watch S4"], "destination": "San Jose, CA", "price": 400},
    {"id": "104", "items": ["Google Home Mini", "Google Nest Hub"], "destination": "Mountain View, CA", "price": 400},
    {"id": "105", "items": ["Amazon Echo"], "destination": "San Jose, CA", "price": 30},
    {"id": "106", "items": ["Amazon Echo", "Apple iPhone XS"], "destination": "Mountain View, CA", "price": 300},
]

# processOrders sends the shipments after every this many order ids.
BATCH_SIZE = 3

# A call that ends this close to its deadline (or after it) is reported as
# ended by the deadline: the client's own timer and the server's race, and the
# client's RST_STREAM may arrive a moment before the server's timer fires.
DEADLINE_SLACK_MS = 25

# How often a waiting handler polls context.is_active() besides its callback.
POLL_S = 0.005

_stdout = threading.Lock()


def emit(event, **fields):
    """One JSON line on stdout; lines from handler threads never interleave."""
    line = json.dumps({"event": event, **fields})
    with _stdout:
        sys.stdout.write(line + "\n")
        sys.stdout.flush()


def now_ms():
    """Wall-clock time in ms since the epoch, comparable with Date.now() in node."""
    return round(time.time() * 1000, 1)


def metadata_json(metadata):
    """Metadata as [key, value] pairs in order; `-bin` values as lowercase hex."""
    return [[k, v.hex() if isinstance(v, bytes) else v] for k, v in metadata or ()]


# Without a deadline the C core's deadline is "infinite future" (INT64_MAX ns),
# and python3-grpcio 1.51's time_remaining() returns ~9.2e12 s, not None.
NO_DEADLINE_S = 10 * 365 * 24 * 3600


def remaining_ms(context):
    """context.time_remaining() in ms, or -1 when the call has no deadline."""
    remaining = context.time_remaining()
    return -1 if remaining is None or remaining > NO_DEADLINE_S else remaining * 1000


class Call:
    """One incoming call: reports it, echoes its x-echo-* metadata, and notices
    when it ends before the handler does (cancelled by the client, or its
    deadline passed)."""

    def __init__(self, context, method):
        self.context = context
        self.method = method
        metadata = tuple(context.invocation_metadata())
        self.echo = tuple((k, v) for k, v in metadata if k.startswith("x-echo-"))
        self._ended = threading.Event()
        self._ended_at = None
        self._headers_sent = False
        context.add_callback(self._on_end)
        context.set_trailing_metadata(self.echo)
        emit("call", method=method, peer=context.peer(), metadata=metadata_json(metadata),
             remaining_ms=remaining_ms(context), at_ms=now_ms())

    def _on_end(self):
        # Runs when the RPC terminates for any reason; while the handler is
        # still running that means the client cancelled or the deadline passed.
        if self._ended_at is None:
            self._ended_at = now_ms()
        self._ended.set()

    def send_headers(self, extra=()):
        """Initial metadata: `extra` then the echoed pairs; once per call."""
        if not self._headers_sent:
            self._headers_sent = True
            self.context.send_initial_metadata(tuple(extra) + self.echo)

    def set_trailers(self, extra=()):
        self.context.set_trailing_metadata(tuple(extra) + self.echo)

    def fail(self, code, message, details=()):
        """Ends the call with `code` and `message`; `details` (protobuf
        messages) travel packed in a google.rpc.Status in the
        grpc-status-details-bin trailer, as grpcio-status would send them."""
        extra = ()
        if details:
            status_pb2 = load("google/rpc/status.proto")
            status = status_pb2.Status(code=code.value[0], message=message)
            for detail in details:
                status.details.add().Pack(detail)
            extra = (("grpc-status-details-bin", status.SerializeToString()),)
        self.set_trailers(extra)
        self.context.abort(code, message)  # raises

    def ended(self):
        return self._ended.is_set() or not self.context.is_active()

    def wait(self, ms, **report):
        """Waits `ms` unless the call ends first. When it does, reports a
        "deadline" or "cancelled" event (with `report`'s fields) and returns
        the status code to end the handler with; otherwise returns None."""
        until = time.monotonic() + ms / 1000
        while not self.ended():
            left = until - time.monotonic()
            if left <= 0:
                return None
            self._ended.wait(min(left, POLL_S))
        seen_at = self._ended_at if self._ended_at is not None else now_ms()
        left_ms = remaining_ms(self.context)
        by_deadline = 0 <= left_ms <= DEADLINE_SLACK_MS
        emit("deadline" if by_deadline else "cancelled", method=self.method, at_ms=seen_at,
             remaining_ms=left_ms, deadline_passed=left_ms == 0, is_active=self.context.is_active(), **report)
        return grpc.StatusCode.DEADLINE_EXCEEDED if by_deadline else grpc.StatusCode.CANCELLED


def unary(fn, request_cls, response_cls):
    return grpc.unary_unary_rpc_method_handler(
        fn, request_deserializer=request_cls.FromString, response_serializer=response_cls.SerializeToString)


def server_stream(fn, request_cls, response_cls):
    return grpc.unary_stream_rpc_method_handler(
        fn, request_deserializer=request_cls.FromString, response_serializer=response_cls.SerializeToString)


def client_stream(fn, request_cls, response_cls):
    return grpc.stream_unary_rpc_method_handler(
        fn, request_deserializer=request_cls.FromString, response_serializer=response_cls.SerializeToString)


def bidi(fn, request_cls, response_cls):
    return grpc.stream_stream_rpc_method_handler(
        fn, request_deserializer=request_cls.FromString, response_serializer=response_cls.SerializeToString)


class OrderManagement:
    """ecommerce.OrderManagement over an in-memory store seeded with 102-106."""

    def __init__(self, add_order_delay_ms=0):
        self.pb = load("order_management.proto")
        self.details = load("google/rpc/error_details.proto")
        self.delay_ms = add_order_delay_ms
        self.lock = threading.Lock()
        self.orders = {}  # insertion-ordered, as the app's Map
        for fields in SAMPLE_ORDERS:
            self.put(self.pb.Order(**fields))

    def put(self, order):
        copy = self.pb.Order()
        copy.CopyFrom(order)
        with self.lock:
            self.orders[order.id] = copy

    def get(self, order_id):
        with self.lock:
            return self.orders.get(order_id)

    def all(self):
        with self.lock:
            return list(self.orders.values())

    def handler(self):
        pb = self.pb
        return grpc.method_handlers_generic_handler(ORDERS, {
            "addOrder": unary(self.add_order, pb.Order, StringValue),
            "getOrder": unary(self.get_order, StringValue, pb.Order),
            "searchOrders": server_stream(self.search_orders, StringValue, pb.Order),
            "updateOrders": client_stream(self.update_orders, pb.Order, StringValue),
            "processOrders": bidi(self.process_orders, StringValue, pb.CombinedShipment),
        })

    def not_found(self, call, order_id):
        call.fail(grpc.StatusCode.NOT_FOUND, f"Order does not exist. : {order_id}")

    def add_order(self, order, context):
        call = Call(context, f"/{ORDERS}/addOrder")
        if order.id == "-1":
            violation = self.details.BadRequest.FieldViolation(
                field="ID", description=f"Order ID received is not valid {order.id} : {order.description}")
            call.fail(grpc.StatusCode.INVALID_ARGUMENT, "Invalid information received",
                      [self.details.BadRequest(field_violations=[violation])])
        if self.delay_ms > 0:
            code = call.wait(self.delay_ms, id=order.id)
            if code is not None:
                call.fail(code, "addOrder ended early: the call is no longer active")
        self.put(order)
        timestamp = datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="milliseconds")
        call.send_headers((("location", "San Jose"), ("timestamp", timestamp)))
        call.set_trailers((("order-id", order.id),))
        emit("order-added", id=order.id)
        return StringValue(value=f"Order Added: {order.id}")

    def get_order(self, request, context):
        call = Call(context, f"/{ORDERS}/getOrder")
        order = self.get(request.value)
        if order is None:
            self.not_found(call, request.value)
        call.send_headers()
        return order

    def search_orders(self, request, context):
        call = Call(context, f"/{ORDERS}/searchOrders")
        call.send_headers()
        for order in self.all():
            if any(request.value in item for item in order.items):
                yield order

    def update_orders(self, request_iterator, context):
        call = Call(context, f"/{ORDERS}/updateOrders")
        call.send_headers()
        ids = []
        for order in request_iterator:
            self.put(order)
            ids.append(order.id)
        return StringValue(value=f"Orders processed {', '.join(ids)}")

    def process_orders(self, request_iterator, context):
        call = Call(context, f"/{ORDERS}/processOrders")
        call.send_headers()
        batch = {}  # destination -> CombinedShipment, in first-seen order
        count = 0
        for request in request_iterator:
            order = self.get(request.value)
            if order is None:
                self.not_found(call, request.value)
            shipment = batch.get(order.destination)
            if shipment is None:
                shipment = self.pb.CombinedShipment(id=f"cmb - {order.destination}", status="Processed!")
                batch[order.destination] = shipment
            shipment.ordersList.append(order)
            count += 1
            if count % BATCH_SIZE == 0:
                yield from batch.values()
                batch = {}
        if context.is_active():
            yield from batch.values()


class Greeter:
    def __init__(self):
        self.pb = load("helloworld.proto")

    def handler(self):
        return grpc.method_handlers_generic_handler(GREETER, {
            "SayHello": unary(self.say_hello, self.pb.HelloRequest, self.pb.HelloReply),
        })

    def say_hello(self, request, context):
        call = Call(context, f"/{GREETER}/SayHello")
        call.send_headers()
        return self.pb.HelloReply(message=f"Hello {request.name}")


class Lab:
    """switchboard.lab.Lab as the last hop of a chain (never forwards)."""

    def __init__(self):
        self.pb = load("lab.proto")
        self.lock = threading.Lock()
        self.attempts = {}

    def handler(self):
        pb = self.pb
        return grpc.method_handlers_generic_handler(LAB, {
            "Forward": unary(self.forward, pb.ForwardRequest, pb.ForwardReply),
            "Flaky": unary(self.flaky, pb.FlakyRequest, pb.FlakyReply),
        })

    def forward(self, request, context):
        call = Call(context, f"/{LAB}/Forward")
        left = remaining_ms(context)
        # The W3C trace context the caller sent, as received (None when absent): the
        # last hop of a chain reports which trace it was called in.
        received = dict(context.invocation_metadata())
        emit("forward", id=request.id, remaining_ms=left, sleep_ms=request.sleep_ms, at_ms=now_ms(),
             traceparent=received.get("traceparent"), tracestate=received.get("tracestate"))
        if request.sleep_ms > 0:
            code = call.wait(request.sleep_ms, id=request.id)
            if code is not None:
                call.fail(code, "Forward ended early: the call is no longer active")
        call.send_headers()
        emit("forward-done", id=request.id, at_ms=now_ms())
        return self.pb.ForwardReply(remaining_ms=left, path=["py"])

    def flaky(self, request, context):
        # No initial metadata before failing: a Trailers-Only response, which
        # a client may retry (gRFC A6 commits a call once headers arrive).
        call = Call(context, f"/{LAB}/Flaky")
        with self.lock:
            count = self.attempts.get(request.key, 0) + 1
            self.attempts[request.key] = count
        failing = count <= request.failures
        code = grpc.StatusCode[request.code.strip().upper()] if request.code.strip() else grpc.StatusCode.UNAVAILABLE
        emit("flaky", key=request.key, attempt=count, code=code.name if failing else "OK")
        if failing:
            call.fail(code, f"failure {count} of {request.failures}")
        return self.pb.FlakyReply(attempts=count)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--services", default="orders,greeter,lab", help="comma-separated: orders, greeter, lab")
    parser.add_argument("--add-order-delay-ms", type=int, default=0, help="addOrder waits this long first")
    parser.add_argument("--workers", type=int, default=64, help="handler threads")
    options = parser.parse_args(argv)

    names = [n.strip() for n in options.services.split(",") if n.strip()]
    unknown = [n for n in names if n not in SERVICES]
    if unknown:
        parser.error(f"unknown service(s) {', '.join(unknown)}; known: {', '.join(SERVICES)}")
    handlers = []
    for name in names:
        if name == "orders":
            handlers.append(OrderManagement(options.add_order_delay_ms).handler())
        elif name == "greeter":
            handlers.append(Greeter().handler())
        elif name == "lab":
            handlers.append(Lab().handler())

    server = grpc.server(futures.ThreadPoolExecutor(max_workers=options.workers), handlers=handlers,
                         options=[("grpc.so_reuseport", 0)])
    port = server.add_insecure_port("127.0.0.1:0")
    if port == 0:
        raise RuntimeError("could not bind 127.0.0.1:0")
    server.start()

    stop = threading.Event()

    def read_stdin():
        # The test closes stdin (or dies): stop with it.
        for _ in sys.stdin:
            pass
        stop.set()

    threading.Thread(target=read_stdin, daemon=True).start()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    emit("listening", port=port, services=[SERVICES[n] for n in names], pid=os.getpid())
    while not stop.wait(0.1):
        pass
    server.stop(grace=0).wait(5)
    emit("stopped")
    return 0


if __name__ == "__main__":
    sys.exit(main())

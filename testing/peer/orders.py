"""Scenarios against ecommerce.OrderManagement and helloworld.Greeter.

Each takes (target, args) and returns a JSON value; the test decides what is
right. Orders in args are dicts of Order fields.
"""

import threading
import time

import grpc
from google.protobuf import descriptor_pb2
from google.protobuf.wrappers_pb2 import StringValue

from protos import load
from wire import DEFAULT_TIMEOUT_S, attempt, channel, emit, method, metadata_json, wait_for_line

SVC = "/ecommerce.OrderManagement/"


def _pb():
    return load("order_management.proto")


def _order(fields):
    return _pb().Order(**fields)


def order_json(order):
    return {
        "id": order.id,
        "items": list(order.items),
        "description": order.description,
        "price": round(order.price, 2),
        "destination": order.destination,
    }


def shipment_json(shipment):
    return {"id": shipment.id, "status": shipment.status, "orderIds": [o.id for o in shipment.ordersList]}


class Orders:
    """The five methods of OrderManagement on one channel."""

    def __init__(self, ch):
        pb = _pb()
        self.add = method(ch, "unary_unary", SVC + "addOrder", pb.Order, StringValue)
        self.get = method(ch, "unary_unary", SVC + "getOrder", StringValue, pb.Order)
        self.search = method(ch, "unary_stream", SVC + "searchOrders", StringValue, pb.Order)
        self.update = method(ch, "stream_unary", SVC + "updateOrders", pb.Order, StringValue)
        self.process = method(ch, "stream_stream", SVC + "processOrders", StringValue, pb.CombinedShipment)


def all_call_kinds(target, args):
    """addOrder, getOrder, searchOrders, updateOrders, processOrders, then
    Greeter.SayHello, all over one channel."""
    hello = load("helloworld.proto")
    with channel(target) as ch:
        orders = Orders(ch)
        added, call = orders.add.with_call(_order(args["addOrder"]), timeout=DEFAULT_TIMEOUT_S)
        got = orders.get(StringValue(value=args["getOrder"]), timeout=DEFAULT_TIMEOUT_S)
        found = orders.search(StringValue(value=args["searchOrders"]), timeout=DEFAULT_TIMEOUT_S)
        updated = orders.update(iter([_order(o) for o in args["updateOrders"]]), timeout=DEFAULT_TIMEOUT_S)
        shipments = orders.process(iter([StringValue(value=i) for i in args["processOrders"]]), timeout=DEFAULT_TIMEOUT_S)
        say_hello = method(ch, "unary_unary", "/helloworld.Greeter/SayHello", hello.HelloRequest, hello.HelloReply)
        greeting = say_hello(hello.HelloRequest(name=args["sayHello"]), timeout=DEFAULT_TIMEOUT_S)
        return {
            "addOrder": {"value": added.value, "headers": metadata_json(call.initial_metadata())},
            "getOrder": order_json(got),
            "searchOrders": [order_json(o) for o in found],
            "updateOrders": updated.value,
            "processOrders": [shipment_json(s) for s in shipments],
            "sayHello": greeting.message,
        }


def add_order(target, args):
    """One addOrder; args: order, timeout (s), gzip (bool)."""
    with channel(target) as ch:
        orders = Orders(ch)
        compression = grpc.Compression.Gzip if args.get("gzip") else None
        timeout = args.get("timeout", DEFAULT_TIMEOUT_S)
        return attempt(lambda: orders.add(_order(args["order"]), timeout=timeout, compression=compression).value)


def get_order(target, args):
    """One getOrder; args: id."""
    with channel(target) as ch:
        orders = Orders(ch)
        return attempt(lambda: order_json(orders.get(StringValue(value=args["id"]), timeout=DEFAULT_TIMEOUT_S)))


def process_then_cancel(target, args):
    """processOrders: sends args.ids without half-closing, reads the first
    shipment, then cancels the call."""
    with channel(target) as ch:
        orders = Orders(ch)
        cancelled = threading.Event()

        def ids():
            for i in args["ids"]:
                yield StringValue(value=i)
            cancelled.wait(DEFAULT_TIMEOUT_S)  # the stream stays open until we cancel

        call = orders.process(ids(), timeout=DEFAULT_TIMEOUT_S)
        first = shipment_json(next(call))
        call.cancel()
        cancelled.set()
        outcome = attempt(lambda: [shipment_json(s) for s in call])
        return {"first": first, "afterCancel": outcome}


def gzip_calls(target, args):
    """addOrder and updateOrders with gzip-compressed requests; args: order, updates."""
    with channel(target) as ch:
        orders = Orders(ch)
        gzip = grpc.Compression.Gzip
        added = attempt(lambda: orders.add(_order(args["order"]), timeout=DEFAULT_TIMEOUT_S, compression=gzip).value)
        updates = [_order(o) for o in args["updates"]]
        updated = attempt(lambda: orders.update(iter(updates), timeout=DEFAULT_TIMEOUT_S, compression=gzip).value)
        got = attempt(lambda: order_json(orders.get(StringValue(value=args["order"]["id"]), timeout=DEFAULT_TIMEOUT_S)))
        return {"addOrder": added, "updateOrders": updated, "getOrder": got}


def health(target, args):
    """grpc.health.v1.Health/Check for each of args.services."""
    pb = load("health/v1/health.proto")
    with channel(target) as ch:
        check = method(ch, "unary_unary", "/grpc.health.v1.Health/Check", pb.HealthCheckRequest, pb.HealthCheckResponse)
        results = {}
        for service in args["services"]:
            outcome = attempt(lambda: check(pb.HealthCheckRequest(service=service), timeout=DEFAULT_TIMEOUT_S))
            if outcome["ok"]:
                outcome["value"] = pb.HealthCheckResponse.ServingStatus.Name(outcome["value"].status)
            results[service] = outcome
        return results


def _reflect(ch, version, symbol):
    pb = load(f"grpc/reflection/{version}/reflection.proto")
    info = method(
        ch,
        "stream_stream",
        f"/grpc.reflection.{version}.ServerReflection/ServerReflectionInfo",
        pb.ServerReflectionRequest,
        pb.ServerReflectionResponse,
    )
    requests = [pb.ServerReflectionRequest(list_services=""), pb.ServerReflectionRequest(file_containing_symbol=symbol)]
    report = {"services": [], "files": [], "errors": []}
    for response in info(iter(requests), timeout=DEFAULT_TIMEOUT_S):
        kind = response.WhichOneof("message_response")
        if kind == "list_services_response":
            report["services"] = [s.name for s in response.list_services_response.service]
        elif kind == "file_descriptor_response":
            for raw in response.file_descriptor_response.file_descriptor_proto:
                fd = descriptor_pb2.FileDescriptorProto.FromString(raw)
                report["files"].append(
                    {"name": fd.name, "package": fd.package, "services": [s.name for s in fd.service],
                     "messages": [m.name for m in fd.message_type]}
                )
        elif kind == "error_response":
            report["errors"].append({"code": response.error_response.error_code, "message": response.error_response.error_message})
    return report


def reflection(target, args):
    """ServerReflectionInfo in v1 and v1alpha: list_services, then
    file_containing_symbol args.symbol."""
    with channel(target) as ch:
        return {version: attempt(lambda: _reflect(ch, version, args["symbol"])) for version in ("v1", "v1alpha")}


def unimplemented(target, args):
    """Empty requests to each path in args.paths (raw bytes, no stubs)."""
    with channel(target) as ch:
        return {path: attempt(lambda: method(ch, "unary_unary", path)(b"", timeout=DEFAULT_TIMEOUT_S).hex()) for path in args["paths"]}


def malformed_request(target, args):
    """addOrder with args.hex as the message bytes, then getOrder args.nextId on
    the same channel."""
    with channel(target) as ch:
        raw_add = method(ch, "unary_unary", SVC + "addOrder")
        malformed = attempt(lambda: raw_add(bytes.fromhex(args["hex"]), timeout=DEFAULT_TIMEOUT_S).hex())
        orders = Orders(ch)
        following = attempt(lambda: order_json(orders.get(StringValue(value=args["nextId"]), timeout=DEFAULT_TIMEOUT_S)))
        return {"malformed": malformed, "next": following}


def oversize(target, args):
    """addOrder with a description of args.bigBytes bytes, then one of
    args.smallBytes, on the same channel."""
    with channel(target) as ch:
        orders = Orders(ch)

        def add(order_id, size):
            order = _order({"id": order_id, "description": "d" * size, "destination": "Nowhere"})
            return attempt(lambda: {"value": orders.add(order, timeout=DEFAULT_TIMEOUT_S).value, "bytes": order.ByteSize()})

        return {"big": add("big", args["bigBytes"]), "small": add("small", args["smallBytes"])}


def shutdown_in_flight(target, args):
    """Starts addOrder args.order, reports 'in-flight', waits for a line on
    stdin (the server was told to stop), then makes getOrder args.nextId on
    the same channel and on a new one, and reports the in-flight outcome."""
    with channel(target) as ch:
        grpc.channel_ready_future(ch).result(timeout=DEFAULT_TIMEOUT_S)
        orders = Orders(ch)
        started = time.monotonic()
        pending = orders.add.future(_order(args["order"]), timeout=10)
        emit("in-flight")
        wait_for_line()
        after = {"sameChannel": attempt(lambda: order_json(orders.get(StringValue(value=args["nextId"]), timeout=2)))}
        with channel(target) as fresh:
            later = Orders(fresh)
            after["newChannel"] = attempt(lambda: order_json(later.get(StringValue(value=args["nextId"]), timeout=2)))
        in_flight = attempt(lambda: pending.result().value)
        in_flight["ms"] = round((time.monotonic() - started) * 1000)
        return {"inFlight": in_flight, "after": after}


SCENARIOS = {
    "all-call-kinds": all_call_kinds,
    "add-order": add_order,
    "get-order": get_order,
    "process-then-cancel": process_then_cancel,
    "gzip-calls": gzip_calls,
    "health": health,
    "reflection": reflection,
    "unimplemented": unimplemented,
    "malformed-request": malformed_request,
    "oversize": oversize,
    "shutdown-in-flight": shutdown_in_flight,
}

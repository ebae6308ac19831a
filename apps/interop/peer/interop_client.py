"""A gRPC interop test client on Debian's python3-grpcio (gRPC's C core),
written from doc/interop-test-descriptions.md of the gRPC repository.

    /usr/bin/python3 apps/interop/peer/interop_client.py --server_host=H --server_port=N --test_case=NAME [--use_tls=false] [--json]

NAME is one case, several separated by commas, or "all". Prints one line per
case (a JSON object with --json). Exit status: 0 every case passed, 1 a case
failed, 3 a case could not be run as described (UNSUPPORTED), 2 a bad command line.
"""

import argparse
import json
import sys
import time

import grpc

import client_cases as c
import compression_cases as z

CASES = {
    f.__name__: f
    for f in (
        c.empty_unary, c.large_unary, c.client_streaming, c.server_streaming, c.ping_pong, c.empty_stream,
        c.timeout_on_sleeping_server, c.cancel_after_begin, c.cancel_after_first_response, c.custom_metadata,
        c.status_code_and_message, c.special_status_message, c.unimplemented_method, c.unimplemented_service,
        z.client_compressed_unary, z.client_compressed_streaming, z.server_compressed_unary, z.server_compressed_streaming,
    )
}


def run(name, stubs):
    started = time.monotonic()
    outcome = {"case": name, "status": "PASS"}
    try:
        CASES[name](stubs)
    except c.Unsupported as unsupported:
        outcome.update(status="UNSUPPORTED", reason=str(unsupported))
    except c.Failure as failure:
        outcome.update(status="FAIL", reason=str(failure))
    except grpc.RpcError as error:
        outcome.update(status="FAIL", reason=f"unexpected {c.explain(error)}")
    outcome["ms"] = round((time.monotonic() - started) * 1000)
    return outcome


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--server_host", default="127.0.0.1")
    parser.add_argument("--server_port", type=int, required=True)
    parser.add_argument("--test_case", required=True, help="a case, a comma-separated list, or all: " + ", ".join(CASES))
    parser.add_argument("--use_tls", default="false", choices=["false"], help="plaintext only")
    parser.add_argument("--use_test_ca", default="false", choices=["false"])
    parser.add_argument("--json", action="store_true", help="one JSON object per case")
    options = parser.parse_args()
    names = list(CASES) if options.test_case == "all" else options.test_case.split(",")
    unknown = [n for n in names if n not in CASES]
    if unknown:
        parser.error(f"unknown test case(s): {', '.join(unknown)}")

    host = f"[{options.server_host}]" if ":" in options.server_host else options.server_host
    outcomes = []
    with grpc.insecure_channel(f"{host}:{options.server_port}", options=[("grpc.enable_http_proxy", 0)]) as channel:
        stubs = c.Stubs(channel)
        for name in names:
            outcome = run(name, stubs)
            outcomes.append(outcome)
            if options.json:
                print(json.dumps(outcome, ensure_ascii=False), flush=True)
            else:
                reason = f": {outcome['reason']}" if "reason" in outcome else ""
                print(f"{outcome['status']} {name} ({outcome['ms']} ms){reason}", flush=True)
    statuses = {o["status"] for o in outcomes}
    return 1 if "FAIL" in statuses else 3 if "UNSUPPORTED" in statuses else 0


if __name__ == "__main__":
    sys.exit(main())

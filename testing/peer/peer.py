"""The independent gRPC peer: Debian's python3-grpcio (gRPC's C core) driving a
Switchboard server.

    /usr/bin/python3 testing/peer/peer.py SCENARIO --target 127.0.0.1:PORT [--args JSON]

Prints JSON lines on stdout: {"event": ...} while running (some scenarios
wait for a line on stdin after one), then {"result": ...} last. Expected gRPC
failures are part of the result; anything else is a traceback and exit 1.
"""

import argparse
import json
import sys

import echo
import orders
from wire import finish

SCENARIOS = {**orders.SCENARIOS, **echo.SCENARIOS}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("scenario", choices=sorted(SCENARIOS))
    parser.add_argument("--target", required=True, help="host:port of the server")
    parser.add_argument("--args", default="{}", help="the scenario's arguments, a JSON object")
    options = parser.parse_args()
    finish(SCENARIOS[options.scenario](options.target, json.loads(options.args)))


if __name__ == "__main__":
    sys.exit(main())

"""Calls switchboard.test.Echo/Unary with one metadata value of each size given
and then a small call on the same channel; prints one JSON line per size.

    metadata_client.py HOST:PORT 20000,60000,300000
"""
import json
import sys

import grpc


def call(unary, metadata):
    try:
        unary(b'', metadata=metadata, timeout=5)
        return {'code': 'OK', 'details': ''}
    except grpc.RpcError as error:
        return {'code': error.code().name, 'details': error.details()}


def main():
    target, sizes = sys.argv[1], [int(s) for s in sys.argv[2].split(',')]
    with grpc.insecure_channel(target) as channel:
        unary = channel.unary_unary('/switchboard.test.Echo/Unary')
        call(unary, ())  # connected, SETTINGS exchanged
        for size in sizes:
            big = call(unary, (('x-big', 'a' * size),))
            after = call(unary, ())
            print(json.dumps({'size': size, 'big': big, 'after': after}), flush=True)


if __name__ == '__main__':
    main()

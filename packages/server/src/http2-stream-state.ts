import type { Http2Stream } from 'node:http2';
import type { GrpcServerCall } from '@switchboard/core';

/**
 * The HTTP/2 stream under a grpc-js server call. grpc-js 1.14 keeps it on the
 * innermost intercepting call (`.call` → `.nextCall`… → `.stream`);
 * @grpc/grpc-js is pinned exactly, and if the shape changes this answers
 * undefined and callers fall back to the behaviour of plain grpc-js.
 * @internal
 */
export function http2StreamOf(call: GrpcServerCall): Http2Stream | undefined {
  let node = (call as unknown as { call?: unknown }).call;
  for (let depth = 0; depth < 8 && typeof node === 'object' && node !== null; depth++) {
    const stream = (node as { stream?: Http2Stream }).stream;
    if (stream !== undefined && typeof stream.rstCode !== 'undefined') return stream;
    node = (node as { nextCall?: unknown }).nextCall;
  }
  return undefined;
}

/** Whether an HTTP/2 stream has been reset (closed by RST_STREAM or destroyed). @internal */
export function wasReset(stream: Http2Stream): boolean {
  return stream.closed || stream.destroyed;
}

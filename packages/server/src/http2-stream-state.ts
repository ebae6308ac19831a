import type { Http2Stream } from 'node:http2';
import type { GrpcServerCall } from '@switchboard/core';

/**
 * Whether the HTTP/2 stream under a grpc-js server call has been reset.
 * grpc-js 1.14 keeps it on the innermost intercepting call (`.call` →
 * `.nextCall`… → `.stream`); @grpc/grpc-js is pinned exactly, and if the
 * shape changes this answers false, the behaviour of plain grpc-js.
 * @internal
 */
export function streamWasReset(call: GrpcServerCall): boolean {
  let node = (call as unknown as { call?: unknown }).call;
  for (let depth = 0; depth < 8 && typeof node === 'object' && node !== null; depth++) {
    const stream = (node as { stream?: Http2Stream }).stream;
    if (stream !== undefined && typeof stream.rstCode !== 'undefined') return stream.closed || stream.destroyed;
    node = (node as { nextCall?: unknown }).nextCall;
  }
  return false;
}

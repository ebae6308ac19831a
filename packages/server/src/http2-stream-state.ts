import type { Http2Stream } from 'node:http2';
import type { GrpcServerCall } from '@switchboard/core';

/** What grpc-js 1.14 keeps on the innermost intercepting call of a server call. */
interface BaseCall {
  readonly stream: Http2Stream;
  readonly decoder?: { readonly readState?: unknown };
}

/**
 * The innermost intercepting call under a grpc-js server call, the one that
 * holds the HTTP/2 stream and the message decoder. grpc-js 1.14 reaches it
 * through `.call` → `.nextCall`…; @grpc/grpc-js is pinned exactly, and if the
 * shape changes this answers undefined and callers fall back to the behaviour
 * of plain grpc-js.
 * @internal
 */
function baseCallOf(call: GrpcServerCall): BaseCall | undefined {
  let node = (call as unknown as { call?: unknown }).call;
  for (let depth = 0; depth < 8 && typeof node === 'object' && node !== null; depth++) {
    const stream = (node as { stream?: Http2Stream }).stream;
    if (stream !== undefined && typeof stream.rstCode !== 'undefined') return node as BaseCall;
    node = (node as { nextCall?: unknown }).nextCall;
  }
  return undefined;
}

/** The HTTP/2 stream under a grpc-js server call (see {@link baseCallOf}). @internal */
export function http2StreamOf(call: GrpcServerCall): Http2Stream | undefined {
  return baseCallOf(call)?.stream;
}

/** Whether an HTTP/2 stream has been reset (closed by RST_STREAM or destroyed). @internal */
export function wasReset(stream: Http2Stream): boolean {
  return stream.closed || stream.destroyed;
}

/** grpc-js `stream-decoder.ts` `ReadState.NO_DATA`: between two messages. */
const NO_DATA = 0;

/**
 * Whether the peer ended its request stream (END_STREAM) in the middle of a
 * length-prefixed message: inside the 5-byte prefix or before as many bytes
 * as the prefix announced. grpc-js 1.14 drops such a partial message without
 * a word (`BaseServerInterceptingCall.handleEndEvent` does not look at its
 * decoder), so a client stream would end OK with one message fewer; grpc-go
 * answers INTERNAL. Meaningful once the request stream has ended (its 'end',
 * or when a unary handler starts: grpc-js runs it after the half-close).
 * @internal
 */
export function requestEndedInsideMessage(call: GrpcServerCall): boolean {
  const readState = baseCallOf(call)?.decoder?.readState;
  return typeof readState === 'number' && readState !== NO_DATA;
}

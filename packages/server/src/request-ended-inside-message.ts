import * as grpc from '@grpc/grpc-js';
import type { GrpcServerCall } from '@switchboard/core';

/**
 * Whether the peer ended its request stream (END_STREAM) in the middle of a
 * length-prefixed message: inside the 5-byte prefix or before as many bytes
 * as the prefix announced. grpc-js 1.14.7 (pinned) drops such a partial
 * message without a word (`BaseServerInterceptingCall.handleEndEvent` does not
 * look at its `StreamDecoder`), so a client stream ends OK with one message
 * fewer; grpc-go answers INTERNAL. Ask once the request stream has ended (the
 * call's 'end', or when a unary handler starts: grpc-js runs it only after the
 * half-close); before that a message may simply be on its way.
 *
 * Reads the decoder's `readState` (0 between messages) on the innermost
 * intercepting call: a surface call's `.call`, then `.nextCall`… to the one
 * holding `decoder`; it accepts a grpc-js `ServerInterceptingCall` too. If
 * that shape changes this answers false, the behaviour of plain grpc-js.
 * @internal
 */
export function requestEndedInsideMessage(call: GrpcServerCall | object): boolean {
  let node: unknown = (call as { call?: unknown }).call ?? call;
  for (let depth = 0; depth < 8 && typeof node === 'object' && node !== null; depth++) {
    const decoder = (node as { decoder?: { readState?: unknown } }).decoder;
    if (decoder !== undefined) return typeof decoder.readState === 'number' && decoder.readState !== NO_DATA;
    node = (node as { nextCall?: unknown }).nextCall;
  }
  return false;
}

/** grpc-js `stream-decoder.ts` `ReadState.NO_DATA`: between two messages. */
const NO_DATA = 0;

/**
 * A grpc-js server interceptor that answers INTERNAL, as grpc-go does, when
 * the request stream ends inside a message, for all four kinds, before any
 * handler sees the half-close (so also when a unary call's only message is
 * cut short, which grpc-js alone answers with UNIMPLEMENTED). It costs one
 * intercepting call per call; `requestEndedInsideMessage` at the request
 * stream's end does the same for free where Switchboard reads requests.
 * @internal
 */
export const partialRequestInterceptor: grpc.ServerInterceptor = (_method, call) =>
  new grpc.ServerInterceptingCall(call, {
    start: (next) =>
      next({
        onReceiveHalfClose: (done) => {
          if (requestEndedInsideMessage(call)) call.sendStatus({ code: grpc.status.INTERNAL, details: PARTIAL_REQUEST });
          else done();
        },
      }),
  });

/** The status message of a request stream that ended inside a message. @internal */
export const PARTIAL_REQUEST = 'the request stream ended inside a message';

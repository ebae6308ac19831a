import * as grpc from '@grpc/grpc-js';
import type { CallContext } from '@switchboard/core';

/** Sent back in the response headers, with its value as received. */
export const ECHO_INITIAL_KEY = 'x-grpc-test-echo-initial';
/** Sent back in the trailers, with its value as received. */
export const ECHO_TRAILING_KEY = 'x-grpc-test-echo-trailing-bin';

/**
 * The interop "Echo Metadata" feature: `x-grpc-test-echo-initial` goes back
 * as a header, now, and `x-grpc-test-echo-trailing-bin` as a trailer, with
 * whatever status the call ends.
 */
export function echoMetadata(ctx: CallContext, headers: grpc.Metadata = new grpc.Metadata()): void {
  for (const value of ctx.metadata.get(ECHO_INITIAL_KEY)) headers.add(ECHO_INITIAL_KEY, value);
  if (Object.keys(headers.getMap()).length > 0) ctx.sendHeader(headers);
  const trailing = ctx.metadata.get(ECHO_TRAILING_KEY);
  if (trailing.length > 0) {
    const trailers = new grpc.Metadata();
    for (const value of trailing) trailers.add(ECHO_TRAILING_KEY, value);
    ctx.setTrailer(trailers);
  }
}

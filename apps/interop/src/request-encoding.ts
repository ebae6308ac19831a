import { Code, RpcError, type CallContext } from '@switchboard/core';
import type { BoolValue__Output } from './gen/grpc/testing/BoolValue';

/**
 * The `grpc-encoding` a call's requests were declared with: `identity` when
 * the client sent none, undefined when it cannot be seen.
 *
 * grpc-js removes `grpc-encoding` from the metadata a handler gets and keeps
 * no per-message compressed flag anywhere a handler can reach. It does keep
 * the header's value on its own call object (`incomingEncoding` of
 * `BaseServerInterceptingCall`, grpc-js 1.14), under the handler call's
 * `call` and any native interceptors' `nextCall`: that field is read here.
 * It is not a public grpc-js API; when it is gone this returns undefined.
 */
export function requestEncoding(ctx: CallContext): string | undefined {
  let call: unknown = (ctx.grpcCall as unknown as { call?: unknown }).call;
  for (let depth = 0; depth < 8 && typeof call === 'object' && call !== null; depth++) {
    const encoding: unknown = (call as { incomingEncoding?: unknown }).incomingEncoding;
    if (typeof encoding === 'string') return encoding;
    call = (call as { nextCall?: unknown }).nextCall;
  }
  return undefined;
}

/**
 * The interop "CompressedRequest" feature, as far as a grpc-js server can
 * see it. With `expect_compressed` true, a call declared uncompressed (no
 * `grpc-encoding`, or `identity`) fails with INVALID_ARGUMENT. Not checked,
 * because grpc-js hides it: the compressed flag of each message, so a message
 * sent uncompressed on a gzip call passes, and `expect_compressed` false
 * passes whatever the message was. When the encoding cannot be seen at all,
 * UNIMPLEMENTED says so instead of guessing.
 */
export function checkExpectCompressed(ctx: CallContext, expect: BoolValue__Output | null): void {
  if (expect?.value !== true) return;
  const encoding = requestEncoding(ctx);
  if (encoding === undefined) {
    throw new RpcError(Code.UNIMPLEMENTED, 'expect_compressed cannot be checked: this grpc-js hides the request encoding');
  }
  if (encoding === 'identity') {
    throw new RpcError(Code.INVALID_ARGUMENT, 'expect_compressed is true but the request was sent uncompressed (grpc-encoding identity)');
  }
}

import * as grpc from '@grpc/grpc-js';
import type { CallerIdentity } from './caller-identity';
import type { MethodDescriptor } from './method-descriptor';

/**
 * What a handler knows about the call it serves. One per call, for every kind.
 *
 * @example
 * async addOrder(order: Order__Output, ctx: CallContext) {
 *   const tenant = ctx.metadata.get('x-tenant')[0];
 *   await store.save(order, { signal: ctx.signal }); // stops on cancel or deadline
 *   ctx.setTrailer(metadataFrom({ 'x-order-count': String(store.size) }));
 * }
 */
export interface CallContext {
  /** The method being served. */
  readonly method: MethodDescriptor;
  /** The request headers, text and `-bin` values alike. */
  readonly metadata: grpc.Metadata;
  /** When the caller stops waiting, or `undefined` for no deadline. */
  readonly deadline: Date | undefined;
  /** Milliseconds until the deadline; `Infinity` without one. */
  timeRemaining(): number;
  /**
   * Fires when the client cancels, the deadline passes or the server is forced
   * down. Its `reason` is an `RpcError` (CANCELLED, DEADLINE_EXCEEDED or UNAVAILABLE).
   */
  readonly signal: AbortSignal;
  /** The peer address, `ipv4:127.0.0.1:53412`. */
  readonly peer: string;
  /**
   * Who is calling: a verified client certificate (mTLS) or bearer token
   * (`auth.jwt`); `undefined` when neither was presented. Guard methods with
   * `@Authorize` rather than checking it by hand.
   */
  readonly identity: CallerIdentity | undefined;
  /** Sends response headers now; later calls merge until the first message goes out. */
  sendHeader(metadata: grpc.Metadata): void;
  /** Adds trailers to the final status, on success and on error alike. */
  setTrailer(metadata: grpc.Metadata): void;
  /**
   * The grpc-js call underneath, for extension authors (deadline propagation
   * passes it as `parent`). @internal
   */
  readonly grpcCall: GrpcServerCall;
}

/** Any of grpc-js's four server call objects. */
export type GrpcServerCall =
  | grpc.ServerUnaryCall<unknown, unknown>
  | grpc.ServerReadableStream<unknown, unknown>
  | grpc.ServerWritableStream<unknown, unknown>
  | grpc.ServerDuplexStream<unknown, unknown>;

/** Builds metadata from a plain record: `-bin` keys take Buffers, others strings. */
export function metadataFrom(entries: Record<string, string | Buffer | readonly (string | Buffer)[]>, into?: grpc.Metadata): grpc.Metadata {
  const md = into ?? new grpc.Metadata();
  for (const [key, value] of Object.entries(entries)) {
    for (const v of Array.isArray(value) ? value : [value]) md.add(key, v as string | Buffer);
  }
  return md;
}

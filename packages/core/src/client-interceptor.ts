import type * as grpc from '@grpc/grpc-js';
import type { MethodDescriptor } from './method-descriptor';
import { Observed, type ObserveHooks } from './observed';

/** An outgoing call as a client interceptor sees it; the same shape for every kind. */
export interface OutgoingCall<Req = unknown> {
  readonly method: MethodDescriptor;
  /** The name of the configured client making the call (`clients.<name>`). */
  readonly client: string;
  /** Request metadata; interceptors may add to it before calling `next`. */
  readonly metadata: grpc.Metadata;
  /** The outgoing messages; wrap it to see or change each one. */
  readonly requests: AsyncIterable<Req>;
}

/** Runs the rest of the client chain, then the call on the wire. */
export type ClientNext = (call: OutgoingCall) => AsyncIterable<unknown>;

/**
 * A client interceptor: the server model, mirrored. Order: global
 * interceptors, then the client's own, then the wire; responses, errors
 * (`RpcError`) and the final status come back through them in reverse.
 *
 * @example
 * const bearer: ClientInterceptor = (call, next) => {
 *   call.metadata.set('authorization', 'Bearer s3cret');
 *   return next(call);
 * };
 */
export type ClientInterceptor = (call: OutgoingCall, next: ClientNext) => AsyncIterable<unknown>;

/**
 * `observe` for clients: hooks for the start, each request sent, each
 * response received and the end (with the `RpcError`, if any). Hooks may be
 * async; `onEnd` runs once however the call ends (a consumer that stops
 * reading a stream early ends it with no error); a hook that throws ends the
 * call with that error. No async-generator step per message.
 *
 * @example
 * const timing = observeClient({
 *   onStart: (call) => void started.set(call, performance.now()),
 *   onEnd: (call, error) => histogram.record(performance.now() - started.get(call)!),
 * });
 */
export function observeClient(hooks: ObserveHooks<OutgoingCall>): ClientInterceptor {
  return (call, next) => new Observed(call, next, hooks);
}

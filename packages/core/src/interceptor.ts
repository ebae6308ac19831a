import type { CallContext } from './call-context';
import type { MethodDescriptor } from './method-descriptor';
import { Observed, type ObserveHooks } from './observed';

/** Where `observe` keeps the hooks on the interceptor it makes. */
const OBSERVER_HOOKS = Symbol('switchboard.observerHooks');

/**
 * A call as a server interceptor sees it. Every kind looks the same: unary
 * requests arrive as an iterable of one message, and the response side is an
 * iterable of one message for unary and client-streaming calls.
 */
export interface InterceptedCall<Req = unknown> {
  readonly method: MethodDescriptor;
  readonly ctx: CallContext;
  /** The incoming messages; wrap it to see or change each one. */
  readonly requests: AsyncIterable<Req>;
}

/** Runs the rest of the chain: the next interceptors, then the handler. */
export type ServerNext = (call: InterceptedCall) => AsyncIterable<unknown>;

/**
 * A server interceptor: one function for unary and all three streaming kinds.
 *
 * Order: global interceptors (in the order the server was given them: those
 * passed to `startServer`, after the metrics and access-log ones), then the
 * module's (`AppModule.interceptors`, for that module's services only), then
 * the `@Authorize` guard (see `Authorize`), then
 * the service's (`@UseInterceptors` on the class), then the method's
 * (`@UseInterceptors` on the method), then the handler. Responses, errors
 * and the final status travel back through them in reverse.
 *
 * An interceptor sees each request by wrapping `call.requests`, each response
 * by iterating `next(call)`, and the outcome as the loop ending or throwing
 * (an `RpcError`, including DEADLINE_EXCEEDED and CANCELLED). Throwing ends
 * the call with that error.
 *
 * @example
 * const auth: ServerInterceptor = async function* (call, next) {
 *   if (call.ctx.metadata.get('authorization')[0] !== 'Bearer s3cret')
 *     throw new RpcError(Code.UNAUTHENTICATED, 'missing or wrong token');
 *   yield* next(call);
 * };
 */
export type ServerInterceptor = (call: InterceptedCall, next: ServerNext) => AsyncIterable<unknown>;

/**
 * A shorthand for interceptors that only watch: hooks for the start, each
 * request, each response and the end (with the error, if any). Hooks may be
 * async; the call waits for them. `onEnd` runs once, however the call ends;
 * a hook that throws ends the call with that error. A call that ends early
 * (cancelled, past its deadline) reaches `onEnd` with that reason.
 *
 * It adds no async-generator step per message: a watcher is cheap on a
 * stream. A server whose chain for a unary or server-streaming method holds
 * only observers calls their hooks itself, in the same order and with the
 * same outcomes, and keeps the path it takes with no interceptor.
 *
 * @example
 * const log = observe({ onEnd: (call, error) => logger.info({ method: call.method.path, error }) });
 */
export function observe(hooks: ObserveHooks<InterceptedCall>): ServerInterceptor {
  const interceptor: ServerInterceptor = (call, next) => new Observed(call, next, hooks, abortReasonOf);
  return Object.assign(interceptor, { [OBSERVER_HOOKS]: hooks });
}

/**
 * The hooks of an interceptor made by `observe`, or undefined for any other:
 * the server runs a chain made only of observers on its fast paths, calling
 * the hooks itself with the same order and outcomes as the chain would.
 * @internal
 */
export function observerHooksOf(interceptor: ServerInterceptor): ObserveHooks<InterceptedCall> | undefined {
  return (interceptor as ServerInterceptor & { readonly [OBSERVER_HOOKS]?: ObserveHooks<InterceptedCall> })[OBSERVER_HOOKS];
}

/** A server call's abort reason (CANCELLED, DEADLINE_EXCEEDED, a forced shutdown), if it has ended early. */
function abortReasonOf(call: InterceptedCall): unknown {
  const ctx = call.ctx as CallContext & { readonly abortReason?: unknown };
  if ('abortReason' in ctx) return ctx.abortReason;
  return ctx.signal.aborted ? (ctx.signal.reason as unknown) : undefined;
}

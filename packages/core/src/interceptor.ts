import type { CallContext } from './call-context';
import type { MethodDescriptor } from './definition';

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
 * Order: global interceptors (in the order the server was given them), then
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

/** What {@link observe} calls, each optional; any may be async. */
export interface ObserveHooks {
  onStart?: (call: InterceptedCall) => void | Promise<void>;
  onRequest?: (message: unknown, call: InterceptedCall) => void | Promise<void>;
  onResponse?: (message: unknown, call: InterceptedCall) => void | Promise<void>;
  onEnd?: (call: InterceptedCall, error: unknown) => void | Promise<void>;
}

/**
 * A shorthand for interceptors that only watch: hooks for the start, each
 * request, each response and the end (with the error, if any). Hooks may be
 * async; the call waits for them. `onEnd` runs once, however the call ends;
 * a hook that throws ends the call with that error.
 *
 * It adds no async-generator step per message: a watcher is cheap on a
 * stream.
 *
 * @example
 * const log = observe({ onEnd: (call, error) => logger.info({ method: call.method.path, error }) });
 */
export function observe(hooks: ObserveHooks): ServerInterceptor {
  return (call, next) => new Observed(call, next, hooks);
}

const DONE: IteratorResult<never> = Object.freeze({ done: true, value: undefined });

/** The responses of one observed call, with the hooks run around them. */
class Observed implements AsyncIterableIterator<unknown> {
  private inner: AsyncIterator<unknown> | undefined;
  private starting: Promise<void> | undefined;
  private ended = false;

  constructor(
    private readonly call: InterceptedCall,
    private readonly rest: ServerNext,
    private readonly hooks: ObserveHooks,
  ) {}

  [Symbol.asyncIterator](): this {
    return this;
  }

  next(): Promise<IteratorResult<unknown>> {
    if (this.ended) return Promise.resolve(DONE);
    if (this.inner === undefined) return (this.starting ??= this.start()).then(() => this.next());
    return this.inner.next().then(this.onResult, this.onError);
  }

  /** The consumer stopped early: the rest of the chain is closed, and the end observed. */
  async return(): Promise<IteratorResult<unknown>> {
    if (!this.ended) {
      await this.inner?.return?.();
      await this.end(undefined);
    }
    return DONE;
  }

  private async start(): Promise<void> {
    const { onStart, onRequest } = this.hooks;
    const call = this.call;
    try {
      if (onStart) await onStart(call);
      const inner = onRequest ? { ...call, requests: tap(call.requests, (m) => onRequest(m, call)) } : call;
      this.inner = this.rest(inner)[Symbol.asyncIterator]();
    } catch (error) {
      await this.end(error);
      throw error;
    }
  }

  private readonly onResult = (result: IteratorResult<unknown>): IteratorResult<unknown> | Promise<IteratorResult<unknown>> => {
    if (result.done === true) return this.end(undefined).then(() => DONE);
    const { onResponse } = this.hooks;
    if (!onResponse) return result;
    let pending: void | Promise<void>;
    try {
      pending = onResponse(result.value, this.call);
    } catch (error) {
      return this.fail(error);
    }
    // Only a hook that returns a promise costs an await.
    return pending ? pending.then(() => result, (error: unknown) => this.fail(error)) : result;
  };

  private readonly onError = async (error: unknown): Promise<never> => {
    await this.end(error);
    throw error;
  };

  /** A hook threw: the rest of the chain is closed and the call ends with the error. */
  private async fail(error: unknown): Promise<never> {
    await this.inner?.return?.()?.catch(() => undefined);
    return this.onError(error);
  }

  private async end(error: unknown): Promise<void> {
    if (this.ended) return;
    this.ended = true;
    if (this.hooks.onEnd) await this.hooks.onEnd(this.call, error);
  }
}

async function* tap<T>(source: AsyncIterable<T>, fn: (m: T) => void | Promise<void>): AsyncIterable<T> {
  for await (const message of source) {
    const pending = fn(message);
    if (pending) await pending;
    yield message;
  }
}

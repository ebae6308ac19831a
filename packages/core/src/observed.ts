/** What an observing interceptor calls, each optional; any may be async. `C` is the call as interceptors see it. */
export interface ObserveHooks<C> {
  onStart?: (call: C) => void | Promise<void>;
  onRequest?: (message: unknown, call: C) => void | Promise<void>;
  onResponse?: (message: unknown, call: C) => void | Promise<void>;
  onEnd?: (call: C, error: unknown) => void | Promise<void>;
}

const DONE: IteratorResult<never> = Object.freeze({ done: true, value: undefined });

/**
 * The responses of one observed call, with the hooks run around them: what
 * `observe` (server) and `observeClient` build. No async generator: it sits
 * on every message's path.
 * @internal
 */
export class Observed<C extends { readonly requests: AsyncIterable<unknown> }> implements AsyncIterableIterator<unknown> {
  private inner: AsyncIterator<unknown> | undefined;
  private starting: Promise<void> | undefined;
  private ended = false;

  constructor(
    private readonly call: C,
    private readonly rest: (call: C) => AsyncIterable<unknown>,
    private readonly hooks: ObserveHooks<C>,
    /** Why the call is ending when the consumer stops early, if it is ending abnormally (a server call's abort reason). */
    private readonly earlyEndReason: (call: C) => unknown = () => undefined,
  ) {}

  [Symbol.asyncIterator](): this {
    return this;
  }

  next(): Promise<IteratorResult<unknown>> {
    if (this.ended) return Promise.resolve(DONE);
    if (this.inner === undefined) return (this.starting ??= this.start()).then(() => this.next());
    return this.inner.next().then(this.onResult, this.onError);
  }

  /**
   * The consumer stopped early: the rest of the chain is closed, and the end
   * observed with the call's abort reason (a server call cancelled while its
   * response waited for the transport), or the error closing the rest threw
   * (then rethrown), or none.
   */
  async return(): Promise<IteratorResult<unknown>> {
    if (this.ended) return DONE;
    try {
      await this.inner?.return?.();
    } catch (error) {
      await this.end(error);
      throw error;
    }
    await this.end(this.earlyEndReason(this.call));
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
    return pending
      ? pending.then(
          () => result,
          (error: unknown) => this.fail(error),
        )
      : result;
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

import type { InterceptedCall, ObserveHooks } from '@switchboard/core';

type Hooks = ObserveHooks<InterceptedCall>;

/**
 * One call's run of a chain made only of `observe` interceptors, called by
 * the method handler itself so the call keeps its fast path. Order and
 * outcomes are those the chain of `Observed` would give: `onStart` and
 * `onRequest` outermost first, `onResponse` and `onEnd` innermost first;
 * `onEnd` once for each observer whose `onStart` ran, and an `onEnd` that
 * throws passes its error on to the outer ones. A hook is awaited only when
 * it returns a promise.
 * @internal
 */
export class ObserverRun {
  /** The outermost `live` observers have started and not ended. */
  private live = 0;

  constructor(
    private readonly hooks: readonly Hooks[],
    private readonly call: InterceptedCall,
    /** The call's abort reason, if it has ended early. */
    private readonly abortReason: () => unknown,
  ) {}

  /** Runs `onStart` outermost first; a hook that throws leaves the observers inside it unstarted. */
  start(): void | Promise<void> {
    const { hooks, call } = this;
    for (let i = this.live; i < hooks.length; i++) {
      this.live = i + 1;
      const pending = hooks[i]!.onStart?.(call);
      if (pending) return pending.then(() => this.start());
    }
  }

  /** Runs `onRequest` outermost first (the chain's request taps, innermost pulling). */
  request(message: unknown, from = 0): void | Promise<void> {
    const { hooks, call } = this;
    for (let i = from; i < hooks.length; i++) {
      const pending = hooks[i]!.onRequest?.(message, call);
      if (pending) return pending.then(() => this.request(message, i + 1));
    }
  }

  /**
   * Runs `onResponse` innermost first. When one throws, the observers inside
   * it end as the chain closes them (with the abort reason, if any; their own
   * failures are dropped) and the error goes on to the caller.
   */
  response(message: unknown, from = this.hooks.length - 1): void | Promise<void> {
    const { hooks, call } = this;
    for (let i = from; i >= 0; i--) {
      let pending: void | Promise<void>;
      try {
        pending = hooks[i]!.onResponse?.(message, call);
      } catch (error) {
        return this.failAt(i, error);
      }
      if (pending)
        return pending.then(
          () => this.response(message, i - 1),
          (error: unknown) => this.failAt(i, error),
        );
    }
  }

  /** Runs `onEnd` innermost first, once; resolves to the call's final error (undefined when it succeeds). */
  end(error: unknown): unknown {
    const { hooks, call } = this;
    while (this.live > 0) {
      const i = --this.live;
      let pending: void | Promise<void>;
      try {
        pending = hooks[i]!.onEnd?.(call, error);
      } catch (thrown) {
        error = thrown;
        continue;
      }
      if (pending)
        return pending.then(
          () => this.end(error),
          (thrown: unknown) => this.end(thrown),
        );
    }
    return error;
  }

  private async failAt(index: number, error: unknown): Promise<never> {
    let reason = this.abortReason();
    while (this.live > index + 1) {
      const i = --this.live;
      try {
        await this.hooks[i]!.onEnd?.(this.call, reason);
      } catch (thrown) {
        reason = thrown;
      }
    }
    throw error;
  }

  /**
   * Runs the call: `onStart`, then `body` (which calls `request` and
   * `response` as messages pass), then `onEnd` with what it threw or
   * nothing. Settles with `body`'s result, or rejects with the call's final
   * error.
   */
  async around<T>(body: () => Promise<T>): Promise<T> {
    let result: T | undefined;
    let error: unknown;
    let failed = false;
    try {
      const started = this.start();
      if (started) await started;
      result = await body();
    } catch (thrown) {
      failed = true;
      error = thrown;
    }
    const final = await this.end(failed ? error : undefined);
    // eslint-disable-next-line @typescript-eslint/only-throw-error -- what a hook threw goes on as it would through the chain
    if (final !== undefined) throw final;
    return result as T;
  }

  /** The one request of a unary or server-streaming call, seen by `onRequest` as the handler takes it. */
  requestsOf(request: unknown): AsyncIterable<unknown> {
    return {
      [Symbol.asyncIterator]: () => ({
        next: async () => {
          const requested = this.request(request);
          if (requested) await requested;
          return { done: false, value: request };
        },
      }),
    };
  }
}

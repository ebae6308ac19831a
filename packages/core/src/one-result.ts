const DONE: IteratorResult<never> = Object.freeze({ done: true, value: undefined });

/**
 * An async iterable of exactly one value, produced at the first `next()`
 * (a rejection of `produce` is that `next()`'s); then done. It does what
 * `async function* () { yield await produce(); }` does without a generator
 * and its promise hops: it stands for the single request or response of a
 * call, server and client alike. Iterable once.
 * @internal
 */
class OneResult<T> implements AsyncIterableIterator<T> {
  private used = false;

  constructor(private readonly produce: () => T | Promise<T>) {}

  [Symbol.asyncIterator](): this {
    return this;
  }

  async next(): Promise<IteratorResult<T>> {
    if (this.used) return DONE;
    this.used = true;
    return { done: false, value: await this.produce() };
  }

  return(): Promise<IteratorResult<T>> {
    this.used = true;
    return Promise.resolve(DONE);
  }
}

/** See {@link OneResult}. @internal */
export function oneResult<T>(produce: () => T | Promise<T>): AsyncIterable<T> {
  return new OneResult(produce);
}

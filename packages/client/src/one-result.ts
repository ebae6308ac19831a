const DONE: IteratorResult<never> = Object.freeze({ done: true, value: undefined });

/**
 * An async iterable of exactly one value, produced at the first `next()`
 * (a rejection of `produce` is that `next()`'s); then done. It does what
 * `async function* () { yield await produce(); }` does, without a generator
 * and its promise hops on every call.
 * @internal
 */
export function oneResult<T>(produce: () => T | Promise<T>): AsyncIterable<T> {
  let used = false;
  const iterator: AsyncIterator<T> = {
    next: async () => {
      if (used) return DONE;
      used = true;
      return { done: false, value: await produce() };
    },
    return: () => {
      used = true;
      return Promise.resolve(DONE);
    },
  };
  return { [Symbol.asyncIterator]: () => iterator };
}

/**
 * Iterates `source` until it ends or `signal` aborts; on abort the loop throws
 * `signal.reason` at once, even while waiting for the next message.
 * @internal
 */
export async function* abortable<T>(source: AsyncIterable<T>, signal: AbortSignal): AsyncGenerator<T> {
  if (signal.aborted) throw signal.reason;
  const iterator = source[Symbol.asyncIterator]();
  let onAbort!: () => void;
  const aborted = new Promise<never>((_, reject) => {
    onAbort = () => reject(signal.reason as Error);
    signal.addEventListener('abort', onAbort, { once: true });
  });
  aborted.catch(() => undefined);
  let finished = false;
  try {
    for (;;) {
      const result = await Promise.race([iterator.next(), aborted]);
      if (result.done) {
        finished = true;
        if (signal.aborted) throw signal.reason;
        return;
      }
      yield result.value;
    }
  } finally {
    signal.removeEventListener('abort', onAbort);
    // An early exit (break, throw, abort) tells the source to clean up.
    if (!finished) void iterator.return?.()?.catch(() => undefined);
  }
}

/** An iterable of exactly one message. @internal */
export async function* once<T>(value: T): AsyncGenerator<T> {
  yield value;
}

/**
 * Iterates `source` until it ends or `signal` aborts; on abort the loop throws
 * `signal.reason` at once, even while waiting for the next message. One abort
 * listener serves the whole stream: racing each message against a promise
 * that never settles would keep every message reachable until the end.
 * @internal
 */
export async function* abortable<T>(source: AsyncIterable<T>, signal: AbortSignal): AsyncGenerator<T> {
  if (signal.aborted) throw signal.reason;
  const iterator = source[Symbol.asyncIterator]();
  let rejectPending: ((reason: unknown) => void) | undefined;
  const onAbort = (): void => rejectPending?.(signal.reason);
  signal.addEventListener('abort', onAbort, { once: true });
  let finished = false;
  try {
    for (;;) {
      const result = await new Promise<IteratorResult<T>>((resolve, reject) => {
        rejectPending = reject;
        iterator.next().then(resolve, reject);
      });
      rejectPending = undefined;
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

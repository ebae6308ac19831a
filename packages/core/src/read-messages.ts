import type { Readable } from 'node:stream';

/**
 * Reads a grpc-js message stream (a call's requests on a server) one message
 * at a time, pulling only when the consumer asks, so HTTP/2 flow control
 * pushes back on a fast peer. Ends when the peer half-closes (once
 * `confirmEnd` agrees it did); throws `signal.reason` once the signal aborts.
 *
 * Node's own async iterator is not used: on a Duplex it waits for 'close',
 * which needs the other direction finished too, so a bidi peer would never
 * see the end of its input.
 * @internal
 */
export async function* readMessages<T>(
  stream: Readable,
  signal: AbortSignal,
  options: {
    /**
     * Called when the input has ended: resolves once the end is known to be
     * the peer's half-close rather than the first half of a cancel, and
     * rejects (or lets `signal` abort) when it was not. Default: one
     * event-loop turn.
     */
    confirmEnd?: () => Promise<void>;
  } = {},
): AsyncGenerator<T> {
  let wake: (() => void) | undefined;
  let failure: unknown;
  let ended = false;
  const notify = (): void => {
    const w = wake;
    wake = undefined;
    w?.();
  };
  const onEnd = (): void => {
    ended = true;
    notify();
  };
  const onError = (error: unknown): void => {
    failure = error ?? new Error('request stream failed');
    notify();
  };
  stream.on('readable', notify);
  stream.on('end', onEnd);
  stream.on('error', onError);
  signal.addEventListener('abort', notify);
  try {
    for (;;) {
      if (signal.aborted) throw signal.reason;
      if (failure !== undefined) throw failure as Error;
      const message = stream.read() as T | null;
      if (message !== null) {
        yield message;
        continue;
      }
      if (ended || stream.readableEnded) {
        await (options.confirmEnd?.() ?? nextTurn());
        if (signal.aborted) throw signal.reason;
        return;
      }
      await new Promise<void>((resolve) => (wake = resolve));
    }
  } finally {
    stream.off('readable', notify);
    stream.off('end', onEnd);
    stream.off('error', onError);
    signal.removeEventListener('abort', notify);
  }
}

function nextTurn(): Promise<void> {
  return new Promise<void>((resolve) => setImmediate(resolve));
}

import type { Readable } from 'node:stream';

/**
 * Reads a grpc-js message stream (a call's requests on a server, its
 * responses on a client) one message at a time, pulling only when the
 * consumer asks, so HTTP/2 flow control pushes back on a fast peer. Ends when
 * the peer half-closes; throws `signal.reason` once the signal aborts.
 *
 * Node's own async iterator is not used: on a Duplex it waits for 'close',
 * which needs the other direction finished too, so a bidi peer would never
 * see the end of its input.
 * @internal
 */
export async function* readMessages<T>(stream: Readable, signal: AbortSignal): AsyncGenerator<T> {
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
        // A reset stream reaches grpc-js as a half-close before its 'cancelled'
        // event; let that land so a cancelled input does not look complete.
        await new Promise<void>((resolve) => setImmediate(resolve));
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

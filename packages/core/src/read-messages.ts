import type { Readable } from 'node:stream';

/** How long a reset input waits for the call's cancellation to be reported. */
const RESET_WAIT_MS = 1000;

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
export async function* readMessages<T>(
  stream: Readable,
  signal: AbortSignal,
  options: {
    /** Tells a reset from a half-close once the input has ended. */
    endedByReset?: () => boolean;
    /** How long an ended input waits for a cancel that may follow it; default one event-loop turn. */
    settleMs?: number;
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
        // grpc-js turns a reset into a half-close and reports the cancel only
        // when the stream closes, a moment later: a reset input must not look
        // complete. A peer that half-closes and then resets (Node's http2
        // client does, on cancel) is indistinguishable from one that finished.
        if (options.endedByReset?.()) {
          await settle(signal, RESET_WAIT_MS);
          throw signal.aborted ? signal.reason : new Error('the peer reset the stream');
        }
        await settle(signal, options.settleMs ?? 0);
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

/** Waits `ms` (at least one event-loop turn), or less if the signal aborts. */
function settle(signal: AbortSignal, ms: number): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise<void>((resolve) => {
    const done = (): void => {
      if (ms > 0) clearTimeout(timer as NodeJS.Timeout);
      else clearImmediate(timer as NodeJS.Immediate);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer: NodeJS.Timeout | NodeJS.Immediate = ms > 0 ? setTimeout(done, ms) : setImmediate(done);
    signal.addEventListener('abort', done, { once: true });
  });
}

import type { CallContext } from '@switchboard/core';

/**
 * How the server's own steps learn that a call has ended early (cancel,
 * deadline, forced shutdown): the state and a listener, without the cost of
 * an `AbortSignal` (an EventTarget built per call). `ServerCallContext` is
 * one; `ctx.signal`, built only when something asks for it, tells the same.
 * @internal
 */
export interface Abortion {
  readonly aborted: boolean;
  /** Why the call ended early (an `RpcError` on a server call). */
  readonly abortReason: Error | undefined;
  /** Calls `listener` once when the call aborts; returns the way to remove it. */
  onAbort(listener: (reason: Error) => void): () => void;
}

/** The abortion of a context: its own when it has one, else read from its signal. @internal */
export function abortionOf(ctx: CallContext): Abortion {
  return isAbortion(ctx) ? ctx : signalAbortion(ctx.signal);
}

/** An `AbortSignal` seen as an {@link Abortion}. @internal */
export function signalAbortion(signal: AbortSignal): Abortion {
  return {
    get aborted() {
      return signal.aborted;
    },
    get abortReason() {
      return signal.aborted ? (signal.reason as Error) : undefined;
    },
    onAbort(listener) {
      const onAbort = (): void => listener(signal.reason as Error);
      signal.addEventListener('abort', onAbort, { once: true });
      return () => signal.removeEventListener('abort', onAbort);
    },
  };
}

function isAbortion(value: object): value is Abortion & CallContext {
  return typeof (value as Partial<Abortion>).onAbort === 'function' && 'abortReason' in value;
}

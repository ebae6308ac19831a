import { Code, RpcError } from '@switchboard/core';

/**
 * The error of a call cancelled by an abort: the reason itself when it is an
 * `RpcError` (an incoming call's deadline or cancellation), DEADLINE_EXCEEDED
 * for a `TimeoutError` (`AbortSignal.timeout`), CANCELLED for anything else,
 * whatever was given to `abort()` (a string, a number, nothing, an OK status).
 * @internal
 */
export function abortError(reason: unknown): RpcError {
  const error = RpcError.from(reason, Code.CANCELLED);
  // A reason shaped as an OK status still cancelled the call.
  return error.code === Code.OK ? new RpcError(Code.CANCELLED, error.rawMessage, { cause: reason }) : error;
}

/** The error of the first of `signals` that has aborted, if any. @internal */
export function alreadyAborted(signals: readonly AbortSignal[]): RpcError | undefined {
  for (const signal of signals) if (signal.aborted) return abortError(signal.reason);
  return undefined;
}

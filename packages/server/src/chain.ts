import type { InterceptedCall, ServerInterceptor, ServerNext } from '@switchboard/core';

/**
 * Composes interceptors around a terminal step: the first interceptor is the
 * outermost, so it sees requests first and the outcome last.
 * @internal
 */
export function compose(interceptors: readonly ServerInterceptor[], terminal: ServerNext): ServerNext {
  let next = terminal;
  for (let i = interceptors.length - 1; i >= 0; i--) {
    const interceptor = interceptors[i]!;
    const inner = next;
    next = (call: InterceptedCall) => interceptor(call, inner);
  }
  return next;
}

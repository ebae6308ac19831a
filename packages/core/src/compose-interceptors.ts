/**
 * Composes interceptors around a terminal step, server or client alike: the
 * first interceptor is the outermost, so it sees requests first and the
 * outcome last.
 * @internal
 */
export function composeInterceptors<C>(
  interceptors: readonly ((call: C, next: (call: C) => AsyncIterable<unknown>) => AsyncIterable<unknown>)[],
  terminal: (call: C) => AsyncIterable<unknown>,
): (call: C) => AsyncIterable<unknown> {
  let next = terminal;
  for (let i = interceptors.length - 1; i >= 0; i--) {
    const interceptor = interceptors[i]!;
    const inner = next;
    next = (call: C) => interceptor(call, inner);
  }
  return next;
}

import type { Container } from 'inversify';
import { SwitchboardError, type Token } from '@switchboard/core';

/** A binding that replaces what modules bound to a token; make it with {@link override}. */
export interface Override {
  readonly token: Token<unknown>;
  readonly value: unknown;
}

/**
 * Replaces what `token` is bound to with `value` when a server starts
 * (`startServer({ overrides })`): a test's fake store, clock or client. The
 * value must have the token's type.
 *
 * @example
 * await startServer({ modules: [ordersModule], overrides: [override(OrderStoreToken, new InMemoryOrders())] });
 */
export function override<T>(token: Token<T>, value: NoInfer<T>): Override {
  return Object.freeze({ token, value });
}

/**
 * Rebinds each overridden token to its value, as a constant. A token nothing
 * is bound to is an error naming it: the override would silently do nothing.
 * @internal
 */
export function applyOverrides(container: Container, overrides: readonly Override[]): void {
  const unbound = overrides.filter(({ token }) => !container.isBound(token.id)).map(({ token }) => `'${token.name}'`);
  if (unbound.length > 0) {
    throw new SwitchboardError(
      'SB_ERR_UNBOUND',
      `cannot override ${unbound.join(', ')}: no module binds ${unbound.length > 1 ? 'them' : 'it'} (an override replaces a binding; bind the token in a module's register)`,
    );
  }
  for (const { token, value } of overrides) container.rebindSync(token.id).toConstantValue(value);
}

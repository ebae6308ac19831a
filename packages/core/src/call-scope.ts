import { AsyncLocalStorage } from 'node:async_hooks';
import type { CallContext } from './call-context';

const storage = new AsyncLocalStorage<CallContext>();

/**
 * Whether handlers run inside the call scope. Off until something needs
 * `currentCallContext()` (registering injected clients turns it on): on Node
 * 20 an AsyncLocalStorage in use enables promise hooks for the whole process,
 * a cost a server without clients should not pay.
 */
let enabled = false;

/** Makes every call handled from now on visible to `currentCallContext()`. */
export function enableCallScope(): void {
  enabled = true;
}

/**
 * The context of the incoming call whose handler is running now, if any
 * (once `enableCallScope()` has run). Injected clients read it to inherit the
 * call's deadline and cancellation.
 */
export function currentCallContext(): CallContext | undefined {
  return storage.getStore();
}

/** Runs `fn` with `ctx` as the current call context. @internal */
export function runInCallContext<T>(ctx: CallContext, fn: () => T): T {
  return enabled ? storage.run(ctx, fn) : fn();
}

/** Runs `fn` outside any call context: what it calls inherits nothing. */
export function runDetached<T>(fn: () => T): T {
  return storage.exit(fn);
}

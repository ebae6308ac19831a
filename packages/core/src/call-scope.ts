import { AsyncLocalStorage } from 'node:async_hooks';
import type { CallContext } from './call-context';

const storage = new AsyncLocalStorage<CallContext>();

/**
 * The context of the incoming call whose handler is running now, if any.
 * Injected clients read it to inherit the call's deadline and cancellation.
 */
export function currentCallContext(): CallContext | undefined {
  return storage.getStore();
}

/** Runs `fn` with `ctx` as the current call context. @internal */
export function runInCallContext<T>(ctx: CallContext, fn: () => T): T {
  return storage.run(ctx, fn);
}

/** Runs `fn` outside any call context: what it calls inherits nothing. */
export function runDetached<T>(fn: () => T): T {
  return storage.exit(fn);
}

import type { Container } from 'inversify';
import { openModuleClients, type AnyAppModule } from '@switchboard/core';
import type { StartCleanup } from './start-cleanup';

/** Where {@link registerModules} wires the modules. @internal */
export interface RegisterModulesOptions {
  /** The container the clients and the modules' bindings go in. */
  readonly container: Container;
  /** The whole validated configuration. */
  readonly config: object;
  /** Gets the closing of the clients, then each registered module's `dispose`. */
  readonly cleanup: StartCleanup;
}

/**
 * Opens every module's clients (all in one pool, bound to their tokens), then
 * runs each module's `register`, as a process serving these modules starts:
 * `startServer`, and a workers primary for the per-deployment modules. What
 * it acquires goes on `options.cleanup`, so that its release closes the
 * clients after the `dispose` of every module whose `register` returned, in
 * reverse order; a `register` that throws leaves its module out, and the
 * error goes to the caller, which releases the cleanup.
 * @internal
 */
export function registerModules(modules: readonly AnyAppModule[], options: RegisterModulesOptions): void {
  const { container, config, cleanup } = options;
  // Before `register`, so that a module's bindings may use them; closed after every `dispose`.
  const clients = openModuleClients(modules, container, config);
  cleanup.defer('client channels', () => clients.close());
  for (const module of modules) {
    module.register?.(container, config);
    cleanup.defer(`dispose of module '${module.name}'`, () => module.dispose?.(container));
  }
}

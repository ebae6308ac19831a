import type { Container } from 'inversify';
import type { Schema } from 'convict';
import type { ClientInterceptor } from './client-interceptor';
import type { ServerInterceptor } from './interceptor';
import type { ModuleClient } from './module-client';

/**
 * What an app contributes to a server: its config keys, its `@Service`
 * classes, the clients it injects, its own bindings and interceptors. Several
 * modules share one server.
 *
 * @example
 * export const greeterModule = defineModule({ name: 'greeter', services: [GreeterService] });
 * export const frontdeskModule = defineModule<FrontdeskConfig>({
 *   name: 'frontdesk',
 *   config: frontdeskConfigSchema,
 *   clients: [greeterClient], // adds clients.greeter to the config; inject greeterClient.token
 *   services: [FrontdeskService],
 *   register: (container, config) => bindValue(container, FrontdeskConfigToken, config.frontdesk),
 * });
 */
export interface AppModule<C = unknown> {
  readonly name: string;
  /** Convict schema of the module's own top-level keys. */
  readonly config?: Schema<C>;
  /** The `@Service` classes this module serves. */
  readonly services: readonly (new (...args: never[]) => object)[];
  /**
   * The clients this module injects (`defineClient` of `@switchboard/client`).
   * Each adds its `clients.<name>` keys to the config, is opened after the
   * config is validated and before `register`, bound to its token, and closed
   * after the server has stopped and every `dispose` has run. Modules may
   * declare the same client: it is opened once, and clients to the same
   * target share a channel across modules.
   */
  readonly clients?: readonly ModuleClient[];
  /**
   * Client interceptors the config may name, in `clientInterceptors` (every
   * client) and `clients.<name>.interceptors`. Names are shared by all the
   * server's modules; one name given two different interceptors is an error.
   */
  readonly clientInterceptors?: Readonly<Record<string, ClientInterceptor>>;
  /**
   * Interceptors for the calls of this module's services only, after the
   * server's global ones and before each service's and method's own. Called
   * once, after `register`, with the wired container.
   */
  interceptors?(container: Container): readonly ServerInterceptor[];
  /**
   * Interceptors for every call of the server, declared by a module that
   * watches the whole process (a load reporter), after the ones given to
   * `startServer` and before each module's own. Called once, after
   * `register`, with the wired container.
   */
  processInterceptors?(container: Container): readonly ServerInterceptor[];
  /**
   * With `server.workers` above 1: this module belongs to the deployment's
   * address rather than to a process (a discovery registration), so its
   * `register`, `started`, `stopping` and `dispose` run once, in the primary
   * process, and not in the workers. Its config keys are validated as always.
   * Such a module serves no services.
   */
  readonly perDeployment?: boolean;
  /**
   * Binds the module's own tokens, with the module's clients already bound.
   * `config` is the whole validated configuration, typed as the module's own keys.
   */
  register?(container: Container, config: C): void;
  /** Runs once the server listens, with the address it is bound to (e.g. to register it for discovery). */
  started?(container: Container, address: { host: string; port: number }): void | Promise<void>;
  /** Runs when a shutdown begins, before the grace period (e.g. to deregister from discovery). */
  stopping?(container: Container): void | Promise<void>;
  /** Releases what `register` made (registrations), after the server has stopped and before the clients close. */
  dispose?(container: Container): void | Promise<void>;
}

/** Declares an app module with its types checked. */
export function defineModule<C>(module: AppModule<C>): AppModule<C> {
  return module;
}

/** An app module of any config type, as servers and the CLI take them. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyAppModule = AppModule<any>;

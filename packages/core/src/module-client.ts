import type { Container } from 'inversify';
import type { ClientInterceptor } from './client-interceptor';
import { SwitchboardError } from './switchboard-error';

/**
 * A client an app module declares in `clients`: the config keys it adds, and
 * how it is opened into the container and closed again. `defineClient` of
 * `@switchboard/client` makes them; core only states what `startServer` needs.
 */
export interface ModuleClient {
  /** The client's config name: `clients.<name>`. */
  readonly name: string;
  /** The convict schema it adds to the configuration (`clients.<name>` and the sections every client shares). */
  readonly schema: object;
  /**
   * Opens `clients` (every client of the server's modules whose `open` is
   * this same function, so that they share channels), binds each one's token
   * in the container, and returns how to close them. Bad client config throws
   * `SB_ERR_CONFIG` naming its paths.
   */
  readonly open: OpenModuleClients;
}

/** How a kind of {@link ModuleClient} is opened, all of a server's at once. */
export type OpenModuleClients = (clients: readonly ModuleClient[], context: ModuleClientContext) => OpenedClients;

/** What {@link OpenModuleClients} opens the clients with. */
export interface ModuleClientContext {
  readonly container: Container;
  /** The whole validated configuration. */
  readonly config: object;
  /** The interceptors config may name (`clientInterceptors`, `clients.<name>.interceptors`), from every module. */
  readonly named: Readonly<Record<string, ClientInterceptor>>;
}

/** Clients that are open, and how to close them. */
export interface OpenedClients {
  /** Closes their channels: calls still running go on to their end, later calls fail CANCELLED. */
  close(): void;
}

/** What {@link openModuleClients} reads of a module. */
interface ClientsOfModule {
  readonly name: string;
  readonly clients?: readonly ModuleClient[];
  readonly clientInterceptors?: Readonly<Record<string, ClientInterceptor>>;
}

/**
 * Opens the clients of every module together: a client several modules
 * declare is opened once, and clients of one kind share one pool of channels.
 * Named interceptors of all modules are offered to all clients; one name
 * given two different interceptors is an error. @internal (for servers)
 */
export function openModuleClients(modules: readonly ClientsOfModule[], container: Container, config: object): OpenedClients {
  const named: Record<string, ClientInterceptor> = {};
  const namedBy = new Map<string, string>();
  const byName = new Map<string, { client: ModuleClient; module: string }>();
  const byOpener = new Map<OpenModuleClients, ModuleClient[]>();
  for (const module of modules) {
    for (const [name, interceptor] of Object.entries(module.clientInterceptors ?? {})) {
      if (name in named && named[name] !== interceptor) {
        throw new SwitchboardError('SB_ERR_CONFIG', `client interceptor '${name}' of '${module.name}' is already named by '${namedBy.get(name) ?? '?'}'`);
      }
      named[name] = interceptor;
      namedBy.set(name, module.name);
    }
    for (const client of module.clients ?? []) {
      const seen = byName.get(client.name);
      if (seen?.client === client) continue;
      if (seen) {
        throw new SwitchboardError(
          'SB_ERR_CONFIG',
          `client '${client.name}' is declared twice, by '${seen.module}' and by '${module.name}': declare it once (defineClient) and list that in both`,
        );
      }
      byName.set(client.name, { client, module: module.name });
      byOpener.set(client.open, [...(byOpener.get(client.open) ?? []), client]);
    }
  }
  const opened: OpenedClients[] = [];
  const close = (): void => {
    for (const clients of [...opened].reverse()) clients.close();
  };
  try {
    for (const [open, clients] of byOpener) opened.push(open(clients, { container, config, named }));
  } catch (error) {
    close();
    throw error;
  }
  return { close };
}

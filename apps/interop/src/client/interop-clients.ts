import * as path from 'node:path';
import { Container } from 'inversify';
import { loadConfig, resolve } from '@switchboard/core';
import { clientsSchema, closeClients, defineClient, registerClients, type Client, type ClientConfig } from '@switchboard/client';
import { TestService, UnimplementedService } from '../gen/services';

/** TestService without compression (`clients.interop`). */
export const plainClient = defineClient('interop', TestService);
/** TestService with gzip on every request message (`clients.interopGzip`): a second channel. */
export const gzipClient = defineClient('interopGzip', TestService);
/** UnimplementedService (`clients.unimplemented`), sharing the plain client's channel. */
export const unimplementedClient = defineClient('unimplemented', UnimplementedService);

const DECLARATIONS = [plainClient, gzipClient, unimplementedClient];
const CONFIG_DIR = path.join(__dirname, '../../config/client');

/** The stubs a case may use. */
export interface InteropStubs {
  readonly plain: Client<typeof TestService>;
  readonly gzip: Client<typeof TestService>;
  readonly unimplemented: Client<typeof UnimplementedService>;
  /** Which clients share which channel. */
  readonly layout: [string, string[]][];
}

/** Stubs connected to one server, and the way to close their channels. */
export interface InteropConnection {
  readonly stubs: InteropStubs;
  close(): void;
}

/**
 * Registers the three clients of `config/client/default.json` in a container
 * of their own, all aimed at `target` (`host:port`), and resolves their stubs.
 * Not a module, and the cases check which clients share a channel, so this
 * takes the escape hatch (`clientsSchema`, `registerClients`, `closeClients`)
 * rather than `createClient`, whose clients each have their own channel.
 */
export function connectInterop(target: string): InteropConnection {
  const config = loadConfig(clientsSchema(DECLARATIONS), { argv: [], env: {}, configDir: CONFIG_DIR });
  const clients: Record<string, ClientConfig> = {};
  for (const { name } of DECLARATIONS) clients[name] = { ...config.clients[name]!, target };
  const container = new Container();
  const runtime = registerClients(container, { ...config, clients }, DECLARATIONS);
  return {
    stubs: {
      plain: resolve(container, plainClient.token),
      gzip: resolve(container, gzipClient.token),
      unimplemented: resolve(container, unimplementedClient.token),
      layout: runtime.layout,
    },
    close: () => closeClients(container),
  };
}

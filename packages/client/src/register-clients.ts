import * as grpc from '@grpc/grpc-js';
import type { Container } from 'inversify';
import {
  MetricsRegistryToken,
  SwitchboardError,
  bindValue,
  createToken,
  enableCallScope,
  explicitKeys,
  resolve,
  type ClientInterceptor,
  type MetricsRegistry,
  type OpenModuleClients,
  type ServiceDescriptor,
} from '@switchboard/core';
import { installLb, registerEtcdResolver, registerLookasideResolver, type EtcdConfig, type LookasideConfig } from '@switchboard/lb';
import { ChannelPool, type PooledClient } from './channel-pool';
import { crossCheck, type ClientConfig } from './client-config';
import { clientMetricsInterceptor } from './client-metrics';
import type { ClientDeclaration } from './client-declaration';
import { withClientTracing } from './client-tracing';
import { createStub, type Client } from './stub';

/** Options of {@link registerClients}. */
export interface RegisterClientsOptions {
  /** Interceptors of every client, outermost first; they run before any named in config. */
  readonly interceptors?: readonly ClientInterceptor[];
  /** Interceptors the config may name, in `clientInterceptors` (every client) and `clients.<name>.interceptors`. */
  readonly named?: Readonly<Record<string, ClientInterceptor>>;
}

/** The clients of one container and the channels under them. */
export interface ClientRuntime {
  /** Which clients share which channel: `[[target, [clients]]]`. */
  readonly layout: [string, string[]][];
  /** Closes every channel. */
  close(): void;
}

const RuntimeToken = createToken<ClientRuntime[]>('clients/Runtime');

/** The config {@link registerClients} reads: `clients` and the sections every client shares. */
export interface ClientsConfig {
  readonly clients: Readonly<Record<string, ClientConfig>>;
  readonly clientDefaults?: object;
  /** Named interceptors of every client, after `options.interceptors` and before each client's own. */
  readonly clientInterceptors?: readonly string[];
  readonly resolvers?: { readonly etcd?: EtcdConfig; readonly lookaside?: LookasideConfig };
}

/**
 * Builds a typed stub for each declared client from `config.clients` and
 * binds it to the client's token. Rules across keys (retry vs hedging,
 * backoffs, named interceptors, targets) are checked here, all at once,
 * before any channel is made.
 *
 * The escape hatch, with `clientsSchema` and {@link closeClients}, for a
 * program that reads its clients from config files outside a server (and
 * wants them to share channels). A module lists its clients in `clients`
 * and the server does all of this; a script or a test with one client uses
 * `createClient`.
 */
export function registerClients(
  container: Container,
  config: ClientsConfig,
  declarations: readonly ClientDeclaration[],
  options: RegisterClientsOptions = {},
): ClientRuntime {
  if (config.resolvers?.etcd) useEtcd(config.resolvers.etcd);
  if (config.resolvers?.lookaside) useLookaside(config.resolvers.lookaside);
  const named = options.named ?? {};
  const problems: string[] = [];
  const unknownName = (path: string, name: string): string =>
    `${path}: no interceptor named '${name}' (registered: ${Object.keys(named).join(', ') || 'none'})`;
  const everyClient = config.clientInterceptors ?? [];
  for (const name of everyClient) if (!(name in named)) problems.push(unknownName('clientInterceptors', name));
  const entries = declarations.map((d) => {
    const own = config.clients[d.name];
    if (own === undefined) {
      throw new SwitchboardError('SB_ERR_CONFIG', `no client '${d.name}' in config (clients: ${Object.keys(config.clients).join(', ') || 'none'})`);
    }
    const clientConfig = effectiveClientConfig(config, d.name) ?? own;
    problems.push(...crossCheck(d.name, clientConfig, { resolvers: config.resolvers }));
    for (const name of clientConfig.interceptors) if (!(name in named)) problems.push(unknownName(`clients.${d.name}.interceptors`, name));
    const interceptors = [...(options.interceptors ?? []), ...[...everyClient, ...clientConfig.interceptors].map((n) => named[n]!)];
    return { name: d.name, service: d.service, config: clientConfig, interceptors };
  });
  if (problems.length > 0) throw new SwitchboardError('SB_ERR_CONFIG', `invalid client configuration:\n  ${problems.join('\n  ')}`);

  const { pool, stubs } = openClients(entries, {
    metricsRegistry: container.isBound(MetricsRegistryToken.id) ? resolve(container, MetricsRegistryToken) : undefined,
  });
  declarations.forEach((d, i) => bindValue(container, d.token, stubs[i]));
  const runtime: ClientRuntime = { layout: pool.layout, close: () => pool.close() };
  if (container.isBound(RuntimeToken.id)) resolve(container, RuntimeToken).push(runtime);
  else bindValue(container, RuntimeToken, [runtime]);
  return runtime;
}

/**
 * `ModuleClient.open` of every `defineClient` declaration: the clients of all
 * a server's modules, in one pool. @internal
 */
export const openDeclaredClients: OpenModuleClients = (clients, { container, config, named }) =>
  // The server gives an opener only the clients whose `open` it is (all
  // declarations), with a config validated against their schemas.
  registerClients(container, config as ClientsConfig, clients as readonly ClientDeclaration[], { named });

/** A client whose configuration has been checked, with the interceptors it runs. @internal */
export interface CheckedClient extends PooledClient {
  readonly interceptors: readonly ClientInterceptor[];
}

/**
 * The channels and stubs of checked clients, stubs in the order given: the
 * one way every client is made, injected or not. @internal
 */
export function openClients(
  clients: readonly CheckedClient[],
  options: { readonly metricsRegistry?: MetricsRegistry | undefined } = {},
): { pool: ChannelPool; stubs: Client<ServiceDescriptor<unknown, unknown>>[] } {
  // Outermost, so that it sees the status the caller gets.
  const metrics = options.metricsRegistry && clientMetricsInterceptor(options.metricsRegistry);
  installLb();
  // Calls made inside handlers find their incoming call through the call scope.
  enableCallScope();
  const pool = new ChannelPool(clients);
  const stubs = clients.map(withClientTracing).map((c) => {
    const channel = pool.channel(c.name);
    // With channelOverride grpc-js ignores these credentials: the pool's channel carries the client's own (TLS or not).
    const client = new grpc.Client(channel.getTarget(), grpc.credentials.createInsecure(), { channelOverride: channel });
    return createStub<ServiceDescriptor<unknown, unknown>>({ ...c, client, interceptors: metrics ? [metrics, ...c.interceptors] : c.interceptors });
  });
  return { pool, stubs };
}

let etcdInUse: string | undefined;

let lookasideInUse = JSON.stringify({ caFile: '', certFile: '', keyFile: '', serverName: '' });

/** Speaks TLS to lookaside balancers when `resolvers.lookaside.tls` says so (plaintext is installLb's default). */
function useLookaside(lookaside: LookasideConfig): void {
  const key = JSON.stringify(lookaside.tls);
  if (key === lookasideInUse) return;
  lookasideInUse = key;
  registerLookasideResolver({ tls: lookaside.tls });
}

/** Points the `etcd` scheme at the configured registry, once per distinct configuration. */
function useEtcd(etcd: EtcdConfig): void {
  const key = JSON.stringify(etcd);
  if (key === etcdInUse) return;
  etcdInUse = key;
  registerEtcdResolver(etcd);
}

/** Closes the channels of every {@link registerClients} on `container`: the escape hatch's end. */
export function closeClients(container: Container): void {
  if (!container.isBound(RuntimeToken.id)) return;
  for (const runtime of resolve(container, RuntimeToken)) runtime.close();
}

/** The config client `name` runs with: its own keys, then `clientDefaults`, then schema defaults. */
export function effectiveClientConfig(
  config: { readonly clients?: Readonly<Record<string, ClientConfig>>; readonly clientDefaults?: object },
  name: string,
): ClientConfig | undefined {
  const own = config.clients?.[name];
  return own && withDefaults(name, own, config.clientDefaults, explicitKeys(config));
}

/**
 * A client's config with `clientDefaults` applied: a key the client did not
 * set (in a file, the environment or --config) takes the defaults' value
 * where that was set. Objects merge key by key (so default metadata adds to
 * the client's own).
 */
function withDefaults(name: string, own: ClientConfig, defaults: object | undefined, written: ReadonlySet<string>): ClientConfig {
  if (defaults === undefined) return own;
  const merge = (value: unknown, fallback: unknown, path: string): unknown => {
    if (isPlainObject(fallback)) {
      const out: Record<string, unknown> = { ...(isPlainObject(value) ? value : {}) };
      for (const [key, child] of Object.entries(fallback)) out[key] = merge(out[key], child, path ? `${path}.${key}` : key);
      return out;
    }
    const set = (prefix: string) => [...written].some((k) => k === `${prefix}${path}` || k.startsWith(`${prefix}${path}.`));
    return !set(`clients.${name}.`) && set('clientDefaults.') ? fallback : value;
  };
  return merge(own, defaults, '') as ClientConfig;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

import { SwitchboardError, loadConfig, type ClientInterceptor, type ConfigSchema, type MetricsRegistry, type ServiceDescriptor } from '@switchboard/core';
import { clientConfigSchema, crossCheck, type ClientConfig } from './client-config';
import { openClients } from './register-clients';
import type { Client } from './stub';

type DeepPartial<T> = { [K in keyof T]?: T[K] extends readonly unknown[] ? T[K] : T[K] extends object ? DeepPartial<T[K]> : T[K] };

/**
 * What {@link createClient} takes: `target`, any key of a client's config
 * (left out: the schema's default; objects merge key by key, so
 * `retry: { maxAttempts: 3 }` keeps the default backoffs), and the client's
 * interceptors as functions, outermost first.
 */
export type CreateClientOptions = {
  readonly target: string;
  readonly interceptors?: readonly ClientInterceptor[];
  /** A Prometheus registry (prom-client's `Registry`) to count the client's calls into, under go-grpc-prometheus's `grpc_client_*` names. */
  readonly metricsRegistry?: MetricsRegistry;
} & DeepPartial<Omit<ClientConfig, 'target' | 'interceptors'>>;

/** A client made by {@link createClient}: the typed stub and `close()`. */
export type StandaloneClient<S> = Client<S> & {
  /** Closes the client's channel: calls still running go on to their end; later calls fail CANCELLED. Again is a no-op. */
  readonly close: () => void;
};

/**
 * Makes a client of `service` without a container or config files: the way
 * to call a service from a script or a test. The stub is the one an injected
 * client gets (deadlines, retries, hedging, compression, balancing, and
 * propagation inside handlers); its options are checked as a config file's
 * `clients.<name>` would be, every problem reported at once as
 * `SB_ERR_CONFIG`. Each call opens its own channel.
 *
 * @example
 * import { createClient } from '@switchboard/client';
 * const greeter = createClient(Greeter, { target: 'dns:///localhost:50051', deadlineMs: 2000, compression: 'gzip' });
 * try {
 *   const { message } = await greeter.SayHello({ name: 'Ada' });
 * } finally {
 *   greeter.close();
 * }
 */
export function createClient<S extends ServiceDescriptor<unknown, unknown>>(service: S, options: CreateClientOptions): StandaloneClient<S> {
  if (service.methods.has('close')) {
    throw new SwitchboardError(
      'SB_ERR_DEFINITION',
      `${service.fullName} has a method named 'close', which createClient's close() would hide: declare it with defineClient and list it in a module's clients`,
    );
  }
  const { interceptors = [], metricsRegistry, ...keys } = options;
  const name = service.fullName.slice(service.fullName.lastIndexOf('.') + 1);
  const config = checkedConfig(service, name, keys);
  const { pool, stubs } = openClients([{ name, service, config, interceptors }], { metricsRegistry });
  return Object.freeze({ ...stubs[0], close: () => pool.close() }) as StandaloneClient<S>;
}

/**
 * `keys` over the schema's defaults, checked by the loader a config file goes
 * through, under `clients.<name>`, then by the rules across keys.
 */
function checkedConfig(service: ServiceDescriptor<unknown, unknown>, name: string, keys: object): ClientConfig {
  const schema = { clients: { [name]: clientConfigSchema(service) } } as unknown as ConfigSchema<{ clients: Record<string, ClientConfig> }>;
  const config = loadConfig(schema, { argv: [], env: {}, configDir: null, values: { tree: { clients: { [name]: keys } }, origin: 'createClient options' } })
    .clients[name]!;
  const problems = crossCheck(name, config);
  if (problems.length > 0) throw new SwitchboardError('SB_ERR_CONFIG', `invalid createClient options:\n  ${problems.join('\n  ')}`);
  return config;
}

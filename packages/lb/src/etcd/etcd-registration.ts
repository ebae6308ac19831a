import * as net from 'node:net';
import * as os from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Etcd3, Lease } from 'etcd3';
import { LoggerToken, SwitchboardError, resolve, type AppModule, type ConfigSchema, type Logger } from '@switchboard/core';
import { createEtcdClient, describeEtcdError } from './etcd-client';
import { readEtcdConfig, type EtcdConfig } from './etcd-config';
import type { RegisteredEndpoint } from './service-watch';

/** Options of {@link etcdRegistration}. */
export interface EtcdRegistrationOptions {
  /**
   * Full names of the services to register (`ecommerce.OrderManagement`), or
   * their descriptors. Required unless the server passes its service names to
   * `started`.
   */
  readonly services?: readonly (string | { readonly fullName: string })[];
  /** Relative share of calls under weighted_round_robin; default 1. */
  readonly weight?: number;
  /** Registered with the address, for balancing policies to read. */
  readonly metadata?: Readonly<Record<string, string>>;
  /**
   * The host clients should dial. Default: the host the server listens on, or
   * this machine's first non-internal IPv4 address when it listens on all
   * interfaces (0.0.0.0, ::). The config key `resolvers.etcd.advertiseHost`
   * (environment variable ADVERTISE_HOST), when set, wins over both: the
   * deployment knows its network (on Kubernetes, the pod IP from the
   * downward API; see deploy/README.md).
   */
  readonly advertiseHost?: string;
  /**
   * How long `stopping` waits after deregistering, so that watching clients
   * drop this server before it starts refusing calls; default 500 ms.
   */
  readonly deregisterSettleMs?: number;
}

/** `resolvers.etcd.advertiseHost`, the key {@link etcdRegistration} declares. */
const advertiseConfigSchema: ConfigSchema<{ resolvers: { etcd: { advertiseHost: string } } }> = {
  resolvers: {
    etcd: {
      advertiseHost: {
        doc:
          'The host etcdRegistration registers for clients to dial, e.g. the pod IP on Kubernetes; empty (the default) ' +
          "registers the server's listening host, or when that is 0.0.0.0 or ::, this machine's first non-internal IPv4 address.",
        format(value: unknown) {
          if (value === '' || (typeof value === 'string' && (net.isIP(value) !== 0 || /^[A-Za-z0-9]([-A-Za-z0-9.]*[A-Za-z0-9])?$/.test(value)))) return;
          throw new Error('must be an IP address or a host name, without a port, or empty');
        },
        default: '',
        env: 'ADVERTISE_HOST',
      },
    },
  },
};

/**
 * An app module that registers the server in etcd for `etcd:///` clients.
 * Once the server listens, each service gets a key
 * `<prefix><service full name>/<host:port>` holding
 * `{ address, weight, metadata }`, under a lease kept alive while the server
 * runs (and renewed with a new lease if etcd lost it); when a shutdown begins
 * the keys are deleted and the lease revoked, so clients stop calling before
 * the server stops answering; a server that dies without a shutdown drops out
 * when its lease expires (`resolvers.etcd.leaseTtlSec`). If etcd cannot be
 * reached at start, the start fails with the reason. With `server.workers`
 * above 1 it is a per-deployment module: the primary process registers the
 * address once, for all the workers, so that a worker that dies and is
 * replaced never takes the address out of etcd.
 *
 * The configuration must declare `resolvers.etcd`: spread `etcdConfigSchema`
 * into a module's `config`.
 *
 * @example
 * await startServer({ modules: [ordersModule, etcdRegistration({ services: [OrderManagement] })] });
 */
export function etcdRegistration(options: EtcdRegistrationOptions = {}): AppModule<unknown> {
  type Container = Parameters<NonNullable<AppModule['started']>>[0];
  const byContainer = new WeakMap<Container, { config: EtcdConfig; advertiseHost: string; registration?: Registration }>();
  return {
    name: 'etcd-registration',
    config: advertiseConfigSchema,
    services: [],
    perDeployment: true,
    register(container, config) {
      const advertiseHost = (config as { resolvers?: { etcd?: { advertiseHost?: string } } }).resolvers?.etcd?.advertiseHost ?? '';
      byContainer.set(container, { config: readEtcdConfig(config, 'etcdRegistration'), advertiseHost });
    },
    async started(container, address) {
      const state = byContainer.get(container);
      if (state === undefined) throw new SwitchboardError('SB_ERR_CONFIG', 'etcdRegistration: started before register');
      const names = serviceNames(options, address as { services?: readonly string[] });
      const host = advertisedHost(state.advertiseHost || (options.advertiseHost ?? address.host));
      const endpoint: RegisteredEndpoint = {
        address: host.includes(':') ? `[${host}]:${address.port}` : `${host}:${address.port}`,
        weight: options.weight ?? 1,
        metadata: { ...(options.metadata ?? {}) },
      };
      const logger = container.isBound(LoggerToken.id) ? resolve(container, LoggerToken) : undefined;
      const registration = new Registration(state.config, names, endpoint, logger);
      state.registration = registration;
      await registration.start();
    },
    async stopping(container) {
      await byContainer.get(container)?.registration?.stop(options.deregisterSettleMs ?? 500);
    },
    async dispose(container) {
      const state = byContainer.get(container);
      byContainer.delete(container);
      await state?.registration?.stop(0);
      state?.registration?.close();
    },
  };
}

function serviceNames(options: EtcdRegistrationOptions, address: { services?: readonly string[] }): string[] {
  const names = (options.services ?? address.services ?? []).map((s) => (typeof s === 'string' ? s : s.fullName));
  if (names.length === 0) {
    throw new SwitchboardError(
      'SB_ERR_CONFIG',
      "etcdRegistration: name the services to register, e.g. etcdRegistration({ services: ['ecommerce.OrderManagement'] })",
    );
  }
  return names;
}

/** The host to advertise for a server listening on `host`. @internal */
export function advertisedHost(host: string): string {
  if (host !== '0.0.0.0' && host !== '::' && host !== '') return host;
  for (const list of Object.values(os.networkInterfaces())) {
    const found = list?.find((a) => a.family === 'IPv4' && !a.internal);
    if (found) return found.address;
  }
  return '127.0.0.1';
}

/** One server's keys in etcd and the lease that holds them. */
class Registration {
  private readonly client: Etcd3;
  private readonly keys: string[];
  private readonly value: string;
  private lease: Lease | undefined;
  private stopped = false;
  private renewing: Promise<void> | undefined;

  constructor(
    private readonly config: EtcdConfig,
    services: readonly string[],
    endpoint: RegisteredEndpoint,
    private readonly logger: Logger | undefined,
  ) {
    this.client = createEtcdClient(config);
    this.keys = services.map((s) => `${config.prefix}${s}/${endpoint.address}`);
    this.value = JSON.stringify(endpoint);
  }

  /** Registers every key under a new lease, or fails with what went wrong. */
  async start(): Promise<void> {
    try {
      await this.register();
    } catch (error) {
      this.stopped = true;
      this.close();
      throw new SwitchboardError('SB_ERR_LISTEN', `cannot register ${this.keys.join(', ')}: ${describeEtcdError(this.config, error)}`, {
        cause: error,
      });
    }
    this.logger?.info({ keys: this.keys, leaseTtlSec: this.config.leaseTtlSec }, 'registered in etcd');
  }

  /** Deletes the keys and revokes the lease, then gives watching clients `settleMs` to let go. */
  async stop(settleMs: number): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    const lease = this.lease;
    this.lease = undefined;
    try {
      for (const key of this.keys) await this.client.delete().key(key).exec();
      await lease?.revoke();
      this.logger?.info({ keys: this.keys }, 'deregistered from etcd');
    } catch (error) {
      lease?.release();
      this.logger?.warn({ keys: this.keys, err: error }, `could not deregister: ${describeEtcdError(this.config, error)}`);
      return;
    }
    if (settleMs > 0) await sleep(settleMs);
  }

  close(): void {
    this.lease?.release();
    this.lease = undefined;
    this.client.close();
  }

  private async register(): Promise<void> {
    const lease = this.client.lease(this.config.leaseTtlSec);
    lease.on('lost', (error: Error) => {
      if (this.stopped || lease !== this.lease) return;
      this.logger?.warn({ keys: this.keys, err: error }, 'etcd lease lost; registering again');
      this.renewing ??= this.renewUntilDone().finally(() => (this.renewing = undefined));
    });
    try {
      await lease.grant();
      for (const key of this.keys) await lease.put(key).value(this.value).exec();
    } catch (error) {
      void lease.revoke().catch(() => undefined);
      throw error;
    }
    this.lease = lease;
  }

  /** After a lost lease (etcd was away longer than the TTL), registers again until it works or the server stops. */
  private async renewUntilDone(): Promise<void> {
    for (let delay = 100; !this.stopped; delay = Math.min(delay * 2, 2000)) {
      try {
        await this.register();
        if (this.stopped) return void (await this.lease?.revoke().catch(() => undefined));
        this.logger?.info({ keys: this.keys }, 'registered in etcd again');
        return;
      } catch (error) {
        this.logger?.debug({ err: error }, 'etcd registration failed; retrying');
        await sleep(delay);
      }
    }
  }
}

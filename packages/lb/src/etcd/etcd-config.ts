import { SwitchboardError, type ConfigSchema } from '@switchboard/core';
import { etcdCredentials, type EtcdTlsConfig } from './etcd-tls';

/** `resolvers.etcd`: where the etcd registry is and how services are kept in it. */
export interface EtcdConfig {
  /** etcd client URLs, e.g. `http://127.0.0.1:2379` (or all `https://`); calls go to any of them. */
  readonly endpoints: readonly string[];
  /** Key prefix of the registry: a server is `<prefix><service full name>/<host:port>`. */
  readonly prefix: string;
  /** Seconds a registration outlives a server that stopped renewing it (a crash). */
  readonly leaseTtlSec: number;
  /** How long one request to etcd may take (connecting included) before it counts as unreachable. */
  readonly dialTimeoutMs: number;
  /** TLS to etcd (`https://` endpoints): PEM files by path, empty for none. */
  readonly tls: EtcdTlsConfig;
}

function validateEndpoints(value: unknown): void {
  if (!Array.isArray(value) || value.length === 0) throw new Error('must be a non-empty array of etcd URLs (http://host:port or https://host:port)');
  for (const entry of value) {
    let url: URL | undefined;
    try {
      url = typeof entry === 'string' ? new URL(entry) : undefined;
    } catch {
      url = undefined;
    }
    if (url === undefined || (url.protocol !== 'http:' && url.protocol !== 'https:') || url.port === '' || (url.pathname !== '/' && url.pathname !== '')) {
      throw new Error(`${JSON.stringify(entry)} is not an etcd client URL of the form http://host:port or https://host:port`);
    }
  }
  const schemes = new Set(value.map((entry: string) => new URL(entry).protocol));
  if (schemes.size > 1) throw new Error('mixes http:// and https:// URLs: one etcd cluster is spoken to one way');
}

function validatePrefix(value: unknown): void {
  if (typeof value !== 'string' || !value.startsWith('/') || !value.endsWith('/')) {
    throw new Error('must be a key prefix that starts and ends with "/", e.g. "/switchboard/services/"');
  }
}

/** Longest lease: etcd3 arms timers of `leaseTtlSec` × 1000 ms, which must fit a Node timer (2^31-1 ms). */
const MAX_LEASE_TTL_SEC = 2_147_483;

function validateLeaseTtl(value: unknown): void {
  if (!Number.isSafeInteger(value) || (value as number) < 1 || (value as number) > MAX_LEASE_TTL_SEC) {
    throw new Error(`must be an integer of 1 or more, up to ${MAX_LEASE_TTL_SEC} (seconds whose milliseconds fit a timer)`);
  }
}

/**
 * The convict schema of `resolvers.etcd`, for an app to spread into its
 * module's `config` when it registers with etcd (`etcdRegistration`) or calls
 * `etcd:///` targets. Keys:
 *
 * - `endpoints` — etcd client URLs; default `["http://127.0.0.1:2379"]`.
 * - `prefix` — registry key prefix; default `"/switchboard/services/"`.
 * - `leaseTtlSec` — how long a crashed server stays registered; default 10.
 * - `dialTimeoutMs` — bound on each request to etcd; default 2000.
 * - `tls` — `caFile`, `certFile`, `keyFile` for `https://` endpoints; default none.
 *
 * @example
 * export const ordersModule = defineModule({
 *   name: 'orders',
 *   config: { ...ordersSchema, ...etcdConfigSchema },
 *   services: [OrdersService],
 * });
 */
export const etcdConfigSchema: ConfigSchema<{ resolvers: { etcd: EtcdConfig } }> = {
  resolvers: {
    etcd: {
      endpoints: {
        doc: 'etcd client URLs (http://host:port); requests go to any of them.',
        format: validateEndpoints,
        default: ['http://127.0.0.1:2379'],
      },
      prefix: {
        doc: 'Registry key prefix: a server is registered as <prefix><service full name>/<host:port>.',
        format: validatePrefix,
        default: '/switchboard/services/',
      },
      leaseTtlSec: {
        doc: 'Seconds a registration outlives a server that stopped renewing its lease (a crash).',
        format: validateLeaseTtl,
        default: 10,
      },
      dialTimeoutMs: {
        doc: 'How long one request to etcd may take, connecting included, before etcd counts as unreachable.',
        format: 'positive-duration',
        default: 2000,
      },
      tls: {
        caFile: {
          doc: "PEM certificates etcd's certificate must chain to (https:// endpoints); empty trusts the system's roots.",
          format: String,
          default: '',
        },
        certFile: { doc: "PEM client certificate, for etcd's --client-cert-auth; with keyFile.", format: String, default: '' },
        keyFile: { doc: 'PEM private key of certFile.', format: String, default: '' },
      },
    },
  },
};

/** The defaults of {@link etcdConfigSchema}, for code that builds an {@link EtcdConfig} by hand. */
export const ETCD_CONFIG_DEFAULTS: EtcdConfig = {
  endpoints: ['http://127.0.0.1:2379'],
  prefix: '/switchboard/services/',
  leaseTtlSec: 10,
  dialTimeoutMs: 2000,
  tls: { caFile: '', certFile: '', keyFile: '' },
};

/**
 * `resolvers.etcd` of a whole validated configuration, or a config error
 * saying to declare it.
 */
export function readEtcdConfig(config: unknown, who: string): EtcdConfig {
  const etcd = (config as { resolvers?: { etcd?: EtcdConfig } } | undefined)?.resolvers?.etcd;
  if (etcd === undefined || !Array.isArray(etcd.endpoints)) {
    throw new SwitchboardError(
      'SB_ERR_CONFIG',
      `${who} reads 'resolvers.etcd', which the configuration does not declare: spread etcdConfigSchema into a module's config`,
    );
  }
  etcdCredentials(etcd);
  return etcd;
}

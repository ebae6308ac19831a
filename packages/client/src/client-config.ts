import type { ServiceDescriptor } from '@switchboard/core';

/** Balancing policies a client may name. Unknown names are config errors: grpc-js would silently use pick_first. */
export const BALANCING_POLICIES = ['pick_first', 'round_robin', 'weighted_round_robin', 'least_request', 'p2c'] as const;

/** The policies that can take an endpoint whose grpc.health.v1 status is not SERVING out of rotation. */
export const HEALTH_CHECKING_POLICIES: readonly BalancingPolicy[] = ['weighted_round_robin', 'least_request', 'p2c'];
export type BalancingPolicy = (typeof BALANCING_POLICIES)[number];

/** Message compression of a client's requests. */
export const COMPRESSIONS = ['identity', 'deflate', 'gzip'] as const;
export type Compression = (typeof COMPRESSIONS)[number];

/** gRPC retry policy (gRFC A6); `maxAttempts` 1 means no retries. */
export interface RetryConfig {
  maxAttempts: number;
  initialBackoffMs: number;
  maxBackoffMs: number;
  backoffMultiplier: number;
  codes: string[];
}

/** gRPC hedging policy (gRFC A6); `maxAttempts` 1 means no hedging. */
export interface HedgingConfig {
  maxAttempts: number;
  hedgingDelayMs: number;
  nonFatalCodes: string[];
}

/** What may be set per method, overriding the client's value. */
export interface MethodConfig {
  deadlineMs: number;
  waitForReady: boolean;
  retry: RetryConfig;
  hedging: HedgingConfig;
}

/** One client under `clients.<name>`. */
export interface ClientConfig {
  target: string;
  deadlineMs: number;
  compression: Compression;
  balancing: BalancingPolicy;
  healthCheck: { enabled: boolean; serviceName: string };
  retry: RetryConfig;
  hedging: HedgingConfig;
  waitForReady: boolean;
  propagateDeadline: boolean;
  propagateCancellation: boolean;
  keepalive: { timeMs: number; timeoutMs: number; permitWithoutCalls: boolean };
  maxReceiveMessageBytes: number;
  maxSendMessageBytes: number;
  metadata: Record<string, string>;
  interceptors: string[];
  /** TLS of the client's connections; every key empty (the default) is plaintext. */
  tls: ClientTlsConfig;
  methods: Record<string, Partial<MethodConfig>>;
}

/** `clients.<name>.tls`: PEM files by path, empty for none. */
export interface ClientTlsConfig {
  /** Certificates the server's must chain to; empty with TLS on trusts Node's bundled roots. */
  caFile: string;
  /** Client certificate (mTLS), with keyFile. */
  certFile: string;
  keyFile: string;
  /** The name the server's certificate is checked against, and the :authority sent, instead of the target's host. */
  serverName: string;
}

const retrySchema = (defaults: { maxAttempts: number }) => ({
  maxAttempts: { doc: 'Attempts in all, the first included; 1 turns retries off (gRPC caps it at 5).', format: 'attempts', default: defaults.maxAttempts },
  initialBackoffMs: { doc: 'Backoff before the first retry.', format: 'positive-duration', default: 100 },
  maxBackoffMs: { doc: 'Largest backoff.', format: 'positive-duration', default: 1000 },
  backoffMultiplier: { doc: 'Growth of the backoff per attempt.', format: 'multiplier', default: 2 },
  codes: { doc: 'Status codes that are retried.', format: 'status-codes', default: ['UNAVAILABLE'] },
});

const hedgingSchema = (defaults: { maxAttempts: number }) => ({
  maxAttempts: { doc: 'Hedged attempts in all; 1 turns hedging off (gRPC caps it at 5).', format: 'attempts', default: defaults.maxAttempts },
  hedgingDelayMs: { doc: 'Delay between hedged attempts.', format: 'duration', default: 0 },
  nonFatalCodes: { doc: 'Codes after which the other hedged attempts go on.', format: 'status-codes', default: [] as string[] },
});

/** 0 means no deadline. */
const deadlineSchema = (doc: string) => ({ doc, format: 'duration', default: 0 });

/**
 * The convict schema of one client of `service`. `methods` accepts exactly
 * the rpcs of the service, so a misspelt method name is a config error that
 * lists the real ones.
 */
export function clientConfigSchema(service: ServiceDescriptor<unknown, unknown>, defaults: { target?: string } = {}) {
  const methods: Record<string, unknown> = {};
  for (const name of service.methods.keys()) {
    methods[name] = {
      deadlineMs: deadlineSchema(`Deadline of ${name}; 0 keeps the client's.`),
      waitForReady: { doc: `Whether ${name} waits for a connection.`, format: 'optional-boolean', default: null },
      // maxAttempts 0: the client's policy applies.
      retry: retrySchema({ maxAttempts: 0 }),
      hedging: hedgingSchema({ maxAttempts: 0 }),
    };
  }
  return {
    target: {
      doc: 'Where the service is: dns:///host:port, static:///host:port,host:port, file:///path.json, a registered scheme, ipv4:…, unix:…, or host:port.',
      format: 'grpc-target',
      default: defaults.target ?? '',
    },
    deadlineMs: deadlineSchema('Deadline of every call; 0 for none.'),
    compression: { doc: 'Request compression.', format: [...COMPRESSIONS], default: 'identity' },
    balancing: { doc: 'Load balancing policy.', format: [...BALANCING_POLICIES], default: 'pick_first' },
    healthCheck: {
      enabled: { doc: 'Take endpoints whose grpc.health.v1 status is not SERVING out of rotation.', format: Boolean, default: false },
      serviceName: { doc: "The service name asked about ('' is the whole server).", format: String, default: '' },
    },
    retry: retrySchema({ maxAttempts: 1 }),
    hedging: hedgingSchema({ maxAttempts: 1 }),
    waitForReady: { doc: 'Calls wait for a connection instead of failing fast.', format: Boolean, default: false },
    propagateDeadline: { doc: 'Calls made inside a handler inherit its deadline.', format: Boolean, default: true },
    propagateCancellation: { doc: 'Calls made inside a handler are cancelled with it.', format: Boolean, default: true },
    keepalive: {
      timeMs: { doc: 'Ping an idle connection after this long (10 s at least, as grpc-go).', format: 'client-keepalive-time', default: 7200000 },
      timeoutMs: { doc: 'Drop the connection if a ping is not answered in this long (1 s at least).', format: 'keepalive-timeout', default: 20000 },
      permitWithoutCalls: { doc: 'Ping connections that have no calls.', format: Boolean, default: false },
    },
    maxReceiveMessageBytes: { doc: 'Largest response accepted.', format: 'positive-int', default: 4 * 1024 * 1024 },
    maxSendMessageBytes: { doc: 'Largest request sent.', format: 'positive-int', default: 4 * 1024 * 1024 },
    metadata: { doc: 'Metadata sent with every call (text values).', format: 'metadata-map', default: {} as Record<string, string> },
    interceptors: { doc: 'Names of registered client interceptors, outermost first.', format: 'names', default: [] as string[] },
    tls: {
      caFile: { doc: "PEM certificates the server's certificate must chain to; with all tls keys empty, plaintext.", format: String, default: '' },
      certFile: { doc: 'PEM client certificate (mTLS); needs keyFile.', format: String, default: '' },
      keyFile: { doc: 'PEM private key of certFile.', format: String, default: '' },
      serverName: { doc: "Name checked against the server's certificate and sent as :authority instead of the target's host.", format: String, default: '' },
    },
    methods,
  };
}

/**
 * The schema of `clientDefaults`: every client key but `target` and
 * `methods`. A value set there applies to each client that does not set it.
 * One object, so that several apps may declare the section.
 */
export const clientDefaultsSchema: Record<string, unknown> = (() => {
  const { target: _target, methods: _methods, ...common } = clientConfigSchema({ methods: new Map() } as unknown as ServiceDescriptor<unknown, unknown>);
  return common;
})();

/** `clientInterceptors`: named interceptors every client runs, before its own. */
export const clientInterceptorsSchema = {
  doc: 'Names of registered client interceptors that every client runs, outermost first, after the ones given in code and before its own.',
  format: 'names',
  default: [] as string[],
};

/** What {@link crossCheck} reads of the whole configuration besides the client's own keys. */
export interface CrossCheckContext {
  /** `resolvers` of the configuration the clients are made from: an `etcd:///` target needs `resolvers.etcd`. */
  readonly resolvers?: { readonly etcd?: unknown };
}

/**
 * Checks what one key cannot: rules across keys. Returns problems as `path: message`.
 * Targets are checked against `context.resolvers` only when a context is given.
 */
export function crossCheck(name: string, config: ClientConfig, context?: CrossCheckContext): string[] {
  const problems: string[] = [];
  const at = `clients.${name}`;
  if (config.target === '') problems.push(`${at}.target: required; e.g. dns:///localhost:50051`);
  // Without the etcd scheme registered, grpc-js reads "etcd:///x" as a DNS name and every call fails UNAVAILABLE.
  if (context !== undefined && context.resolvers?.etcd === undefined && /^etcd:/i.test(config.target)) {
    problems.push(
      `${at}.target: ${JSON.stringify(config.target)} needs resolvers.etcd (the registry's endpoints and prefix), which the configuration ` +
        'given to registerClients does not have: declare it (etcdConfigSchema; clientsSchema includes it) and pass resolvers along with clients',
    );
  }
  for (const [key, policy] of [
    ['retry', config.retry],
    ['hedging', config.hedging],
  ] as const) {
    if (policy.maxAttempts === 0) problems.push(`${at}.${key}.maxAttempts: 0 ("the client's") applies only under methods; 1 turns ${key} off: value was 0`);
  }
  if (config.healthCheck.enabled && !HEALTH_CHECKING_POLICIES.includes(config.balancing)) {
    problems.push(`${at}.healthCheck.enabled: needs balancing ${HEALTH_CHECKING_POLICIES.join(', ')}: balancing was "${config.balancing}"`);
  }
  const check = (path: string, retry: RetryConfig, hedging: HedgingConfig): void => {
    if (retry.maxAttempts > 1 && hedging.maxAttempts > 1) {
      problems.push(`${path}: retry and hedging are exclusive (gRFC A6); set one of retry.maxAttempts, hedging.maxAttempts to 1`);
    }
    if (retry.maxAttempts > 1 && retry.maxBackoffMs < retry.initialBackoffMs) {
      problems.push(`${path}.retry.maxBackoffMs: must be at least initialBackoffMs (${retry.initialBackoffMs}): value was ${retry.maxBackoffMs}`);
    }
    if (retry.maxAttempts > 1 && retry.codes.length === 0) problems.push(`${path}.retry.codes: must name at least one code when retries are on`);
  };
  check(at, config.retry, config.hedging);
  for (const [method, m] of Object.entries(config.methods)) {
    const policy = methodPolicy(config, m);
    check(`${at}.methods.${method}`, policy.retry, policy.hedging);
  }
  return problems;
}

/** A method's retry and hedging: its own where set (maxAttempts above 0), else the client's. */
export function methodPolicy(config: ClientConfig, method: Partial<MethodConfig> | undefined): { retry: RetryConfig; hedging: HedgingConfig } {
  const retry = method?.retry && method.retry.maxAttempts > 0 ? method.retry : config.retry;
  const hedging = method?.hedging && method.hedging.maxAttempts > 0 ? method.hedging : config.hedging;
  return { retry, hedging };
}

import cluster from 'node:cluster';
import { Container } from 'inversify';
import {
  LoggerToken,
  MetricsRegistryToken,
  ServerConfigToken,
  SwitchboardError,
  bindValue,
  createLogger,
  loadConfig,
  openModuleClients,
  serverConfigSchema,
  type AnyAppModule,
  type ConfigSources,
  type Logger,
  type ServerConfig,
  type ServerInterceptor,
} from '@switchboard/core';
import { accessLogInterceptor } from './access-log';
import { authConfigSchema, type AuthConfig } from './auth-config';
import { createAuthentication } from './auth-interceptor';
import { logGuardedMethods } from './auth-guarded';
import { metricsConfigSchema, type MetricsConfig } from './metrics-config';
import { serveMetrics, type MetricsEndpoint } from './metrics-endpoint';
import { createServerMetrics } from './server-metrics';
import { applyOverrides, type Override } from './override';
import { runPrimary } from './primary';
import { SwitchboardServer } from './switchboard-server';
import { tracingConfigSchema, type TracingConfig } from './tracing-config';
import { serverTracingInterceptor } from './tracing-interceptor';
import { acquireTracingSdk } from './tracing-sdk';
import { followPrimary, isSwitchboardWorker, shareMetricsWithPrimary, workerCount, workerLogger, workerModules } from './workers';

/** Options of {@link startServer}. */
export interface StartOptions {
  /** The apps to serve, on one server. */
  readonly modules: readonly AnyAppModule[];
  /**
   * Process-wide interceptors: they run for every call of every module,
   * outermost first. With `tracing.enabled` the tracing interceptor comes
   * before them, then (with `metrics.enabled`) the metrics interceptor, then
   * (with `log.access.enabled`) the access log, then (with
   * `auth.jwt`) the bearer-token authentication. A module's
   * own (`AppModule.interceptors`) run only for that module's services, after
   * these and after the process-wide ones modules declare
   * (`AppModule.processInterceptors`); then each service's and method's
   * `@UseInterceptors`.
   */
  readonly interceptors?: readonly ServerInterceptor[];
  /** Where config comes from; defaults to this process's argv, env and `./config`. */
  readonly config?: ConfigSources;
  /** Overrides the logger built from config (tests pass a silent one). */
  readonly logger?: Logger;
  /**
   * Bindings that replace what modules bound (a test's fakes), each made with
   * `override(token, value)`. They are applied after every module's
   * `register` and before any service or interceptor is resolved; a token no
   * module binds is an error naming it.
   */
  readonly overrides?: readonly Override[];
}

/** A started server and what it was built from. */
export interface RunningServer {
  readonly port: number;
  readonly address: string;
  /** The port of the metrics endpoint, when `metrics.enabled`. */
  readonly metricsPort?: number;
  readonly config: Readonly<ServerConfig & MetricsConfig & AuthConfig & TracingConfig>;
  readonly container: Container;
  readonly server: SwitchboardServer;
  readonly logger: Logger;
  /** Graceful shutdown; see {@link SwitchboardServer.shutdown}. */
  shutdown(graceMs?: number): Promise<void>;
}

/**
 * Validates the whole configuration (server keys and every module's keys),
 * wires the modules into one container and serves all their services on one
 * port. Nothing listens unless the configuration is valid.
 *
 * @example
 * const running = await startServer({ modules: [ordersModule, greeterModule] });
 * console.log(`serving on ${running.address}`);
 */
export async function startServer(options: StartOptions): Promise<RunningServer> {
  const config = loadServerConfig(options.modules, options.config);
  // Before anything listens, so that the first call is traced; released at the end of shutdown.
  const releaseTracing = config.tracing.enabled ? acquireTracingSdk(config.tracing) : undefined;
  const logger = workerLogger(options.logger ?? createLogger(config));

  const container = new Container();
  bindValue(container, ServerConfigToken, config);
  bindValue(container, LoggerToken, logger);
  // Bound before modules register, so the clients they make count into the registry the endpoint serves.
  const metrics = config.metrics.enabled ? createServerMetrics() : undefined;
  const authentication = createAuthentication(config.auth, logger);
  if (metrics) bindValue(container, MetricsRegistryToken, metrics.registry);
  // All modules' clients in one pool, before `register` so that a module's bindings may use them.
  const clients = openModuleClients(options.modules, container, config);
  for (const module of options.modules) {
    module.register?.(container, config);
    for (const service of module.services) container.bind(service).toSelf().inSingletonScope();
  }
  applyOverrides(container, options.overrides ?? []);

  const server = new SwitchboardServer({
    config: config.server,
    logger,
    interceptors: [
      // Outermost, so that they see the status every other interceptor settled on.
      ...(config.tracing.enabled ? [serverTracingInterceptor()] : []),
      ...(metrics ? [metrics.interceptor] : []),
      ...(config.log.access.enabled ? [accessLogInterceptor(logger, config.log.access)] : []),
      ...(authentication ? [authentication] : []),
      ...(options.interceptors ?? []),
      ...options.modules.flatMap((module) => module.processInterceptors?.(container) ?? []),
    ],
  });
  for (const module of options.modules) {
    const interceptors = module.interceptors?.(container) ?? [];
    for (const service of module.services) server.addService(container.get(service), { interceptors });
  }
  logGuardedMethods(
    options.modules.flatMap((module) => module.services),
    { jwt: authentication !== undefined, clientCertificates: config.server.tls.clientAuth !== 'none' },
    logger,
  );
  const port = await server.listen();
  let endpoint: MetricsEndpoint | undefined;
  try {
    // A worker's metrics are served by its primary, summed over the workers.
    if (metrics && isSwitchboardWorker()) shareMetricsWithPrimary(metrics.registry);
    else if (metrics) endpoint = await serveMetrics(metrics.registry, config.metrics);
    for (const module of options.modules) await module.started?.(container, { host: config.server.host, port });
  } catch (error) {
    // A server nobody can reach to stop must not stay behind.
    await server.shutdown(0);
    await endpoint?.close();
    for (const module of [...options.modules].reverse()) await module.dispose?.(container);
    clients.close();
    await releaseTracing?.();
    throw error;
  }
  return {
    port,
    address: `${config.server.host}:${port}`,
    ...(endpoint ? { metricsPort: endpoint.port } : {}),
    config,
    container,
    server,
    logger,
    async shutdown(graceMs?: number) {
      for (const module of options.modules) {
        try {
          await module.stopping?.(container);
        } catch (error) {
          logger.warn({ err: error, module: module.name }, 'stopping hook failed');
        }
      }
      try {
        await server.shutdown(graceMs);
      } finally {
        // After the grace period, so that a scrape during it still sees the calls ending.
        await endpoint?.close();
      }
      try {
        for (const module of [...options.modules].reverse()) await module.dispose?.(container);
      } finally {
        // Last, so that calls still ending in the grace period and `dispose` hooks have their clients.
        clients.close();
      }
      // Last: flushes the spans of the calls that ended during the shutdown.
      await releaseTracing?.();
    },
  };
}

/**
 * Loads and validates the configuration a server of these modules would run
 * with (the server's keys and every module's), as {@link startServer} does,
 * without starting anything: what a tool that checks a deployment ahead of
 * time (`switchboard deploy k8s`) reads. Throws the same SB_ERR_CONFIG.
 *
 * @example
 * const config = loadServerConfig([ordersModule], { argv: ['--config', 'deploy/prod.json'] });
 * config.server.port; // 50051
 */
export function loadServerConfig(
  modules: readonly AnyAppModule[],
  sources?: ConfigSources,
): Readonly<ServerConfig & MetricsConfig & AuthConfig & TracingConfig> {
  return loadConfig(mergeSchemas(modules), sources) as Readonly<ServerConfig & MetricsConfig & AuthConfig & TracingConfig>;
}

/**
 * The entry point of a server process: starts, and on SIGTERM or SIGINT shuts
 * down gracefully and exits 0. A second signal during the shutdown cuts the
 * grace short: calls in flight end with UNAVAILABLE, it is logged, and the
 * exit code is 1; a third exits at once with 130. Bad configuration is
 * printed with every problem and the process exits 1 with nothing started.
 * With `server.workers` above 1 this process becomes the primary of that many
 * worker processes, which run this function again (see primary.ts and the
 * server's README, "Workers").
 */
export async function runMain(options: StartOptions): Promise<void> {
  if (cluster.isPrimary) {
    try {
      const config = loadServerConfig(options.modules, options.config);
      const workers = workerCount(config.server.workers);
      if (workers > 1) {
        const logger = (options.logger ?? createLogger(config)).child({ primary: true, pid: process.pid });
        return runPrimary({ workers, config, modules: options.modules, logger });
      }
    } catch (error) {
      exitOnStartError(error);
    }
  }
  let running: RunningServer | undefined;
  let requested: NodeJS.Signals | undefined;
  let signals = 0;
  // Handlers go in before the start: a signal that arrives while starting is
  // honoured once the server is up, rather than killing the process mid-start.
  const stop = (signal: NodeJS.Signals): void => {
    if (running === undefined) {
      requested = signal;
      return;
    }
    const server = running;
    signals++;
    if (signals === 1) {
      server.logger.info({ signal }, 'signal received; shutting down');
      server.shutdown().then(
        () => process.exit(signals > 1 ? 1 : 0),
        (error: unknown) => {
          server.logger.error({ err: error }, 'shutdown failed');
          process.exit(1);
        },
      );
    } else if (signals === 2) {
      server.logger.warn({ signal, inFlight: server.server.callsInFlight }, 'second signal: stopping now; calls in flight end with UNAVAILABLE');
      server.server.cutShutdownShort();
    } else {
      server.logger.error({ signal }, 'third signal: exiting at once');
      process.exit(130);
    }
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  const primary = isSwitchboardWorker() ? followPrimary({ stop, handled: () => signals }) : undefined;
  try {
    running = await startServer({ ...options, modules: workerModules(options.modules) });
  } catch (error) {
    exitOnStartError(error);
  }
  primary?.listening(running.port);
  if (requested !== undefined) stop(requested);
}

function exitOnStartError(error: unknown): never {
  process.stderr.write(`${error instanceof SwitchboardError ? error.message : String((error as Error).stack ?? String(error))}\n`);
  process.exit(1);
}

type SchemaTree = Record<string, unknown>;

/** A convict schema node that declares a value (rather than grouping keys). */
const isLeaf = (node: unknown): boolean => typeof node === 'object' && node !== null && ('default' in node || 'format' in node);

/**
 * Merges the server schema and every module's. Modules may share a group
 * (two apps each declaring `clients.<name>`), never a key.
 */
function mergeSchemas(modules: readonly AnyAppModule[]): Parameters<typeof loadConfig>[0] {
  const schema: SchemaTree = {};
  const owners = new Map<string, string>();
  const merge = (into: SchemaTree, from: SchemaTree, owner: string, prefix: string): void => {
    for (const [key, node] of Object.entries(from)) {
      const path = prefix ? `${prefix}.${key}` : key;
      const existing = into[key];
      if (existing === node) continue; // one shared section (clientDefaults), declared by several modules
      if (existing !== undefined && !isLeaf(existing) && !isLeaf(node)) {
        merge(existing as SchemaTree, node as SchemaTree, owner, path);
        continue;
      }
      if (existing !== undefined) {
        throw new SwitchboardError('SB_ERR_CONFIG', `config key '${path}' of '${owner}' is already declared by '${owners.get(path) ?? '?'}'`);
      }
      into[key] = isLeaf(node) ? node : {};
      owners.set(path, owner);
      if (!isLeaf(node)) merge(into[key] as SchemaTree, node as SchemaTree, owner, path);
    }
  };
  merge(schema, serverConfigSchema, 'server', '');
  merge(schema, metricsConfigSchema, 'server', '');
  merge(schema, tracingConfigSchema, 'server', '');
  merge(schema, authConfigSchema, 'server', '');
  for (const module of modules) {
    merge(schema, (module.config ?? {}) as SchemaTree, module.name, '');
    // A client several modules declare is one declaration: its keys are the same nodes, merged as one.
    for (const client of module.clients ?? []) merge(schema, client.schema as SchemaTree, module.name, '');
  }
  return schema;
}

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
import { StartCleanup } from './start-cleanup';
import { registerModules } from './start-modules';
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
  /**
   * Graceful shutdown: the modules' `stopping` hooks, the server's grace
   * period (see {@link SwitchboardServer.shutdown}), then the metrics
   * endpoint, every `dispose`, the clients and the tracing SDK. Every step
   * runs even when one fails; it rejects with the first failure.
   */
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
  const logger = workerLogger(options.logger ?? createLogger(config));
  // In a worker, the per-deployment modules are the primary's to run.
  const modules = workerModules(options.modules);
  // Everything acquired below, released newest first by a failed start or by the shutdown.
  const cleanup = new StartCleanup();
  try {
    // Before anything listens, so that the first call is traced; released last, flushing the shutdown's spans.
    if (config.tracing.enabled) cleanup.defer('tracing SDK', acquireTracingSdk(config.tracing));
    const container = new Container();
    bindValue(container, ServerConfigToken, config);
    bindValue(container, LoggerToken, logger);
    // Bound before modules register, so the clients they make count into the registry the endpoint serves.
    const metrics = config.metrics.enabled ? createServerMetrics() : undefined;
    const authentication = createAuthentication(config.auth, logger);
    if (metrics) bindValue(container, MetricsRegistryToken, metrics.registry);
    registerModules(modules, { container, config, cleanup });
    for (const module of modules) for (const service of module.services) container.bind(service).toSelf().inSingletonScope();
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
        ...modules.flatMap((module) => module.processInterceptors?.(container) ?? []),
      ],
    });
    let endpoint: MetricsEndpoint | undefined;
    // Deferred before the server, so that it closes after the grace period: a scrape during it still sees the calls ending.
    cleanup.defer('metrics endpoint', () => endpoint?.close());
    // A server nobody can reach to stop must not stay behind: a failed start stops it at once, the shutdown with its grace period.
    let graceMs: number | undefined = 0;
    cleanup.defer('server', () => server.shutdown(graceMs));
    for (const module of modules) {
      const interceptors = module.interceptors?.(container) ?? [];
      for (const service of module.services) server.addService(container.get(service), { interceptors });
    }
    logGuardedMethods(
      modules.flatMap((module) => module.services),
      { jwt: authentication !== undefined, clientCertificates: config.server.tls.clientAuth !== 'none' },
      logger,
    );
    const port = await server.listen();
    // A worker's metrics are served by its primary, summed over the workers.
    if (metrics && isSwitchboardWorker()) shareMetricsWithPrimary(metrics.registry);
    else if (metrics) endpoint = await serveMetrics(metrics.registry, config.metrics);
    for (const module of modules) await module.started?.(container, { host: config.server.host, port });
    return {
      port,
      address: `${config.server.host}:${port}`,
      ...(endpoint ? { metricsPort: endpoint.port } : {}),
      config,
      container,
      server,
      logger,
      async shutdown(grace?: number): Promise<void> {
        for (const module of modules) {
          try {
            await module.stopping?.(container);
          } catch (error) {
            logger.warn({ err: error, module: module.name }, 'stopping hook failed');
          }
        }
        graceMs = grace;
        // The server (with its grace period), the metrics endpoint, every `dispose`, the clients, the tracing SDK.
        const [first, ...others] = await cleanup.release();
        for (const failure of others) logger.error({ err: failure.error, resource: failure.name }, 'releasing failed during the shutdown');
        if (first) throw first.error;
      },
    };
  } catch (error) {
    // The caller sees the start's own error; what could not be released is logged.
    for (const failure of await cleanup.release()) logger.error({ err: failure.error, resource: failure.name }, 'releasing failed after a failed start');
    throw error;
  }
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
        // Awaited here, so that a per-deployment module that fails to register ends the process as a bad start does.
        return await runPrimary({ workers, config, modules: options.modules, logger });
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
    running = await startServer(options);
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

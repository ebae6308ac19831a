import cluster, { type Worker } from 'node:cluster';
import { Container } from 'inversify';
import { LoggerToken, ServerConfigToken, bindValue, type AnyAppModule, type Logger, type ServerConfig } from '@switchboard/core';
import type { MetricsConfig } from './metrics-config';
import { serveMetrics, type MetricsEndpoint } from './metrics-endpoint';
import { StartCleanup } from './start-cleanup';
import { registerModules } from './start-modules';
import { WORKER_ENV, WorkersRegistry, isListeningMessage, primaryModules, type SignalMessage } from './workers';

/**
 * A crash loop ends the deployment: this many unexpected worker exits within
 * {@link CRASH_WINDOW_MS} and the primary stops the others and exits 1, rather
 * than forking forever a worker that cannot live.
 */
export const MAX_WORKER_DEATHS = 5;
/** The window in which {@link MAX_WORKER_DEATHS} unexpected exits end the deployment. */
export const CRASH_WINDOW_MS = 60_000;

/** Options of {@link runPrimary}. */
export interface PrimaryOptions {
  /** How many workers to keep running (2 or more). */
  readonly workers: number;
  /** The whole validated configuration (every module's keys too). */
  readonly config: Readonly<ServerConfig & MetricsConfig>;
  /** The modules; the primary opens the clients of the per-deployment ones (`AppModule.perDeployment`) and runs their hooks. */
  readonly modules: readonly AnyAppModule[];
  readonly logger: Logger;
}

/**
 * The primary of `server.workers` above 1: forks the workers (node:cluster;
 * each runs runMain and serves the same port, the primary handing out
 * connections), replaces a worker that exits unasked, serves the metrics of
 * all workers summed (with `metrics.enabled`) and runs the per-deployment
 * modules once all workers listen, and on SIGTERM or SIGINT forwards each
 * signal to every worker, exiting once they are all gone: 0 after a drain, 1
 * after a second signal (or a worker that failed), 130 at once on a third
 * (the workers are killed). A worker that exits before every worker has
 * listened, or {@link MAX_WORKER_DEATHS} exits within {@link CRASH_WINDOW_MS},
 * stop the deployment with exit code 1. The per-deployment modules' clients
 * are opened before their `register` and closed after their `dispose`, as
 * `startServer` does. Rejects with what opening those clients or a
 * per-deployment module's `register` throws, before any worker starts and
 * with what they acquired released. @internal
 */
export async function runPrimary(options: PrimaryOptions): Promise<void> {
  await new Primary(options).start();
}

class Primary {
  private readonly live = new Map<number, Worker>();
  private readonly listening = new Set<number>();
  private readonly container = new Container();
  private readonly perDeployment: readonly AnyAppModule[];
  private readonly deaths: number[] = [];
  private signals = 0;
  private signal: NodeJS.Signals = 'SIGTERM';
  private exitCode = 0;
  private ready = false;
  private started: Promise<void> = Promise.resolve();
  /** Set once the shutdown has begun; resolves when the per-deployment `stopping` hooks are done. */
  private stopped: Promise<void> | undefined;
  private hooksDone = false;
  private metrics: MetricsEndpoint | undefined;
  /** The per-deployment modules' clients and `dispose` hooks, and the metrics endpoint, released by the exit. */
  private readonly cleanup = new StartCleanup();

  constructor(private readonly options: PrimaryOptions) {
    this.perDeployment = options.modules.filter((m) => m.perDeployment === true);
  }

  async start(): Promise<void> {
    bindValue(this.container, ServerConfigToken, this.options.config);
    bindValue(this.container, LoggerToken, this.options.logger);
    try {
      registerModules(primaryModules(this.options.modules), { container: this.container, config: this.options.config, cleanup: this.cleanup });
    } catch (error) {
      await this.release('releasing failed after a failed start');
      throw error;
    }
    process.on('SIGTERM', this.onSignal);
    process.on('SIGINT', this.onSignal);
    cluster.on('message', this.onMessage);
    cluster.on('exit', this.onExit);
    this.options.logger.info({ workers: this.options.workers }, 'starting workers');
    for (let i = 0; i < this.options.workers; i++) this.fork();
  }

  private fork(): void {
    const worker = cluster.fork({ [WORKER_ENV]: '1' });
    this.live.set(worker.id, worker);
    this.options.logger.info({ worker: worker.id, workerPid: worker.process.pid }, 'worker started');
  }

  private readonly onMessage = (worker: Worker, message: unknown): void => {
    if (!isListeningMessage(message)) return;
    this.listening.add(worker.id);
    // A worker that was still starting when the shutdown began may have missed the signal.
    if (this.hooksDone) this.tell(worker);
    if (this.ready || this.stopped || this.listening.size < this.options.workers) return;
    this.ready = true;
    this.started = this.runStarted(message.port);
  };

  private async runStarted(port: number): Promise<void> {
    const { host } = this.options.config.server;
    try {
      if (this.options.config.metrics.enabled) {
        const metrics = await serveMetrics(new WorkersRegistry(), this.options.config.metrics);
        this.metrics = metrics;
        this.cleanup.defer('metrics endpoint', () => metrics.close());
      }
      for (const module of this.perDeployment) await module.started?.(this.container, { host, port });
    } catch (error) {
      this.options.logger.error({ err: error }, 'the metrics endpoint or a per-deployment module failed to start; stopping the workers');
      this.exitCode = 1;
      this.shutdown();
      return;
    }
    const metricsPort = this.metrics ? { metricsPort: this.metrics.port } : {};
    this.options.logger.info({ address: `${host}:${port}`, workers: this.options.workers, ...metricsPort }, 'workers listening');
  }

  private readonly onExit = (worker: Worker, code: number | null, signal: string | null): void => {
    this.live.delete(worker.id);
    this.listening.delete(worker.id);
    const fields = { worker: worker.id, workerPid: worker.process.pid, code, signal };
    if (this.stopped) {
      if (code !== 0) this.exitCode = 1;
      this.options.logger.info(fields, 'worker stopped');
      if (this.live.size === 0) void this.finish();
      return;
    }
    this.options.logger.error(fields, 'worker exited unexpectedly');
    const now = Date.now();
    this.deaths.push(now);
    while ((this.deaths[0] ?? now) <= now - CRASH_WINDOW_MS) this.deaths.shift();
    if (!this.ready || this.deaths.length >= MAX_WORKER_DEATHS) {
      this.options.logger.fatal(
        { deaths: this.deaths.length, windowMs: CRASH_WINDOW_MS },
        this.ready ? 'workers keep exiting; giving up' : 'a worker exited before every worker listened; giving up',
      );
      this.exitCode = 1;
      this.shutdown();
      return;
    }
    this.fork();
  };

  private readonly onSignal = (signal: NodeJS.Signals): void => {
    this.signals++;
    this.signal = signal;
    if (this.signals === 1) {
      this.options.logger.info({ signal, workers: this.live.size }, 'signal received; stopping the workers');
      this.shutdown();
    } else if (this.signals === 2) {
      this.options.logger.warn({ signal }, 'second signal: the workers stop now; calls in flight end with UNAVAILABLE');
      this.exitCode = 1;
      for (const worker of this.live.values()) this.tell(worker);
    } else {
      this.options.logger.error({ signal }, 'third signal: exiting at once');
      for (const worker of this.live.values()) worker.process.kill('SIGKILL');
      process.exit(130);
    }
  };

  /** Deregisters (per-deployment `stopping`), then has every worker drain; the exit follows the last worker's. */
  private shutdown(): void {
    if (this.stopped) return;
    this.stopped = (async () => {
      await this.started;
      for (const module of this.perDeployment) {
        try {
          await module.stopping?.(this.container);
        } catch (error) {
          this.options.logger.warn({ err: error, module: module.name }, 'stopping hook failed');
        }
      }
    })();
    void this.stopped.then(() => {
      this.hooksDone = true;
      for (const worker of this.live.values()) this.tell(worker);
      if (this.live.size === 0) void this.finish();
    });
  }

  /** Sends the signals so far (at least the first) to `worker`. */
  private tell(worker: Worker): void {
    if (!worker.isConnected()) return;
    const message: SignalMessage = { switchboard: 'signal', signal: this.signal, count: Math.max(this.signals, 1) };
    // A worker that dies as this is sent fails the send here, not as an 'error' event nobody listens to; its exit is handled in onExit.
    worker.send(message, undefined, () => undefined);
  }

  private async finish(): Promise<void> {
    if (!this.hooksDone) return;
    // The metrics endpoint, every per-deployment `dispose`, then the clients.
    await this.release('releasing failed at exit');
    this.options.logger.info({ exitCode: this.exitCode }, 'all workers stopped');
    process.exit(this.exitCode);
  }

  /** Releases what the primary acquired, logging what fails. */
  private async release(message: string): Promise<void> {
    for (const failure of await this.cleanup.release()) this.options.logger.warn({ err: failure.error, resource: failure.name }, message);
  }
}

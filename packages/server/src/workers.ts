import cluster from 'node:cluster';
import * as os from 'node:os';
import type { AnyAppModule, Logger } from '@switchboard/core';
import { AggregatorRegistry, type PrometheusContentType, type Registry } from 'prom-client';

/** The number of worker processes `server.workers` stands for. */
export function workerCount(workers: number | 'auto'): number {
  return workers === 'auto' ? os.availableParallelism() : workers;
}

/**
 * The environment variable a Switchboard primary sets on the workers it forks,
 * so that they know it is theirs: pm2's cluster mode, say, runs `runMain` in
 * node:cluster workers of its own primary, and those must serve as one process
 * does. A handshake between processes, as node:cluster's own `NODE_UNIQUE_ID`,
 * not configuration. @internal
 */
export const WORKER_ENV = 'SWITCHBOARD_WORKER';

/** Whether this process is a worker forked by a Switchboard primary. @internal */
export const isSwitchboardWorker = (): boolean => cluster.isWorker && process.env[WORKER_ENV] === '1';

/** A worker tells its primary that it serves, and on which port. @internal */
export interface ListeningMessage {
  readonly switchboard: 'listening';
  readonly port: number;
}

/**
 * The primary tells a worker how many stop signals the deployment has had:
 * the worker catches up to `count` through runMain's own handling (1 drains,
 * 2 cuts the grace short, 3 exits at once). @internal
 */
export interface SignalMessage {
  readonly switchboard: 'signal';
  readonly signal: NodeJS.Signals;
  readonly count: number;
}

const isMessage = <M extends { switchboard: string }>(message: unknown, kind: M['switchboard']): message is M =>
  typeof message === 'object' && message !== null && (message as { switchboard?: unknown }).switchboard === kind;

/** Whether `message` is a worker's {@link ListeningMessage}. @internal */
export const isListeningMessage = (message: unknown): message is ListeningMessage => isMessage<ListeningMessage>(message, 'listening');

/**
 * `logger`, in a worker process, with `worker` (its cluster id, 1, 2, … and
 * a new one for each replacement) and `pid` on every line. @internal
 */
export function workerLogger(logger: Logger): Logger {
  return isSwitchboardWorker() && cluster.worker ? logger.child({ worker: cluster.worker.id, pid: process.pid }) : logger;
}

/**
 * The modules a process wires (its config is still read from all of them): in
 * a worker, a per-deployment module (`AppModule.perDeployment`) keeps only
 * the client interceptors it names, for the primary opens its clients and
 * runs its hooks. @internal
 */
export function workerModules(modules: readonly AnyAppModule[]): readonly AnyAppModule[] {
  if (!isSwitchboardWorker()) return modules;
  return modules.map((module) => (module.perDeployment === true ? namesOnly(module) : module));
}

/**
 * The modules a workers primary wires: the per-deployment ones (their
 * clients, `register` and hooks), and of the others only the client
 * interceptors they name, which config may give every client. @internal
 */
export function primaryModules(modules: readonly AnyAppModule[]): readonly AnyAppModule[] {
  return modules.map((module) => (module.perDeployment === true ? module : namesOnly(module)));
}

/** `module` without clients, services, bindings or hooks: only its name and the client interceptors it names. */
const namesOnly = (module: AnyAppModule): AnyAppModule => ({
  name: module.name,
  services: [],
  ...(module.clientInterceptors ? { clientInterceptors: module.clientInterceptors } : {}),
});

/** How a worker's runMain follows its primary; see {@link followPrimary}. @internal */
export interface FollowOptions {
  /** runMain's signal handler. */
  readonly stop: (signal: NodeJS.Signals) => void;
  /** How many signals runMain has handled. */
  readonly handled: () => number;
}

/**
 * Connects a worker's runMain to its primary: the primary's signals arrive as
 * {@link SignalMessage}s, not as signals, because a terminal's Ctrl-C reaches
 * every process of the group and a worker must not count it twice. A primary
 * that is gone (its IPC channel closed) needs nothing here: node:cluster ends
 * a worker whose channel closes unasked at once. Returns `listening`, to call
 * once the server serves. @internal
 */
export function followPrimary(options: FollowOptions): { listening(port: number): void } {
  process.on('message', (message: unknown) => {
    if (!isMessage<SignalMessage>(message, 'signal')) return;
    for (let n = options.handled(); n < message.count; n++) options.stop(message.signal);
  });
  return {
    listening(port) {
      // With a callback, a channel that closes meanwhile fails the send, rather than an 'error' event on the process.
      if (process.connected) process.send?.({ switchboard: 'listening', port } satisfies ListeningMessage, undefined, undefined, () => undefined);
    },
  };
}

/**
 * In a worker: hands `registry` to the primary, which serves the metrics of
 * every worker summed (prom-client's cluster aggregation) on the one metrics
 * port, instead of each worker binding it. @internal
 */
export function shareMetricsWithPrimary(registry: Registry): void {
  // Constructing one installs the worker's answer to the primary's requests.
  new AggregatorRegistry<PrometheusContentType>();
  AggregatorRegistry.setRegistries([registry]);
}

/** In the primary: a registry whose `metrics()` are every worker's, summed. @internal */
export class WorkersRegistry extends AggregatorRegistry<PrometheusContentType> {
  override metrics(): Promise<string> {
    return this.clusterMetrics();
  }
}

import { fork, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import type { ServerKind } from './bench-definition';

/** What the parent asks a server child. */
export type ParentMessage = { type: 'cpu' } | { type: 'stats' } | { type: 'memory' } | { type: 'stop' };

/** What a server child answers. */
export type ChildMessage =
  | { type: 'ready'; port: number }
  | { type: 'cpu'; micros: number }
  | { type: 'stats'; stats: Record<string, number> }
  | { type: 'memory'; usage: NodeJS.MemoryUsage };

/** How a server child is started. */
export interface ServerStartOptions {
  /** Node flags of the child (`--cpu-prof`, `--expose-gc`). */
  readonly execArgv?: readonly string[];
  /** Keys over the `server` config section of a Switchboard server (`BENCH_SERVER_CONFIG`); other servers ignore it. */
  readonly config?: Readonly<Record<string, unknown>>;
}

const START_TIMEOUT_MS = 15_000;
const REPLY_TIMEOUT_MS = 10_000;

/**
 * A server under test in its own node process, so that it has a core to
 * itself and the load generator's work is not counted against it.
 */
export class ServerProcess {
  private exit: string | undefined;

  private constructor(
    readonly kind: ServerKind,
    readonly port: number,
    private readonly child: ChildProcess,
  ) {
    child.once('exit', (code, signal) => (this.exit = signal ?? `exit code ${code}`));
  }

  /** Forks `server-child.js` for `kind` and waits until it listens. */
  static async start(kind: ServerKind, options: ServerStartOptions = {}): Promise<ServerProcess> {
    const child = fork(path.join(__dirname, 'server-child.js'), [kind, JSON.stringify(options.config ?? {})], {
      execArgv: [...(options.execArgv ?? [])],
      stdio: ['ignore', 2, 2, 'ipc'],
    });
    try {
      const ready = await reply(child, 'ready', START_TIMEOUT_MS);
      return new ServerProcess(kind, ready.port, child);
    } catch (error) {
      child.kill('SIGKILL');
      throw error;
    }
  }

  /** How the child ended (`exit code 1`, `SIGKILL`), or undefined while it runs. */
  get exitStatus(): string | undefined {
    return this.exit;
  }

  /** CPU time (user + system) the child has used so far, in microseconds. */
  async cpuMicros(): Promise<number> {
    return (await this.ask('cpu')).micros;
  }

  /** What the server's own instruments counted. */
  async stats(): Promise<Record<string, number>> {
    return (await this.ask('stats')).stats;
  }

  /** The child's `process.memoryUsage()`, after a full GC when it runs with `--expose-gc`. */
  async memory(): Promise<NodeJS.MemoryUsage> {
    return (await this.ask('memory')).usage;
  }

  /** Shuts the server down and waits for the child to exit; kills it if it does not. */
  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.child.send({ type: 'stop' } satisfies ParentMessage);
    const timer = setTimeout(() => this.child.kill('SIGKILL'), REPLY_TIMEOUT_MS);
    await exited;
    clearTimeout(timer);
  }

  private ask<T extends 'cpu' | 'stats' | 'memory'>(type: T): Promise<Extract<ChildMessage, { type: T }>> {
    const answer = reply(this.child, type, REPLY_TIMEOUT_MS);
    this.child.send({ type } satisfies ParentMessage);
    return answer;
  }
}

function reply<T extends ChildMessage['type']>(child: ChildProcess, type: T, timeoutMs: number): Promise<Extract<ChildMessage, { type: T }>> {
  return new Promise((resolve, reject) => {
    const cleanup = (): void => {
      clearTimeout(timer);
      child.off('message', onMessage);
      child.off('exit', onExit);
    };
    const onMessage = (message: ChildMessage): void => {
      if (message.type !== type) return;
      cleanup();
      resolve(message as Extract<ChildMessage, { type: T }>);
    };
    const onExit = (code: number | null, signal: NodeJS.Signals | null): void => {
      cleanup();
      reject(new Error(`server child exited (${signal ?? code}) while waiting for '${type}'`));
    };
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`server child sent no '${type}' within ${timeoutMs} ms`));
    }, timeoutMs);
    child.on('message', onMessage);
    child.on('exit', onExit);
  });
}

import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import type { PeerEvent } from './run-peer';

/** A peer server process on 127.0.0.1 that reports JSON lines (`{"event": "listening", "port": N}` first). */
export interface PeerServer {
  readonly port: number;
  readonly target: string;
  /** Every `{"event": ...}` line so far, in order ("listening" first). */
  readonly events: readonly PeerEvent[];
  /**
   * The first event (already seen or still to come) matching `predicate`.
   * Rejects after `ms` (default 5 s) listing what was seen, or as soon as the
   * server dies.
   */
  waitFor(predicate: (event: PeerEvent) => boolean, ms?: number): Promise<PeerEvent>;
  /** Stops the server (SIGTERM, then SIGKILL after 3 s); resolves once it has exited. */
  close(): Promise<void>;
}

/** Every server a test file started is killed when it ends, even one a test forgot to close. */
const running = new Set<() => Promise<void>>();
// Under jest only: plain node children (ts-child) load this module too, through the package index.
if (typeof afterAll === 'function') {
  afterAll(async () => {
    await Promise.all([...running].map((close) => close()));
  });
}

/**
 * Spawns `command` and resolves once it prints `{"event": "listening", "port": N}`;
 * rejects with its stderr if it exits first or is silent for `startTimeoutMs`.
 * `name` ("the python peer server") is how errors speak of it.
 */
export function launchPeerServer(name: string, command: string, args: readonly string[], env: NodeJS.ProcessEnv, startTimeoutMs: number): Promise<PeerServer> {
  const child = spawn(command, args, { env, stdio: ['pipe', 'pipe', 'pipe'] });
  return new Promise<PeerServer>((resolve, reject) => {
    const server = new Running(name, child, resolve, reject, startTimeoutMs);
    running.add(server.close);
  });
}

type Waiter = { predicate: (event: PeerEvent) => boolean; resolve: (event: PeerEvent) => void; reject: (error: Error) => void };

class Running implements PeerServer {
  port = 0;
  readonly events: PeerEvent[] = [];
  private stderr = '';
  private pending = '';
  private failure: Error | undefined;
  private exited: Promise<void>;
  private hasExited = false;
  private waiters = new Set<Waiter>();

  constructor(
    private readonly name: string,
    private readonly child: ChildProcessWithoutNullStreams,
    onListening: (server: PeerServer) => void,
    onFailure: (error: Error) => void,
    startTimeoutMs: number,
  ) {
    let started = false;
    const startTimer = setTimeout(() => {
      this.fail(new Error(`${this.name} did not report its port within ${startTimeoutMs} ms and was killed`));
      child.kill('SIGKILL');
    }, startTimeoutMs);
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (this.stderr += chunk));
    child.stdin.on('error', () => undefined);
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      this.pending += chunk;
      let newline: number;
      while ((newline = this.pending.indexOf('\n')) >= 0) {
        const line = this.pending.slice(0, newline);
        this.pending = this.pending.slice(newline + 1);
        this.onLine(line);
        if (!started && this.port !== 0) {
          started = true;
          clearTimeout(startTimer);
          onListening(this);
        }
      }
    });
    this.exited = new Promise<void>((resolve) => {
      child.once('error', (error) => this.fail(error));
      child.once('close', (code, signal) => {
        this.hasExited = true;
        clearTimeout(startTimer);
        if (this.pending !== '') this.onLine(this.pending);
        this.fail(new Error(`${this.name} exited (${code ?? signal})`));
        if (!started) onFailure(this.withStderr(this.failure!));
        resolve();
      });
    });
  }

  get target(): string {
    return `127.0.0.1:${this.port}`;
  }

  private onLine(line: string): void {
    if (line.trim() === '') return;
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch {
      this.fail(new Error(`${this.name} printed a line that is not JSON: ${line}`));
      return;
    }
    if (typeof parsed !== 'object' || parsed === null || typeof (parsed as { event?: unknown }).event !== 'string') {
      this.fail(new Error(`${this.name} printed an unexpected line: ${line}`));
      return;
    }
    const event = parsed as PeerEvent;
    if (event.event === 'listening' && typeof event['port'] === 'number') this.port = event['port'];
    this.events.push(event);
    for (const waiter of this.waiters) {
      if (waiter.predicate(event)) {
        this.waiters.delete(waiter);
        waiter.resolve(event);
      }
    }
  }

  private fail(error: Error): void {
    this.failure ??= error;
    for (const waiter of this.waiters) waiter.reject(this.withStderr(this.failure));
    this.waiters.clear();
  }

  private withStderr(error: Error): Error {
    return new Error(`${error.message}\n--- ${this.name}: stderr ---\n${this.stderr}`);
  }

  waitFor(predicate: (event: PeerEvent) => boolean, ms = 5000): Promise<PeerEvent> {
    const seen = this.events.find(predicate);
    if (seen !== undefined) return Promise.resolve(seen);
    if (this.failure !== undefined) return Promise.reject(this.withStderr(this.failure));
    return new Promise<PeerEvent>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters.delete(waiter);
        const tail = this.events
          .slice(-10)
          .map((e) => JSON.stringify(e))
          .join('\n  ');
        reject(new Error(`no matching event from ${this.name} within ${ms} ms; last events:\n  ${tail}`));
      }, ms);
      const waiter: Waiter = {
        predicate,
        resolve: (event) => {
          clearTimeout(timer);
          resolve(event);
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      };
      this.waiters.add(waiter);
    });
  }

  readonly close = async (): Promise<void> => {
    running.delete(this.close);
    if (!this.hasExited) {
      this.child.kill('SIGTERM');
      const kill = setTimeout(() => this.child.kill('SIGKILL'), 3000);
      await this.exited;
      clearTimeout(kill);
    }
    this.child.stdin.destroy();
  };
}

import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { PEER_PYTHON, assertPeerAvailable, type PeerEvent } from './run-peer';

export const PEER_SERVER_SCRIPT = path.join(__dirname, 'server.py');

/** What the python server can host. */
export type PeerService = 'orders' | 'greeter' | 'lab';

export interface StartPeerServerOptions {
  /** Default: all three. */
  readonly services?: readonly PeerService[];
  /** addOrder waits this long first, ending early (and reporting it) when the call ends. */
  readonly addOrderDelayMs?: number;
  /** The process is killed and start fails if it has not reported its port by then; default 15 s. */
  readonly startTimeoutMs?: number;
}

/** A running python server (gRPC's C core) on 127.0.0.1. */
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

/**
 * One folder of generated `_pb2` code per test file (protoc runs once), and
 * every server a test file started is killed when it ends, even one a test
 * forgot to close.
 */
let genDir: string | undefined;
const running = new Set<() => Promise<void>>();
afterAll(async () => {
  await Promise.all([...running].map((close) => close()));
  if (genDir !== undefined) fs.rmSync(genDir, { recursive: true, force: true });
  genDir = undefined;
});

/**
 * Starts `testing/peer/server.py` with Debian's python3-grpcio and resolves
 * once it listens. Throws, naming the missing Debian packages, when the peer
 * cannot run here; never lets a test pass without it.
 */
export function startPeerServer(options: StartPeerServerOptions = {}): Promise<PeerServer> {
  assertPeerAvailable();
  genDir ??= fs.mkdtempSync(path.join(os.tmpdir(), 'switchboard-peer-server-'));
  const args = [PEER_SERVER_SCRIPT, '--services', (options.services ?? ['orders', 'greeter', 'lab']).join(',')];
  if (options.addOrderDelayMs !== undefined) args.push('--add-order-delay-ms', String(options.addOrderDelayMs));
  const child = spawn(PEER_PYTHON, args, {
    env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1', PYTHONUNBUFFERED: '1', SWITCHBOARD_PEER_GEN: genDir },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  return new Promise<PeerServer>((resolve, reject) => {
    const server = new Running(child, resolve, reject, options.startTimeoutMs ?? 15_000);
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
    private readonly child: ChildProcessWithoutNullStreams,
    onListening: (server: PeerServer) => void,
    onFailure: (error: Error) => void,
    startTimeoutMs: number,
  ) {
    let started = false;
    const startTimer = setTimeout(() => {
      this.fail(new Error(`the python peer server did not report its port within ${startTimeoutMs} ms and was killed`));
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
        this.fail(new Error(`the python peer server exited (${code ?? signal})`));
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
      this.fail(new Error(`the python peer server printed a line that is not JSON: ${line}`));
      return;
    }
    if (typeof parsed !== 'object' || parsed === null || typeof (parsed as { event?: unknown }).event !== 'string') {
      this.fail(new Error(`the python peer server printed an unexpected line: ${line}`));
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
    return new Error(`${error.message}\n--- peer server stderr ---\n${this.stderr}`);
  }

  waitFor(predicate: (event: PeerEvent) => boolean, ms = 5000): Promise<PeerEvent> {
    const seen = this.events.find(predicate);
    if (seen !== undefined) return Promise.resolve(seen);
    if (this.failure !== undefined) return Promise.reject(this.withStderr(this.failure));
    return new Promise<PeerEvent>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters.delete(waiter);
        const tail = this.events.slice(-10).map((e) => JSON.stringify(e)).join('\n  ');
        reject(new Error(`no matching event from the python peer server within ${ms} ms; last events:\n  ${tail}`));
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

import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/** Always Debian's interpreter: the `python3` on PATH may lack grpc. */
export const PEER_PYTHON = '/usr/bin/python3';
export const PEER_SCRIPT = path.join(__dirname, 'peer.py');

/** What a running peer reports before its result. */
export interface PeerEvent {
  readonly event: string;
  readonly [field: string]: unknown;
}

/** Lets a test answer a peer that waits on stdin. */
export interface PeerControl {
  send(line: string): void;
}

export interface RunPeerOptions {
  /** The python process is killed after this long and the run fails; default 15 s. */
  readonly timeoutMs?: number;
  /** Called for each `{"event": ...}` line, in order. */
  readonly onEvent?: (event: PeerEvent, peer: PeerControl) => void;
}

let available = false;

/**
 * Throws, naming the missing Debian packages and how to install them, when
 * the peer cannot run here. Never lets a test pass without the peer.
 */
export function assertPeerAvailable(): void {
  if (available) return;
  const missing: string[] = [];
  const python = (code: string): boolean => spawnSync(PEER_PYTHON, ['-c', code], { stdio: 'ignore' }).status === 0;
  if (!fs.existsSync(PEER_PYTHON)) missing.push('python3', 'python3-grpcio', 'python3-protobuf');
  else {
    if (!python('import grpc')) missing.push('python3-grpcio');
    if (!python('import google.protobuf')) missing.push('python3-protobuf');
  }
  if (spawnSync('protoc', ['--version'], { stdio: 'ignore' }).status !== 0) missing.push('protobuf-compiler');
  if (missing.length > 0) {
    throw new Error(
      `the independent gRPC peer cannot run: missing Debian package(s) ${missing.join(', ')} ` +
        `(${PEER_PYTHON} -c 'import grpc' must work and protoc must be on PATH). ` +
        `Install them with \`bash scripts/install-test-deps.sh\` from the repository root ` +
        `(or \`apt-get install -y python3-grpcio python3-protobuf protobuf-compiler\`).`,
    );
  }
  available = true;
}

/**
 * One folder of generated `_pb2` code per test file, so protoc runs once per
 * run. Importing this module from a test file registers the afterAll that
 * removes it (jest's sandboxed `process` never emits 'exit').
 */
let genDir: string | undefined;
function sharedGenDir(): string {
  genDir ??= fs.mkdtempSync(path.join(os.tmpdir(), 'switchboard-peer-'));
  return genDir;
}
// Under jest only: plain node children (ts-child) load this module too, through the package index.
if (typeof afterAll === 'function') {
  afterAll(() => {
    if (genDir !== undefined) fs.rmSync(genDir, { recursive: true, force: true });
    genDir = undefined;
  });
}

/**
 * Runs one peer scenario against `target` (host:port) and resolves to what it
 * reported as its result. Rejects with the peer's stderr when it fails, prints
 * something that is not JSON, or outlives `timeoutMs` (it is then killed).
 */
export function runPeer<T>(scenario: string, target: string, args: object = {}, options: RunPeerOptions = {}): Promise<T> {
  assertPeerAvailable();
  const timeoutMs = options.timeoutMs ?? 15_000;
  const child = spawn(PEER_PYTHON, [PEER_SCRIPT, scenario, '--target', target, '--args', JSON.stringify(args)], {
    env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1', PYTHONUNBUFFERED: '1', SWITCHBOARD_PEER_GEN: sharedGenDir() },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const control: PeerControl = { send: (line) => void child.stdin.write(`${line}\n`) };
  let stderr = '';
  let pending = '';
  let result: { value: unknown } | undefined;
  let failure: Error | undefined;
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  child.stdin.on('error', () => undefined); // the peer may exit without reading stdin

  const onLine = (line: string): void => {
    if (line.trim() === '' || failure !== undefined) return;
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch {
      failure = new Error(`peer ${scenario} printed a line that is not JSON: ${line}`);
      return;
    }
    if (isObject(parsed) && 'result' in parsed) result = { value: parsed['result'] };
    else if (isObject(parsed) && typeof parsed['event'] === 'string') options.onEvent?.(parsed as PeerEvent, control);
    else failure = new Error(`peer ${scenario} printed an unexpected line: ${line}`);
  };
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    pending += chunk;
    let newline: number;
    while ((newline = pending.indexOf('\n')) >= 0) {
      const line = pending.slice(0, newline);
      pending = pending.slice(newline + 1);
      try {
        onLine(line);
      } catch (error) {
        failure ??= error as Error;
      }
    }
  });

  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => {
      failure ??= new Error(`peer ${scenario} did not finish within ${timeoutMs} ms and was killed`);
      child.kill('SIGKILL');
    }, timeoutMs);
    child.once('error', (error) => {
      failure ??= error;
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      child.stdin.destroy();
      if (pending !== '') onLine(pending);
      const why = failure ?? (code !== 0 ? new Error(`peer ${scenario} exited with ${code ?? signal}`) : undefined);
      if (why !== undefined) reject(new Error(`${why.message}\n--- peer stderr ---\n${stderr}`));
      else if (result === undefined) reject(new Error(`peer ${scenario} reported no result\n--- peer stderr ---\n${stderr}`));
      else resolve(result.value as T);
    });
  });
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The JSON shapes the peer reports (see testing/peer/wire.py). */
export type PeerMetadata = [key: string, value: string][];

export interface PeerSuccess<T> {
  readonly ok: true;
  readonly value: T;
  readonly ms: number;
}

export interface PeerFailure {
  readonly ok: false;
  /** The status code name, e.g. `NOT_FOUND`. */
  readonly code: string;
  readonly details: string;
  readonly trailers: PeerMetadata;
  /** `grpc-status-details-bin` decoded as google.rpc.Status, when present. */
  readonly statusDetails: {
    code: number;
    message: string;
    details: { typeUrl: string; fieldViolations?: { field: string; description: string }[] }[];
  } | null;
  /** The whole error as python prints it, debug error string included. */
  readonly text: string;
  readonly ms: number;
}

/** The outcome of one call made by the peer. */
export type PeerOutcome<T> = PeerSuccess<T> | PeerFailure;

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { launchPeerServer, type PeerServer } from './peer-process';
import { PEER_PYTHON, assertPeerAvailable } from './run-peer';

export type { PeerServer } from './peer-process';

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

/** One folder of generated `_pb2` code per test file: protoc runs once. */
let genDir: string | undefined;
// Under jest only: plain node children (ts-child) load this module too, through the package index.
if (typeof afterAll === 'function') {
  afterAll(() => {
    if (genDir !== undefined) fs.rmSync(genDir, { recursive: true, force: true });
    genDir = undefined;
  });
}

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
  return launchPeerServer(
    'the python peer server',
    PEER_PYTHON,
    args,
    { ...process.env, PYTHONDONTWRITEBYTECODE: '1', PYTHONUNBUFFERED: '1', SWITCHBOARD_PEER_GEN: genDir },
    options.startTimeoutMs ?? 15_000,
  );
}

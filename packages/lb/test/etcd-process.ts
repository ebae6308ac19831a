import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as https from 'node:https';
import * as os from 'node:os';
import * as path from 'node:path';
import { defineModule, type AnyAppModule } from '@switchboard/core';
import { startServer, type RunningServer } from '@switchboard/server';
import pino from 'pino';
import { createLabService, freePort, Lab, type LastHop } from '@switchboard/test-support';
import { etcdConfigSchema, etcdRegistration, type EtcdConfig, type EtcdRegistrationOptions } from '../src/etcd/index';

export const ETCD_BIN = '/usr/bin/etcd';
const ROOT = path.resolve(__dirname, '../../..');

export { freePort };

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Resolves once `predicate` holds, checking every `everyMs`; rejects naming `what` after `timeoutMs`. */
export async function until(what: string, predicate: () => boolean | Promise<boolean>, timeoutMs = 5000, everyMs = 25): Promise<number> {
  const started = Date.now();
  for (;;) {
    if (await predicate()) return Date.now() - started;
    if (Date.now() - started > timeoutMs) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await sleep(everyMs);
  }
}

/** A real single-node etcd on free loopback ports with its own data dir. */
export interface EtcdProcess {
  readonly clientUrl: string;
  readonly dataDir: string;
  /** SIGTERM, and waits for the exit. */
  stop(): Promise<void>;
  /** Starts again on the same ports and data dir; waits for health. */
  restart(): Promise<void>;
  /** SIGKILL, and waits for the exit. */
  kill(): Promise<void>;
  /** What etcd printed, for failure messages. */
  output(): string;
}

/** TLS of a test etcd's client port: its certificate and, for --client-cert-auth, the CA client certificates must chain to. */
export interface EtcdTls {
  readonly certFile: string;
  readonly keyFile: string;
  readonly clientCaFile?: string;
  /** The CA that signed certFile, for the health check. */
  readonly caFile: string;
  /** A client certificate for the health check when clientCaFile is set. */
  readonly client?: { readonly certFile: string; readonly keyFile: string };
}

/** Whether etcd's /health answers true, over https with `tls`. */
function healthyOverTls(url: string, tls: EtcdTls): Promise<boolean> {
  return new Promise((resolve) => {
    const request = https.get(
      `${url}/health`,
      {
        ca: fs.readFileSync(tls.caFile),
        ...(tls.client ? { cert: fs.readFileSync(tls.client.certFile), key: fs.readFileSync(tls.client.keyFile) } : {}),
        timeout: 500,
        servername: '',
      },
      (res) => {
        let body = '';
        res.on('data', (chunk: Buffer) => (body += chunk.toString()));
        res.on('end', () => resolve(res.statusCode === 200 && body.includes('"health":"true"')));
      },
    );
    request.on('error', () => resolve(false));
    request.on('timeout', () => request.destroy());
  });
}

/** Starts etcd (with `tls`, its client port speaks https) and waits until /health answers true (10 s at most). */
export async function startEtcd(tls?: EtcdTls): Promise<EtcdProcess> {
  if (!fs.existsSync(ETCD_BIN)) {
    throw new Error(`${ETCD_BIN} is missing: the etcd tests need Debian's etcd-server; run \`bash scripts/install-test-deps.sh\` (as root)`);
  }
  const [clientPort, peerPort] = [await freePort(), await freePort()];
  const clientUrl = `${tls ? 'https' : 'http'}://127.0.0.1:${clientPort}`;
  const peerUrl = `http://127.0.0.1:${peerPort}`;
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sb-etcd-'));
  const args = [
    '--name=default',
    `--data-dir=${dataDir}`,
    `--listen-client-urls=${clientUrl}`,
    `--advertise-client-urls=${clientUrl}`,
    `--listen-peer-urls=${peerUrl}`,
    `--initial-advertise-peer-urls=${peerUrl}`,
    `--initial-cluster=default=${peerUrl}`,
    '--initial-cluster-state=new',
    '--heartbeat-interval=50',
    '--election-timeout=300',
    '--logger=zap',
    '--log-level=warn',
    ...(tls ? [`--cert-file=${tls.certFile}`, `--key-file=${tls.keyFile}`] : []),
    ...(tls?.clientCaFile ? ['--client-cert-auth', `--trusted-ca-file=${tls.clientCaFile}`] : []),
  ];
  let child: ChildProcess | undefined;
  let log = '';
  const launch = async (): Promise<void> => {
    const proc = spawn(ETCD_BIN, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    child = proc;
    const keep = (chunk: Buffer) => (log = (log + chunk.toString()).slice(-20000));
    proc.stdout?.on('data', keep);
    proc.stderr?.on('data', keep);
    let exited = false;
    proc.once('exit', () => (exited = true));
    try {
      await until(
        `etcd at ${clientUrl} healthy`,
        async () => {
          if (exited) throw new Error(`etcd exited at start: ${log.slice(-2000)}`);
          if (tls) return healthyOverTls(clientUrl, tls);
          try {
            const res = await fetch(`${clientUrl}/health`, { signal: AbortSignal.timeout(500) });
            return res.ok && ((await res.json()) as { health?: string }).health === 'true';
          } catch {
            return false;
          }
        },
        10_000,
        50,
      );
    } catch (error) {
      proc.kill('SIGKILL');
      throw error;
    }
  };
  const end = async (signal: NodeJS.Signals): Promise<void> => {
    const proc = child;
    child = undefined;
    if (proc === undefined || proc.exitCode !== null || proc.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
    proc.kill(signal);
    const timer = setTimeout(() => proc.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  };
  await launch();
  return {
    clientUrl,
    dataDir,
    stop: () => end('SIGTERM'),
    kill: () => end('SIGKILL'),
    restart: async () => {
      await end('SIGTERM');
      await launch();
    },
    output: () => log,
  };
}

/** `resolvers.etcd` for tests: a short request bound, a key prefix of the test's own. */
export function etcdConfig(etcd: { clientUrl: string }, overrides: Partial<EtcdConfig> = {}): EtcdConfig {
  return {
    endpoints: [etcd.clientUrl],
    prefix: `/sb-test-${process.pid}-${Math.random().toString(36).slice(2, 8)}/`,
    leaseTtlSec: 10,
    dialTimeoutMs: 1000,
    tls: { caFile: '', certFile: '', keyFile: '' },
    ...overrides,
  };
}

function configDir(config: object): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sb-etcd-config-'));
  fs.writeFileSync(path.join(dir, 'default.json'), JSON.stringify(config));
  return dir;
}

/** A Lab server named `name` on 127.0.0.1:0, registered in etcd with `registration` options. */
export function registeredLab(
  name: string,
  etcd: EtcdConfig,
  registration: EtcdRegistrationOptions = {},
  extra: readonly AnyAppModule[] = [],
): Promise<RunningServer> {
  const lab = defineModule({ name: `lab-${name}`, config: etcdConfigSchema, services: [createLabService(name, new Map<string, LastHop>())] });
  return startServer({
    modules: [lab, etcdRegistration({ services: [Lab.fullName], deregisterSettleMs: 200, ...registration }), ...extra],
    config: { argv: [], env: { PORT: '0' }, configDir: configDir({ resolvers: { etcd } }) },
    logger: pino({ level: 'silent' }),
  });
}

// ---- a registered Lab server in a child process ------------------------------

/**
 * Loads this repository's TypeScript in a plain `node` child: .ts files are
 * transpiled as they are required and `@switchboard/*` maps to the sources,
 * as jest does.
 */
const LOADER = `
const fs = require('node:fs'), path = require('node:path'), Module = require('node:module');
const ts = require(require.resolve('typescript', { paths: [${JSON.stringify(ROOT)}] }));
const resolveFilename = Module._resolveFilename;
Module._resolveFilename = function (request, ...rest) {
  const m = /^@switchboard\\/(core|server|client|lb|cli)$/.exec(request);
  if (m) request = path.join(${JSON.stringify(ROOT)}, 'packages', m[1], 'src/index.ts');
  return resolveFilename.call(this, request, ...rest);
};
require.extensions['.ts'] = (module, filename) => {
  const { outputText } = ts.transpileModule(fs.readFileSync(filename, 'utf8'), {
    fileName: filename,
    compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, experimentalDecorators: true, esModuleInterop: true },
  });
  module._compile(outputText, filename);
};
require(process.argv[1]).childMain(JSON.parse(process.argv[2]));
`;

export interface ChildLab {
  readonly pid: number;
  /** Resolves with the port once the child serves and is registered; rejects with its error if the start failed. */
  readonly ready: Promise<number>;
  /** Resolves with the exit code (or signal) once the child is gone. */
  readonly exited: Promise<number | string>;
  kill(signal?: NodeJS.Signals): Promise<number | string>;
  output(): string;
}

/** Runs `registeredLab(name, etcd)` in a child process. */
export function childLab(name: string, etcd: EtcdConfig): ChildLab {
  const child = spawn(process.execPath, ['-e', LOADER, __filename, JSON.stringify({ name, etcd })], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { PATH: process.env['PATH'] ?? '' },
  });
  let out = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr.on('data', (c: Buffer) => (out += c.toString()));
  const exited = new Promise<number | string>((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal ?? -1)));
  const ready = new Promise<number>((resolve, reject) => {
    child.stdout.on('data', () => {
      const port = /^ready (\d+)$/m.exec(out)?.[1];
      if (port !== undefined) resolve(Number(port));
    });
    void exited.then((code) => reject(new Error(`child lab ${name} exited (${code}) before it was ready:\n${out}`)));
  });
  ready.catch(() => undefined);
  return {
    pid: child.pid ?? -1,
    ready,
    exited,
    output: () => out,
    kill: (signal = 'SIGKILL') => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}

/** The child's side of {@link childLab}. @internal */
export async function childMain({ name, etcd }: { name: string; etcd: EtcdConfig }): Promise<void> {
  let running: RunningServer;
  try {
    running = await registeredLab(name, etcd);
  } catch (error) {
    process.stdout.write(`failed: ${(error as Error).message}\n`);
    process.exit(1);
  }
  process.stdout.write(`ready ${running.port}\n`);
  process.once('SIGTERM', () => void running.shutdown(0).then(() => process.exit(0)));
}

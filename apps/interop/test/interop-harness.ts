import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { ServerInterceptor } from '@switchboard/core';
import { startServer, type RunningServer } from '@switchboard/server';
import pino from 'pino';
import { assertPeerAvailable, type Finished, PEER_PYTHON, runProcess } from '@switchboard/test-support';
import type { CaseResult } from '../src/client/interop-case';
import { interopModule } from '../src/index';

const APP = path.resolve(__dirname, '..');
export const CLIENT_PROGRAM = path.join(APP, 'dist/client/main.js');
export const SERVER_PROGRAM = path.join(APP, 'dist/main.js');
const PY_CLIENT = path.join(APP, 'peer/interop_client.py');
const PY_SERVER = path.join(APP, 'peer/interop_server.py');

/** The interop module on 127.0.0.1:0, silent, with extra global interceptors if given. */
export function startInteropServer(interceptors: ServerInterceptor[] = []): Promise<RunningServer> {
  return startServer({
    modules: [interopModule],
    interceptors,
    config: { argv: [], env: { PORT: '0' }, configDir: path.join(os.tmpdir(), 'interop-test-no-config') },
    logger: pino({ level: 'silent' }),
  });
}

/** One folder of generated `_pb2` code per test file, removed after it. */
let genDir: string | undefined;
function peerEnv(): NodeJS.ProcessEnv {
  assertPeerAvailable();
  genDir ??= fs.mkdtempSync(path.join(os.tmpdir(), 'interop-peer-'));
  return { PATH: process.env['PATH'] ?? '', PYTHONDONTWRITEBYTECODE: '1', PYTHONUNBUFFERED: '1', INTEROP_PEER_GEN: genDir };
}
afterAll(() => {
  if (genDir !== undefined) fs.rmSync(genDir, { recursive: true, force: true });
  genDir = undefined;
});

export { runProcess, type Finished } from '@switchboard/test-support';

/** Runs the built client program; fails clearly when `npm run build` has not run. */
export function runClientProgram(args: string[]): Promise<Finished> {
  if (!fs.existsSync(CLIENT_PROGRAM)) throw new Error(`${CLIENT_PROGRAM} is missing: run \`npm run build -w @switchboard/app-interop\` first`);
  return runProcess(process.execPath, [CLIENT_PROGRAM, ...args], { timeoutMs: 20_000 });
}

/** Runs the python client on `cases` against `port` and returns one result per case. */
export async function runPythonClient(port: number, cases: readonly string[]): Promise<CaseResult[]> {
  const args = [PY_CLIENT, '--server_host=127.0.0.1', `--server_port=${port}`, `--test_case=${cases.join(',')}`, '--json'];
  const { code, stdout, stderr } = await runProcess(PEER_PYTHON, args, { timeoutMs: 30_000, env: peerEnv() });
  const results = stdout
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => {
      const { case: name, ...rest } = JSON.parse(line) as Omit<CaseResult, 'name'> & { case: string };
      return { name, ...rest };
    });
  if (results.length !== cases.length)
    throw new Error(`the python client reported ${results.length} of ${cases.length} cases (exit ${code})\n${stdout}${stderr}`);
  return results;
}

/** A server process serving until stopped. */
export interface ServerProcess {
  readonly port: number;
  /** SIGTERM, then SIGKILL after 3 s; resolves once it has exited. */
  stop(): Promise<void>;
}

/**
 * Spawns a server and resolves once `portOf` finds its port in a stdout
 * line; kills it and rejects if that takes longer than `timeoutMs`.
 */
function spawnServer(
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  portOf: (line: string) => number | undefined,
  timeoutMs = 15_000,
): Promise<ServerProcess> {
  const child = spawn(command, args, { env, stdio: ['pipe', 'pipe', 'pipe'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), 3000);
      await exited;
      clearTimeout(killer);
    }
  };
  return new Promise((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => {
      void stop();
      reject(new Error(`${path.basename(args[0] ?? command)} did not report a port within ${timeoutMs} ms\n${output}`));
    }, timeoutMs);
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      output += chunk;
      for (const line of chunk.split('\n')) {
        const port = portOf(line);
        if (port === undefined) continue;
        clearTimeout(timer);
        resolve({ port, stop });
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${path.basename(args[0] ?? command)} exited with ${code} before serving\n${output}`));
    });
  });
}

const jsonLine = (line: string): Record<string, unknown> | undefined => {
  try {
    return JSON.parse(line) as Record<string, unknown>;
  } catch {
    return undefined;
  }
};

/** The python interop server on a free port; it also stops when this process's pipe to it closes. */
export function startPythonServer(): Promise<ServerProcess> {
  return spawnServer(PEER_PYTHON, [PY_SERVER, '--port=0', '--stop_on_stdin_eof'], peerEnv(), (line) => {
    const event = jsonLine(line);
    return event?.['event'] === 'listening' ? Number(event['port']) : undefined;
  });
}

/** The built server program (`npm run server`) with `args`, found by its "listening" log line. */
export function startServerProgram(args: string[]): Promise<ServerProcess> {
  if (!fs.existsSync(SERVER_PROGRAM)) throw new Error(`${SERVER_PROGRAM} is missing: run \`npm run build -w @switchboard/app-interop\` first`);
  return spawnServer(process.execPath, [SERVER_PROGRAM, ...args], { PATH: process.env['PATH'] ?? '' }, (line) => {
    const log = jsonLine(line);
    return log?.['msg'] === 'listening' ? Number(String(log['address']).split(':').pop()) : undefined;
  });
}

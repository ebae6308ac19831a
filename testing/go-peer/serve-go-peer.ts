import { execFile, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { launchPeerServer, type PeerServer } from '../peer/peer-process';
import type { StartPeerServerOptions } from '../peer/serve-peer';

export type { PeerServer } from '../peer/peer-process';

const BUILD_SCRIPT = path.join(__dirname, 'build.sh');

/** The Debian packages the grpc-go peer is built from, and how each is detected. */
const REQUIREMENTS: readonly [pkg: string, present: () => boolean][] = [
  ['golang-go', () => onPath('go', ['version'])],
  ['protobuf-compiler', () => onPath('protoc', ['--version'])],
  ['golang-google-grpc-dev', () => fs.existsSync('/usr/share/gocode/src/google.golang.org/grpc/server.go')],
  ['golang-google-genproto-dev', () => fs.existsSync('/usr/share/gocode/src/google.golang.org/genproto/googleapis/rpc/errdetails')],
  ['golang-goprotobuf-dev', () => fs.existsSync('/usr/share/gocode/src/github.com/golang/protobuf/ptypes/wrappers')],
  // grpc-go 1.33 in Debian marshals with golang/protobuf 1.3, so the generator must be that version.
  ['protoc-gen-go-1-3', () => spawnSync('dpkg-query', ['-W', '-f=${Status}', 'protoc-gen-go-1-3'], { encoding: 'utf8' }).stdout === 'install ok installed'],
];

function onPath(command: string, args: string[]): boolean {
  return spawnSync(command, args, { stdio: 'ignore' }).status === 0;
}

let checked = false;

/**
 * Throws, naming the missing Debian packages and how to install them, when
 * the grpc-go peer cannot be built here. Never lets a test pass without it.
 */
export function assertGoPeerAvailable(): void {
  if (checked) return;
  const missing = REQUIREMENTS.filter(([, present]) => !present()).map(([pkg]) => pkg);
  if (missing.length > 0) {
    throw new Error(
      `the grpc-go peer cannot be built: missing Debian package(s) ${missing.join(', ')}. ` +
        'Install them with `bash scripts/install-test-deps.sh` from the repository root ' +
        `(or \`apt-get install -y ${missing.join(' ')}\`).`,
    );
  }
  checked = true;
}

/** One build per test file, removed when it ends. */
let built: Promise<string> | undefined;
let buildDir: string | undefined;
// Under jest only: plain node children (ts-child) load this module too, through the package index.
if (typeof afterAll === 'function') {
  afterAll(() => {
    if (buildDir !== undefined) fs.rmSync(buildDir, { recursive: true, force: true });
    buildDir = undefined;
    built = undefined;
  });
}

/** The folder holding `go-peer` and `go-peer-client`, built on first use. */
function goPeerBuild(): Promise<string> {
  assertGoPeerAvailable();
  const dir = (buildDir ??= fs.mkdtempSync(path.join(os.tmpdir(), 'switchboard-go-peer-')));
  built ??= promisify(execFile)('bash', [BUILD_SCRIPT, dir], { timeout: 120_000 }).then(
    () => dir,
    (error: Error & { stderr?: string }) => {
      throw new Error(`building the grpc-go peer failed: ${error.message}\n${error.stderr ?? ''}`);
    },
  );
  return built;
}

/**
 * Builds (once per test file) and starts `testing/go-peer` on 127.0.0.1:0:
 * grpc-go serving what `testing/peer/server.py` serves, with the same events
 * (its "call" events also carry the request's `compression`).
 */
export async function startGoPeerServer(options: StartPeerServerOptions = {}): Promise<PeerServer> {
  const binary = path.join(await goPeerBuild(), 'go-peer');
  const args = ['--services', (options.services ?? ['orders', 'greeter', 'lab']).join(',')];
  if (options.addOrderDelayMs !== undefined) args.push('--add-order-delay-ms', String(options.addOrderDelayMs));
  return launchPeerServer('the grpc-go peer server', binary, args, process.env, options.startTimeoutMs ?? 10_000);
}

/** One step of `go-peer-client`: its name, grpc-go's name for the status code ("OK", "InvalidArgument", …) and what came back. */
export interface GoClientStep {
  readonly step: string;
  readonly code: string;
  readonly message?: string;
  readonly [field: string]: unknown;
}

/**
 * Runs `testing/go-peer/client` (the book's client walkthrough with grpc-go,
 * gzip on) against `target`, and `slowTarget` for the deadline step when
 * given; resolves to its steps by name. Rejects with its stderr when it
 * fails or outlives `timeoutMs` (default 30 s). With `tls`, it speaks TLS,
 * trusting `caFile` and presenting `certFile` when given.
 */
export async function runGoPeerClient(
  target: string,
  slowTarget?: string,
  timeoutMs = 30_000,
  tls?: { readonly caFile: string; readonly certFile?: string; readonly keyFile?: string },
): Promise<Map<string, GoClientStep>> {
  const binary = path.join(await goPeerBuild(), 'go-peer-client');
  const args = [
    '--target',
    target,
    ...(slowTarget === undefined ? [] : ['--slow-target', slowTarget]),
    ...(tls === undefined ? [] : ['--ca', tls.caFile]),
    ...(tls?.certFile === undefined ? [] : ['--cert', tls.certFile, '--key', tls.keyFile ?? '']),
  ];
  const { stdout } = await promisify(execFile)(binary, args, { timeout: timeoutMs }).catch((error: Error & { stderr?: string }) => {
    throw new Error(`go-peer-client failed: ${error.message}\n${error.stderr ?? ''}`);
  });
  const steps = stdout
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as GoClientStep);
  return new Map(steps.map((step) => [step.step, step]));
}

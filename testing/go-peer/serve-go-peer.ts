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
let binary: Promise<string> | undefined;
let buildDir: string | undefined;
afterAll(() => {
  if (buildDir !== undefined) fs.rmSync(buildDir, { recursive: true, force: true });
  buildDir = undefined;
  binary = undefined;
});

function goPeerBinary(): Promise<string> {
  buildDir ??= fs.mkdtempSync(path.join(os.tmpdir(), 'switchboard-go-peer-'));
  const out = path.join(buildDir, 'go-peer');
  binary ??= promisify(execFile)('bash', [BUILD_SCRIPT, out], { timeout: 120_000 }).then(
    () => out,
    (error: Error & { stderr?: string }) => {
      throw new Error(`building the grpc-go peer failed: ${error.message}\n${error.stderr ?? ''}`);
    },
  );
  return binary;
}

/**
 * Builds (once per test file) and starts `testing/go-peer` on 127.0.0.1:0:
 * grpc-go serving what `testing/peer/server.py` serves, with the same events
 * (its "call" events also carry the request's `compression`).
 */
export async function startGoPeerServer(options: StartPeerServerOptions = {}): Promise<PeerServer> {
  assertGoPeerAvailable();
  const args = ['--services', (options.services ?? ['orders', 'greeter', 'lab']).join(',')];
  if (options.addOrderDelayMs !== undefined) args.push('--add-order-delay-ms', String(options.addOrderDelayMs));
  return launchPeerServer('the grpc-go peer server', await goPeerBinary(), args, process.env, options.startTimeoutMs ?? 10_000);
}

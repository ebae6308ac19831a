import { spawn, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import { runProcess, type Finished } from './run-process';

const ROOT = path.resolve(__dirname, '..');

/**
 * Runs this repository's TypeScript in a plain `node` child, as jest sees it:
 * .ts files are transpiled as they are required (no type check) and
 * `@switchboard/*` maps to the packages' sources. It requires `file` and
 * calls its export `childMain` with the JSON argument, in the child's first
 * macrotask: what that does synchronously runs at the top of a script.
 */
const LOADER = `
const fs = require('node:fs'), path = require('node:path'), Module = require('node:module');
const root = ${JSON.stringify(ROOT)};
const ts = require(require.resolve('typescript', { paths: [root] }));
const resolveFilename = Module._resolveFilename;
Module._resolveFilename = function (request, ...rest) {
  const m = /^@switchboard\\/(core|server|client|lb|cli)$/.exec(request);
  return resolveFilename.call(this, m ? path.join(root, 'packages', m[1], 'src/index.ts') : request, ...rest);
};
require.extensions['.ts'] = (module, filename) => {
  const source = fs.readFileSync(filename, 'utf8');
  const options = { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, experimentalDecorators: true, esModuleInterop: true };
  module._compile(ts.transpileModule(source, { fileName: filename, compilerOptions: options }).outputText, filename);
};
require(process.argv[1]).childMain(JSON.parse(process.argv[2]));
`;

/** Runs `childMain(arg)` of the TypeScript module `file` in a fresh node process (only PATH in its environment); killed, and rejected, after `timeoutMs`. */
export function runTsChild(file: string, arg: unknown, timeoutMs = 20_000): Promise<Finished> {
  return runProcess(process.execPath, ['-e', LOADER, file, JSON.stringify(arg)], { timeoutMs, name: path.basename(file) });
}

/**
 * Starts `childMain(arg)` of the TypeScript module `file` as {@link runTsChild}
 * does, and returns the running child (stdout and stderr piped) for the test
 * to signal and watch. node:cluster workers it forks load the same way.
 */
export function spawnTsChild(file: string, arg: unknown, env: NodeJS.ProcessEnv = { PATH: process.env['PATH'] ?? '' }): ChildProcess {
  return spawn(process.execPath, ['-e', LOADER, file, JSON.stringify(arg)], { env, stdio: ['ignore', 'pipe', 'pipe'] });
}

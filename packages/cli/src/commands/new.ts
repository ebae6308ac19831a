import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadServerConfig } from '@switchboard/server';
import { UsageError, type Command } from '../command';
import { appsKeyModule } from '../config-apps';
import { appNames, clientNameClash } from '../scaffold/app-names';
import { clientContract } from '../scaffold/client-contract';
import { findMonorepo, workspaceOf } from '../scaffold/monorepo';
import { writeApp, type WrittenFile } from '../scaffold/write-app';

/** The top-level config keys a module's client adds (`defineClient` of @switchboard/client), besides the server's own. */
const CLIENT_KEYS = ['clients', 'clientDefaults', 'clientInterceptors', 'resolvers'];

/**
 * `switchboard new`: a new app in the monorepo, tested and built, that
 * `switchboard start` serves at once.
 *
 * @example
 * // $ npx switchboard new inventory --client greeter --stream
 * // $ npm test -w apps/inventory
 * // $ npx switchboard start ./apps/inventory ./apps/greeter
 */
export const newApp: Command = {
  synopsis: 'new <name> [--client <app>...] [--stream]   create apps/<name>: proto, service, config, test',
  usage: `usage: switchboard new <name> [--client <app>[:<Service>]]... [--stream] [--no-install] [--no-build]

  Create apps/<name> in the monorepo around the current directory (the
  nearest package.json whose workspaces include apps/*): proto/<name>.proto
  with one unary rpc (and a server-streaming one with --stream), src/gen
  (switchboard gen), the @Service class, the module with its own config key
  <name>, config/default.json, a test on @switchboard/testing, a README and
  package.json. Then npm install (links the workspace) and the app's build,
  so that \`switchboard start ./apps/<name>\` serves it.

  <name>               a lowercase DNS label: inventory, stock-room
  --client <app>       inject a client of apps/<app>'s service, called by the
                       unary rpc; its proto is copied into proto/ (nothing
                       imports another app). <app>:<Service> when the app
                       declares several services. Repeatable.
  --stream             add a server-streaming rpc
  --no-install         do not run npm install
  --no-build           do not build the app

  Nothing is written when the name is invalid, apps/<name> exists, or a
  client is unknown: the app is made in a hidden folder and renamed into place.`,
  async run(rest) {
    const options = parseArgs(rest);
    const repo = findMonorepo(process.cwd());
    const names = appNames(options.name, reservedKeys());
    const target = path.join(repo.root, 'apps', names.name);
    const taken = fs.existsSync(target) ? undefined : workspaceOf(repo.root, names.packageName);
    if (taken !== undefined)
      throw new Error(`${names.packageName} is already the package of ${taken} (npm refuses two workspaces of one name): choose another app name`);
    const clients = options.clients.map((spec) => clientContract(repo.root, spec));
    for (const client of clients) {
      const clash = clientNameClash(names, client.service.name);
      if (clash !== undefined) throw new UsageError(`--client ${client.app}: ${clash}`);
    }
    const started = performance.now();
    const written = await writeApp(repo.root, { names, stream: options.stream, clients, versions: repo.versions });
    const out = (line = ''): boolean => process.stdout.write(`${line}\n`);
    out(`created apps/${names.name} (${names.packageName}):`);
    for (const line of listing(written)) out(`  ${line}`);
    if (options.install) {
      out('npm install (links the workspace) ...');
      run('npm', ['install', '--no-audit', '--no-fund'], repo.root, `apps/${names.name} was created, but npm install failed: run it again at ${repo.root}`);
    }
    if (options.build) {
      out(`building apps/${names.name} (tsc -p tsconfig.build.json) ...`);
      build(repo.root, target, names.name, clients.length > 0);
    }
    out(`apps/${names.name} is ready (${((performance.now() - started) / 1000).toFixed(1)} s). Next:`);
    out(`  npm test -w apps/${names.name}`);
    if (!options.build) out(`  npm run build -w apps/${names.name}`);
    out(`  npx switchboard start ${[names.name, ...clients.map((c) => c.app)].map((a) => `./apps/${a}`).join(' ')}`);
  },
};

interface NewOptions {
  readonly name: string;
  readonly clients: readonly string[];
  readonly stream: boolean;
  readonly install: boolean;
  readonly build: boolean;
}

function parseArgs(rest: readonly string[]): NewOptions {
  const positional: string[] = [];
  const clients: string[] = [];
  let stream = false;
  let install = true;
  let build = true;
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i]!;
    if (arg === '--client') {
      const value = rest[++i];
      if (value === undefined || value.startsWith('-')) throw new UsageError('--client needs an app, e.g. --client greeter');
      clients.push(value);
    } else if (arg.startsWith('--client=')) clients.push(arg.slice('--client='.length));
    else if (arg === '--stream') stream = true;
    else if (arg === '--no-install') install = false;
    else if (arg === '--no-build') build = false;
    else if (arg.startsWith('-')) throw new UsageError(`unknown option '${arg}'`);
    else positional.push(arg);
  }
  if (positional.length !== 1) throw new UsageError(positional.length === 0 ? 'new needs the app name' : `new takes one app name, got ${positional.join(' ')}`);
  const apps = clients.map((c) => c.split(':')[0]);
  const twice = apps.find((a, i) => apps.indexOf(a) !== i);
  if (twice !== undefined) throw new UsageError(`--client ${twice} is given twice (one client per app, named clients.${twice} in config)`);
  if (apps.includes(positional[0])) throw new UsageError(`--client ${positional[0]}: an app cannot be its own client`);
  return { name: positional[0]!, clients, stream, install, build };
}

/** The top-level keys of the server's config (server, log, metrics, auth, tracing, apps, …) and the clients': no app's own key may take one. */
function reservedKeys(): string[] {
  const config = loadServerConfig([appsKeyModule], { configDir: null, env: {}, argv: [] });
  return [...Object.keys(config), ...CLIENT_KEYS].sort();
}

/** The app's `tsc` build, with the packages it imports built first (their `dist` is what tsc reads). */
function build(root: string, appDir: string, name: string, withClient: boolean): void {
  const packages = ['core', 'testing', ...(withClient ? ['client'] : [])];
  const unbuilt = packages.filter((p) => !fs.existsSync(path.join(root, 'packages', p, 'dist', 'index.d.ts')));
  if (unbuilt.length > 0) {
    throw new Error(
      `apps/${name} was created, but not built: ${unbuilt.map((p) => `packages/${p}/dist`).join(', ')} missing. Run \`npm run build\` at the root (it builds every package and apps/${name})`,
    );
  }
  const tsc = require.resolve('typescript/bin/tsc', { paths: [root] });
  run(process.execPath, [tsc, '-p', path.join(appDir, 'tsconfig.build.json')], root, `apps/${name} was created, but its build failed`);
}

function run(command: string, args: readonly string[], cwd: string, failure: string): void {
  // Their output goes to stderr: stdout is what new reports.
  const result = spawnSync(command, args, { cwd, stdio: ['ignore', 2, 2] });
  if (result.error !== undefined || result.status !== 0)
    throw new Error(`${failure} (${command} ${args.join(' ')}: ${result.error?.message ?? `exit ${result.status}`})`);
}

/** One line per file with its line count; the generated ones marked. */
function listing(files: readonly WrittenFile[]): string[] {
  const width = Math.max(...files.map((f) => f.file.length));
  return files.map((f) => `${f.file.padEnd(width)}  ${String(f.lines).padStart(4)} lines${f.generated ? '  (switchboard gen)' : ''}`);
}

import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runProcess, type Finished } from '@switchboard/test-support';

const ROOT = path.resolve(__dirname, '../../..');
const BIN = path.join(ROOT, 'packages/cli/bin/switchboard.js');
const PATH = process.env['PATH'] ?? '';

/**
 * A small monorepo for `new` to add apps to: the root package.json, packages and node_modules linked
 * to this checkout's (read only: a new app is made with --no-install --no-build), greeter's proto, and
 * apps/pay, whose service ShopService is the class name an app named shop would declare.
 * Readable by everyone, so that a process run as another user (the read-only case) can use it.
 */
function miniRepo(): string {
  if (!fs.existsSync(path.join(ROOT, 'packages/cli/dist/bin.js'))) {
    throw new Error('packages/cli/dist/bin.js is missing: run `npx turbo run build --output-logs=errors-only` first (`npm test` builds it)');
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sb-hostile-new-'));
  fs.chmodSync(dir, 0o755);
  for (const file of ['package.json', '.prettierrc.json']) fs.copyFileSync(path.join(ROOT, file), path.join(dir, file));
  for (const linked of ['node_modules', 'packages']) fs.symlinkSync(path.join(ROOT, linked), path.join(dir, linked), 'dir');
  fs.cpSync(path.join(ROOT, 'apps/greeter/proto'), path.join(dir, 'apps/greeter/proto'), { recursive: true });
  fs.mkdirSync(path.join(dir, 'apps/pay/proto'), { recursive: true });
  fs.writeFileSync(
    path.join(dir, 'apps/pay/proto/pay.proto'),
    'syntax = "proto3";\npackage pay;\nservice ShopService { rpc Pay (Bill) returns (Bill); }\nmessage Bill { string id = 1; }\n',
  );
  // apps/legacy's package is named as an app called billing would be.
  fs.mkdirSync(path.join(dir, 'apps/legacy'));
  fs.writeFileSync(path.join(dir, 'apps/legacy/package.json'), '{ "name": "@switchboard/app-billing", "version": "0.1.0" }\n');
  // apps/evil imports a file outside its proto/: --client evil used to copy it to proto/../../../other/y.proto, out of the new app.
  fs.mkdirSync(path.join(dir, 'apps/evil/proto'), { recursive: true });
  fs.mkdirSync(path.join(dir, 'other'));
  fs.writeFileSync(path.join(dir, 'other/y.proto'), 'syntax = "proto3";\npackage y;\nmessage N {}\n');
  fs.writeFileSync(
    path.join(dir, 'apps/evil/proto/evil.proto'),
    'syntax = "proto3";\npackage evil;\nimport "../../../other/y.proto";\nservice Evil { rpc A (y.N) returns (y.N); }\n',
  );
  return dir;
}

describe('switchboard new, attacked', () => {
  let repo: string;
  beforeAll(() => (repo = miniRepo()));
  afterAll(() => fs.rmSync(repo, { recursive: true, force: true }));

  const cli = (args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<Finished> =>
    runProcess('/bin/sh', ['-c', 'cd "$0" && exec "$@"', options.cwd ?? repo, process.execPath, BIN, 'new', ...args], {
      timeoutMs: 60_000,
      env: { PATH, ...options.env },
      name: 'switchboard new',
    });
  const appsIn = (dir: string): string[] => fs.readdirSync(path.join(dir, 'apps')).sort();

  // Each row: the arguments, the exit code, what stderr says. Before the fixes, the rows marked "was" did otherwise.
  const refusals: [string, string[], number, string | RegExp][] = [
    ['a path', ['../x'], 2, "invalid app name '../x': use a lowercase DNS label"],
    ['a nested path', ['a/b'], 2, "invalid app name 'a/b'"],
    ['a space', ['x y'], 2, "invalid app name 'x y'"],
    ['upper case', ['CON'], 2, "invalid app name 'CON'"],
    ['node_modules', ['node_modules'], 2, "invalid app name 'node_modules'"],
    ['an option-like name', ['-rf'], 2, "unknown option '-rf'"],
    ['200 characters', ['a'.repeat(200)], 2, 'at most 63 characters'],
    ['a Cyrillic look-alike', ['\u0456nventory'], 2, "invalid app name '\u0456nventory'"],
    ['__proto__', ['__proto__'], 2, "invalid app name '__proto__'"],
    // was: created apps/con, which Windows cannot check out
    ['a Windows device name', ['con'], 2, "invalid app name 'con': Windows reserves it as a device name"],
    ['lpt1', ['lpt1'], 2, 'Windows reserves it'],
    // was: created an app whose service file imported Service twice and did not compile (TS2300)
    [
      'a name whose service is Service',
      ['service'],
      2,
      "invalid app name 'service': its service Service would clash with the Service the generated code imports",
    ],
    ['a name whose service is Code', ['code', '--stream'], 2, 'its service Code would clash'],
    ['a name whose service is RpcError', ['rpc-error'], 2, 'its service RpcError would clash'],
    ['a name whose service is TestServer', ['test-server'], 2, 'its service TestServer would clash'],
    ['a name whose service is Client', ['client'], 2, 'its service Client would clash'],
    // was: exit 1 after writing, "proto/services.proto ... rename it", which the user never named
    ['services', ['services'], 2, "invalid app name 'services': gen would write proto/services.proto's types over src/gen/services.ts"],
    ['the server key', ['server'], 2, "its config key 'server' is taken"],
    ['--client without a value', ['shop', '--client'], 2, '--client needs an app, e.g. --client greeter'],
    [
      '--client ../../etc',
      ['shop', '--client', '../../etc'],
      2,
      "unknown --client '../../etc': no apps/../../etc with a proto service (apps with one: greeter, pay)",
    ],
    // was: accepted, the ':x' silently dropped
    ['--client with two colons', ['shop', '--client', 'greeter:Greeter:x'], 2, "--client 'greeter:Greeter:x' is not <app> or <app>:<Service>"],
    // was: "declares no service  (services: …)"
    ['--client app: without a service', ['shop', '--client', 'greeter:'], 2, "--client 'greeter:' is not <app> or <app>:<Service>"],
    // was: "no apps/ with a proto service"
    ['--client= empty', ['shop', '--client='], 2, "--client '' is not <app> or <app>:<Service>"],
    ['--client given twice', ['shop', '--client', 'greeter', '--client', 'greeter:Greeter'], 2, '--client greeter is given twice'],
    ['an app its own client', ['pay', '--client', 'pay'], 2, 'an app cannot be its own client'],
    // was: created apps/shop whose service file declared ShopService and imported pay's ShopService (TS2300)
    [
      'a client service named like the new class',
      ['shop', '--client', 'pay'],
      2,
      "--client pay: its service ShopService would clash with the new app's own ShopService",
    ],
    ['an existing folder', ['greeter'], 1, 'apps/greeter exists already'],
    // was: created apps/billing beside apps/legacy, both packages @switchboard/app-billing (npm install fails on the duplicate)
    [
      'a package name another workspace has',
      ['billing'],
      1,
      '@switchboard/app-billing is already the package of apps/legacy (npm refuses two workspaces of one name)',
    ],
    // was: exit 0, "proto/../../../other/y.proto" listed among the files written, other/y.proto rewritten outside the app
    [
      'a --client whose proto imports a file outside its proto/',
      ['shop', '--client', 'evil'],
      1,
      '--client evil: the protos of apps/evil do not compile, so its contract cannot be copied: SB_ERR_PROTO: apps/evil/proto/evil.proto:3: import "../../../other/y.proto" is outside proto/',
    ],
  ];

  it('refuses every hostile name and --client of the table with its exit code and message, writing nothing', async () => {
    const before = appsIn(repo);
    const outside = fs.statSync(path.join(repo, 'other/y.proto')).mtimeMs;
    const results = await Promise.all(refusals.map(([, args]) => cli([...args, '--no-install', '--no-build'])));
    results.forEach((result, i) => {
      const [what, args, code, message] = refusals[i]!;
      expect({ what, args, code: result.code, stdout: result.stdout }).toEqual({ what, args, code, stdout: '' });
      expect({ what, stderr: result.stderr }).toEqual({ what, stderr: expect.stringMatching(typeof message === 'string' ? escapeRegExp(message) : message) });
    });
    expect(appsIn(repo)).toEqual(before);
    expect(fs.statSync(path.join(repo, 'other/y.proto')).mtimeMs).toBe(outside);
  }, 120_000);

  it('refuses to run outside a monorepo, naming where it looked', async () => {
    const outside = fs.mkdtempSync(path.join(os.tmpdir(), 'sb-hostile-outside-'));
    try {
      const result = await cli(['shop', '--no-install', '--no-build'], { cwd: outside });
      expect(result).toMatchObject({ code: 1, stdout: '' });
      expect(result.stderr).toContain(`no Switchboard monorepo found from ${outside} (looked upwards for a package.json whose workspaces include "apps/*")`);
      expect(fs.readdirSync(outside)).toEqual([]);
    } finally {
      fs.rmSync(outside, { recursive: true, force: true });
    }
  });

  // was: the app folder kept mkdtemp's mode 0700 after the rename, so no other user (a non-root container) could read it
  it('makes the app folder with the permissions of a folder made by hand, not a temporary folder\u2019s 0700', async () => {
    expect(await cli(['perms', '--no-install', '--no-build'])).toMatchObject({ code: 0 });
    const byHand = path.join(repo, 'by-hand');
    fs.mkdirSync(byHand);
    expect(fs.statSync(path.join(repo, 'apps/perms')).mode & 0o777).toBe(fs.statSync(byHand).mode & 0o777);
    fs.rmSync(path.join(repo, 'apps/perms'), { recursive: true });
    fs.rmSync(byHand, { recursive: true });
  });

  it('lets one of three `new twin` run at once make apps/twin; the others refuse it as existing, leaving no hidden folder', async () => {
    const results = await Promise.all([1, 2, 3].map(() => cli(['twin', '--no-install', '--no-build'])));
    expect(results.map((r) => r.code).sort()).toEqual([0, 1, 1]);
    for (const refused of results.filter((r) => r.code === 1)) expect(refused.stderr).toContain('apps/twin exists already');
    expect(fs.readdirSync(path.join(repo, 'apps')).filter((name) => name.startsWith('.'))).toEqual([]);
    fs.rmSync(path.join(repo, 'apps/twin'), { recursive: true });
  });

  // was: raw "EEXIST: file already exists, mkdir '…/apps'" and "ENOENT: … mkdir '…/apps'"
  it.each([
    ['a file', (apps: string) => fs.writeFileSync(apps, 'not a folder\n'), 'is not a folder'],
    ['a dangling symbolic link', (apps: string) => fs.symlinkSync(path.join(path.dirname(apps), 'gone'), apps), 'is a symbolic link to'],
  ])('refuses apps/ that is %s with a message naming it, exit 1', async (_what, make, message) => {
    const other = fs.mkdtempSync(path.join(os.tmpdir(), 'sb-hostile-apps-'));
    try {
      fs.copyFileSync(path.join(ROOT, 'package.json'), path.join(other, 'package.json'));
      for (const linked of ['node_modules', 'packages']) fs.symlinkSync(path.join(ROOT, linked), path.join(other, linked), 'dir');
      make(path.join(other, 'apps'));
      const result = await cli(['shop', '--no-install', '--no-build'], { cwd: other });
      expect(result).toMatchObject({ code: 1, stdout: '' });
      expect(result.stderr).toContain(`cannot create apps/shop: ${path.join(other, 'apps')} ${message}`);
      expect(result.stderr).toContain('nothing was written');
    } finally {
      fs.rmSync(other, { recursive: true, force: true });
    }
  });

  // was: raw "EACCES: permission denied, mkdtemp '…/apps/.shop-new-XXXXXX'"
  it('refuses a read-only apps/ with a message naming it (EACCES), exit 1, writing nothing', async () => {
    const apps = path.join(repo, 'apps');
    const before = appsIn(repo);
    fs.chmodSync(apps, 0o555);
    try {
      // root ignores a folder's mode: run as nobody then, as a developer's own account would meet it.
      const asNobody = process.getuid?.() === 0;
      const result = await new Promise<Finished>((resolve, reject) => {
        const child = spawn(process.execPath, [BIN, 'new', 'shop', '--no-install', '--no-build'], {
          cwd: repo,
          env: { PATH, HOME: os.tmpdir() },
          ...(asNobody ? { uid: 65534, gid: 65534 } : {}),
        });
        let stdout = '';
        let stderr = '';
        child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
        child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
        child.once('error', reject);
        child.once('close', (code) => resolve({ code, stdout, stderr }));
      });
      expect(result).toMatchObject({ code: 1, stdout: '' });
      expect(result.stderr).toContain(`cannot create apps/shop: ${apps} is not writable (EACCES); nothing was written`);
    } finally {
      fs.chmodSync(apps, 0o755);
    }
    expect(appsIn(repo)).toEqual(before);
  });

  // was: no handler; Ctrl-C ended the process before its `finally`, leaving apps/.shop-new-XXXXXX and the generator's folder
  it('removes its hidden folder, and the generator its temporary one, when interrupted by SIGINT, and ends by that signal', async () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sb-hostile-tmp-'));
    const apps = path.join(repo, 'apps');
    const before = appsIn(repo);
    try {
      const child = spawn(process.execPath, [BIN, 'new', 'halted', '--no-install', '--no-build'], { cwd: repo, env: { PATH, TMPDIR: tmp } });
      let stderr = '';
      child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
      const ended = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
        child.once('close', (code, signal) => resolve({ code, signal })),
      );
      // Interrupted once the generator has made its folder in TMPDIR, inside the hidden one's life: both must go.
      const watcher = fs.watch(tmp, (_event, name) => {
        if (name?.startsWith('switchboard-gen-')) {
          watcher.close();
          child.kill('SIGINT');
        }
      });
      const end = await ended;
      watcher.close();
      expect({ ...end, stderr }).toEqual({ code: null, signal: 'SIGINT', stderr: '' });
      expect(fs.readdirSync(apps).sort()).toEqual(before);
      expect(fs.readdirSync(tmp)).toEqual([]);
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  });
});

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

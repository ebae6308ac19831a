import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { assertPeerAvailable, type Finished, freePort, PEER_PYTHON, runProcess } from '@switchboard/test-support';

const ROOT = path.resolve(__dirname, '../../..');
const BIN = path.join(ROOT, 'packages/cli/bin/switchboard.js');
const REFLECT = path.join(ROOT, 'testing/peer/reflect.py');
const ROOT_FILES = [
  'package.json',
  'package-lock.json',
  'turbo.json',
  'tsconfig.base.json',
  'eslint.config.mjs',
  'jest.preset.js',
  '.prettierrc.json',
  '.prettierignore',
];
/** What the copy reads from the real repository's builds: the CLI, the packages apps import, greeter's dist for `start`. */
const BUILT = [
  'packages/cli/dist/bin.js',
  ...['core', 'server', 'client', 'testing'].map((p) => `packages/${p}/dist/index.d.ts`),
  'apps/greeter/dist/index.js',
];

/**
 * A temporary copy of the monorepo for `new` to add an app to: the root files,
 * apps/greeter copied (dist included), and node_modules, packages and testing
 * linked to this checkout's (nothing is written there: a new app is not
 * linked into node_modules, so `new` runs with --no-install).
 */
function copyRepo(): string {
  const missing = BUILT.filter((f) => !fs.existsSync(path.join(ROOT, f)));
  if (missing.length > 0) throw new Error(`${missing.join(', ')} missing: run \`npx turbo run build\` first (\`npm test\` builds them)`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sb-new-'));
  for (const file of ROOT_FILES) fs.copyFileSync(path.join(ROOT, file), path.join(dir, file));
  for (const linked of ['node_modules', 'packages', 'testing']) fs.symlinkSync(path.join(ROOT, linked), path.join(dir, linked), 'dir');
  fs.cpSync(path.join(ROOT, 'apps/greeter'), path.join(dir, 'apps/greeter'), { recursive: true, filter: (src) => !src.includes('node_modules') });
  return dir;
}

describe('switchboard new', () => {
  let repo: string;
  beforeAll(() => (repo = copyRepo()));
  afterAll(() => fs.rmSync(repo, { recursive: true, force: true }));

  const sh = (command: string, args: string[], timeoutMs = 180_000): Promise<Finished> =>
    runProcess('/bin/sh', ['-c', `cd "$0" && exec "$@"`, repo, command, ...args], { timeoutMs, env: { PATH: process.env['PATH'] ?? '', HOME: os.homedir() } });
  const cli = (...args: string[]): Promise<Finished> => sh(process.execPath, [BIN, ...args]);
  const appsNow = (): string[] => fs.readdirSync(path.join(repo, 'apps')).sort();

  it('makes apps/inventory with a greeter client and a stream: its test, typecheck, lint, format and gen check pass, and served beside greeter both rpcs answer a python peer that found them by reflection', async () => {
    const t0 = performance.now();
    const made = await cli('new', 'inventory', '--client', 'greeter', '--stream', '--no-install');
    const tNew = performance.now();
    expect(made).toMatchObject({ code: 0 });
    expect(made.stdout).toContain('created apps/inventory (@switchboard/app-inventory):');
    expect(made.stdout).toMatch(/proto\/helloworld\.proto +\d+ lines\n/);
    expect(made.stdout).toMatch(/src\/gen\/services\.ts +\d+ lines {2}\(switchboard gen\)/);
    expect(made.stdout).toContain('  npm test -w apps/inventory\n  npx switchboard start ./apps/inventory ./apps/greeter\n');

    const tested = await sh('npm', ['test', '-w', 'apps/inventory']);
    const tTest = performance.now();
    expect(tested.code).toBe(0);
    expect(tested.stderr).toContain('Tests:       3 passed, 3 total');
    // For the closing note of issue 11, not asserted: a shared CI machine makes these noisy.
    console.log(`switchboard new: ${((tNew - t0) / 1000).toFixed(1)} s; first npm test: ${((tTest - tNew) / 1000).toFixed(1)} s`);

    const [typecheck, lint] = await Promise.all([sh('npm', ['run', 'typecheck', '-w', 'apps/inventory']), sh('npm', ['run', 'lint', '-w', 'apps/inventory'])]);
    expect(typecheck).toMatchObject({ code: 0 });
    expect(lint).toMatchObject({ code: 0 });
    expect(await sh(path.join(ROOT, 'node_modules/.bin/prettier'), ['--check', 'apps/inventory'])).toMatchObject({ code: 0 });
    expect(await cli('gen', '--check', 'apps/inventory')).toMatchObject({ code: 0, stdout: 'apps/inventory: src/gen is up to date\n' });

    assertPeerAvailable();
    const port = await freePort();
    const config = path.join(repo, 'served.json');
    fs.writeFileSync(config, JSON.stringify({ server: { port }, clients: { greeter: { target: `127.0.0.1:${port}` } } }));
    const server = spawn(process.execPath, [BIN, 'start', './apps/inventory', './apps/greeter', '--config', config], {
      cwd: repo,
      env: { PATH: process.env['PATH'] ?? '' },
    });
    let out = '';
    server.stdout.on('data', (c: Buffer) => (out += c.toString()));
    server.stderr.on('data', (c: Buffer) => (out += c.toString()));
    const exited = new Promise<number | null>((resolve) => server.once('exit', resolve));
    try {
      await new Promise<void>((resolve, reject) => {
        server.stdout.on('data', () => out.includes('"msg":"listening"') && resolve());
        void exited.then((code) => reject(new Error(`switchboard start exited ${code}:\n${out}`)));
      });
      const calls = ['/inventory.Inventory/GetInventory={"name": "Ada"}', '/inventory.Inventory/ListInventoryItems={"name": "Ada", "count": 2}'];
      const peer = await runProcess(PEER_PYTHON, [REFLECT, '--target', `127.0.0.1:${port}`, ...calls.flatMap((c) => ['--call', c])], {
        timeoutMs: 30_000,
        env: { PATH: process.env['PATH'] ?? '', PYTHONDONTWRITEBYTECODE: '1' },
      });
      expect(peer).toMatchObject({ code: 0 });
      const { result } = JSON.parse(peer.stdout.trim().split('\n').pop()!);
      expect(result.v1.services).toEqual(expect.arrayContaining(['inventory.Inventory', 'helloworld.Greeter', 'grpc.health.v1.Health']));
      expect(result.v1.methods['inventory.Inventory'].methods).toEqual([
        ['GetInventory', 'inventory.GetInventoryRequest', 'inventory.GetInventoryResponse'],
        ['ListInventoryItems', 'inventory.ListInventoryItemsRequest', 'inventory.InventoryItem'],
      ]);
      expect(result.calls).toEqual({
        '/inventory.Inventory/GetInventory': { ok: true, value: { message: 'Hello Ada (greeter: Hello Ada)' } },
        '/inventory.Inventory/ListInventoryItems': {
          ok: true,
          value: [
            { index: 1, message: 'Hello Ada #1' },
            { index: 2, message: 'Hello Ada #2' },
          ],
        },
      });
    } finally {
      server.kill('SIGTERM');
      await exited;
    }
  }, 400_000);

  it('refuses an existing folder, an invalid or reserved name and an unknown, ambiguous or repeated client, naming what exists, and writes nothing', async () => {
    // An app whose service would be exported under the new app's name: gen fails after the files are written, in the hidden folder.
    const stock = path.join(repo, 'apps/stock/proto');
    fs.mkdirSync(stock, { recursive: true });
    fs.writeFileSync(
      path.join(stock, 'stock.proto'),
      'syntax = "proto3";\npackage stock;\nservice Shop { rpc A (M) returns (M); }\nservice Other { rpc B (M) returns (M); }\nmessage M {}\n',
    );
    const before = appsNow();
    const refusals: [string[], number, string | RegExp][] = [
      [['greeter'], 1, 'apps/greeter exists already'],
      [['Bad_Name'], 2, "invalid app name 'Bad_Name': use a lowercase DNS label"],
      [['server'], 2, "invalid app name 'server': its config key 'server' is taken by the server's own config (taken: "],
      [['grpc-tools'], 2, 'reserved for gRPC'],
      [['shop', '--client', 'nope'], 2, /unknown --client 'nope': no apps\/nope with a proto service \(apps with one: greeter, (inventory, )?stock\)/],
      [['shop', '--client', 'stock'], 2, '--client stock: apps/stock declares 2 services (stock.Other, stock.Shop); name one, e.g. --client stock:Other'],
      [['shop', '--client', 'greeter', '--client', 'greeter'], 2, '--client greeter is given twice'],
      [['helloworld', '--client', 'greeter'], 1, "--client greeter: its proto/helloworld.proto would replace helloworld's own proto"],
      [['shop', '--client', 'stock:Shop', '--no-install'], 1, 'would both be exported as Shop: rename one'],
    ];
    for (const [args, code, message] of refusals) {
      const refused = await cli('new', ...args);
      expect({ args, code: refused.code, stdout: refused.stdout }).toEqual({ args, code, stdout: '' });
      expect(refused.stderr).toMatch(message);
      expect(appsNow()).toEqual(before);
    }
  }, 120_000);

  it("fails the app's build naming the handler the service lacks once an rpc is added to its generated proto", async () => {
    expect(await cli('new', 'shop', '--no-install', '--no-build')).toMatchObject({ code: 0 });
    const build = (): Promise<Finished> => sh('npm', ['run', 'build', '-w', 'apps/shop']);
    expect(await build()).toMatchObject({ code: 0 });

    const proto = path.join(repo, 'apps/shop/proto/shop.proto');
    const source = fs.readFileSync(proto, 'utf8');
    const added = source.replace(/^(\s*rpc GetShop .*)$/m, '$1\n  rpc DeleteShop (GetShopRequest) returns (GetShopResponse) {}');
    expect(added).not.toBe(source);
    fs.writeFileSync(proto, added);
    expect(await cli('gen', 'apps/shop')).toMatchObject({ code: 0 });
    const failed = await build();
    expect(failed.code).not.toBe(0);
    expect(failed.stdout).toContain('src/shop-service.ts');
    expect(failed.stdout).toContain("Property 'DeleteShop' is missing in type 'ShopService'");
  }, 180_000);
});

import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { PEER_PYTHON, assertPeerAvailable, runProcess } from '@switchboard/test-support';

const ROOT = path.resolve(__dirname, '../../..');
const BIN = path.join(ROOT, 'packages/cli/dist/bin.js');

const started: ChildProcess[] = [];

afterEach(async () => {
  await Promise.all(
    started.splice(0).map(
      (child) =>
        new Promise<void>((resolve) => {
          if (child.exitCode !== null || child.signalCode !== null) return resolve();
          child.once('exit', () => resolve());
          child.kill('SIGKILL');
        }),
    ),
  );
});

/** `switchboard start …` with `cwd` as its working directory (a fresh empty folder by default). */
function run(args: string[], cwd = fs.mkdtempSync(path.join(os.tmpdir(), 'sb-deploy-cwd-'))) {
  if (!fs.existsSync(BIN)) throw new Error(`${BIN} is missing: run \`npm run build\` first (\`npm test\` builds it)`);
  const child = spawn(process.execPath, [BIN, 'start', ...args], { cwd, env: { PATH: process.env['PATH'] ?? '' } });
  started.push(child);
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  const listening = new Promise<{ address: string; services: string[] }>((resolve, reject) => {
    child.stdout.on('data', () => {
      const line = stdout.split('\n').find((l) => l.includes('"msg":"listening"'));
      if (line) resolve(JSON.parse(line) as { address: string; services: string[] });
    });
    void exited.then((code) => reject(new Error(`exited ${code}: ${stderr}`)));
  });
  // A run that is expected to fail never listens; its rejection is observed here.
  listening.catch(() => undefined);
  return { child, exited, listening, out: () => ({ stdout, stderr }) };
}

/** Writes `config` as JSON to a new file in a fresh folder and returns its path. */
function configFile(config: object, name = 'deploy.json'): string {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'sb-deploy-')), name);
  fs.writeFileSync(file, JSON.stringify(config));
  return file;
}

/** A deploy/ file with the port set to 0. */
function deployCopy(relative: string): string {
  const config = JSON.parse(fs.readFileSync(path.join(ROOT, 'deploy', relative), 'utf8')) as { server: object };
  return configFile({ ...config, server: { ...config.server, port: 0 } }, path.basename(relative));
}

describe('switchboard start --config FILE with an apps key', () => {
  it('serves every app of deploy/all-in-one.json on one port and exits 0 on SIGTERM', async () => {
    const p = run(['--config', deployCopy('all-in-one.json')], ROOT);
    const { address, services } = await p.listening;
    expect(address).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(services).toEqual(['ecommerce.OrderManagement', 'ecommerce.OrderAdmin', 'helloworld.Greeter']);
    p.child.kill('SIGTERM');
    expect(await p.exited).toBe(0);
  });

  it('takes a folder in the apps key as relative to the config file, not to the working directory', async () => {
    // The file sits two levels below the working directory, where ./greeter-app names nothing.
    const cwd = fs.mkdtempSync(path.join(os.tmpdir(), 'sb-deploy-cwd-'));
    const dir = path.join(cwd, 'a', 'b');
    fs.mkdirSync(dir, { recursive: true });
    const file = path.join(dir, 'deploy.json');
    fs.symlinkSync(path.join(ROOT, 'apps/greeter'), path.join(dir, 'greeter-app'), 'dir');
    expect(fs.existsSync(path.join(cwd, 'greeter-app'))).toBe(false);
    fs.writeFileSync(file, JSON.stringify({ apps: ['./greeter-app'], server: { port: 0 } }));
    const p = run(['--config', file], cwd);
    expect((await p.listening).services).toEqual(['helloworld.Greeter']);
  });

  it('serves only the apps on the command line when both name apps: the command line replaces the apps key', async () => {
    const file = configFile({ apps: ['@switchboard/app-orders', '@switchboard/app-greeter'], server: { port: 0 } });
    const p = run([path.join(ROOT, 'apps/greeter'), '--config', file], ROOT);
    expect((await p.listening).services).toEqual(['helloworld.Greeter']);
  });

  it('reads the apps key from config/default.json in the working directory', async () => {
    const cwd = fs.mkdtempSync(path.join(os.tmpdir(), 'sb-deploy-cwd-'));
    fs.mkdirSync(path.join(cwd, 'config'));
    fs.writeFileSync(path.join(cwd, 'config/default.json'), JSON.stringify({ apps: [path.join(ROOT, 'apps/orders')], server: { port: 0 } }));
    const p = run([], cwd);
    expect((await p.listening).services).toEqual(['ecommerce.OrderManagement', 'ecommerce.OrderAdmin']);
  });

  it('exits 1 naming an app of the apps key that cannot be loaded and the file that names it', async () => {
    const file = configFile({ apps: ['@switchboard/app-greeter', '@switchboard/app-nosuch'], server: { port: 0 } });
    const p = run(['--config', file], ROOT);
    expect(await p.exited).toBe(1);
    const { stderr, stdout } = p.out();
    expect(stderr).toContain(`cannot load app '@switchboard/app-nosuch' (from apps in ${file})`);
    expect(stdout).not.toContain('listening');
  });

  it('exits 1 naming an app on the command line that cannot be loaded as coming from the command line', async () => {
    const p = run(['./no-such-app', '--config', configFile({ server: { port: 0 } })]);
    expect(await p.exited).toBe(1);
    expect(p.out().stderr).toContain("cannot load app './no-such-app' (from the command line)");
  });

  it('exits 1 on an apps key that is not a list, naming the key, the value, the file and what is allowed', async () => {
    const file = configFile({ apps: 'orders', server: { port: 0 } });
    const p = run(['--config', file], ROOT);
    expect(await p.exited).toBe(1);
    const { stderr, stdout } = p.out();
    expect(stderr).toContain(`apps: must be a list of names (non-empty strings): value was "orders" (from ${file})`);
    expect(stdout).not.toContain('listening');
  });

  it('exits 2 with the usage when neither the command line nor the config names an app', async () => {
    const p = run(['--config', configFile({ server: { port: 0 } })]);
    expect(await p.exited).toBe(2);
    expect(p.out().stderr).toContain('start needs at least one app');
    expect(p.out().stderr).toContain('usage: switchboard start');
  });

  it('starts the deploy/per-app pair as two processes, each serving its own app', async () => {
    const greeter = run(['--config', deployCopy('per-app/greeter.json')], ROOT);
    const orders = run(['--config', deployCopy('per-app/orders.json')], ROOT);
    const [g, o] = await Promise.all([greeter.listening, orders.listening]);
    expect(g.services).toEqual(['helloworld.Greeter']);
    expect(o.services).toEqual(['ecommerce.OrderManagement', 'ecommerce.OrderAdmin']);
    expect(g.address).not.toBe(o.address);
  });

  it('starts deploy/per-app frontdesk and greeter as two processes, frontdesk calling greeter through its injected client', async () => {
    const greeter = run(['--config', deployCopy('per-app/greeter.json')], ROOT);
    const g = await greeter.listening;
    // The file's own target is greeter's fixed port; here greeter listens where port 0 put it.
    const frontdeskConfig = JSON.parse(fs.readFileSync(path.join(ROOT, 'deploy/per-app/frontdesk.json'), 'utf8')) as object;
    const file = configFile({ ...frontdeskConfig, server: { port: 0 }, clients: { greeter: { target: g.address, deadlineMs: 2000 } } }, 'frontdesk.json');
    const frontdesk = run(['--config', file], ROOT);
    const f = await frontdesk.listening;
    expect(f.services).toEqual(['frontdesk.Frontdesk']);
    assertPeerAvailable();
    const peer = await runProcess(
      PEER_PYTHON,
      [path.join(ROOT, 'testing/peer/reflect.py'), '--target', f.address, '--call', '/frontdesk.Frontdesk/GetFrontdesk={"name": "Ada"}'],
      { timeoutMs: 30_000, env: { PATH: process.env['PATH'] ?? '', PYTHONDONTWRITEBYTECODE: '1' } },
    );
    expect(peer).toMatchObject({ code: 0 });
    const { result } = JSON.parse(peer.stdout.trim().split('\n').pop()!) as { result: { calls: Record<string, unknown> } };
    expect(result.calls['/frontdesk.Frontdesk/GetFrontdesk']).toEqual({ ok: true, value: { message: 'Hello Ada (greeter: Hello Ada)' } });

    // greeter gone: frontdesk's call through its client fails UNAVAILABLE, and frontdesk goes on serving.
    greeter.child.kill('SIGTERM');
    expect(await greeter.exited).toBe(0);
    const again = await runProcess(
      PEER_PYTHON,
      [path.join(ROOT, 'testing/peer/reflect.py'), '--target', f.address, '--call', '/frontdesk.Frontdesk/GetFrontdesk={"name": "Ada"}'],
      { timeoutMs: 30_000, env: { PATH: process.env['PATH'] ?? '', PYTHONDONTWRITEBYTECODE: '1' } },
    );
    const { result: down } = JSON.parse(again.stdout.trim().split('\n').pop()!) as { result: { calls: Record<string, { ok: boolean; code?: string }> } };
    expect(down.calls['/frontdesk.Frontdesk/GetFrontdesk']).toMatchObject({ ok: false, code: 'UNAVAILABLE' });
  });
});

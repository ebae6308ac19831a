import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '../../..');
/** The command as npm links it: the launcher, which runs dist/bin.js. */
const BIN = path.join(ROOT, 'packages/cli/bin/switchboard.js');
const DIST = path.join(ROOT, 'packages/cli/dist/bin.js');

function run(args: string[], env: Record<string, string> = {}, untilListening = false) {
  if (!fs.existsSync(DIST)) throw new Error(`${DIST} is missing: run \`npm run build\` first (\`npm test\` builds it)`);
  const child = spawn(process.execPath, [BIN, ...args], {
    cwd: fs.mkdtempSync(path.join(os.tmpdir(), 'sb-cli-')),
    env: { PATH: process.env['PATH'] ?? '', ...env },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  const listening = new Promise<string>((resolve, reject) => {
    if (!untilListening) return;
    child.stdout.on('data', () => {
      const line = stdout.split('\n').find((l) => l.includes('"msg":"listening"'));
      if (line) resolve((JSON.parse(line) as { address: string }).address);
    });
    void exited.then((code) => reject(new Error(`exited ${code}: ${stderr}`)));
  });
  return { child, exited, listening, out: () => ({ stdout, stderr }) };
}

const portIsFree = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const probe = net.createServer().once('error', () => resolve(false));
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(true)));
  });

describe('switchboard start', () => {
  it('serves orders and greeter on one port and exits 0 on SIGTERM', async () => {
    const p = run(['start', path.join(ROOT, 'apps/orders'), path.join(ROOT, 'apps/greeter')], { PORT: '0' }, true);
    const address = await p.listening;
    expect(address).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(p.out().stdout).toContain('"services":["ecommerce.OrderManagement","ecommerce.OrderAdmin","helloworld.Greeter"]');
    p.child.kill('SIGTERM');
    expect(await p.exited).toBe(0);
  });

  it('exits non-zero with nothing listening when the config is wrong, naming every bad key', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sb-bad-'));
    const file = path.join(dir, 'bad.json');
    fs.writeFileSync(file, JSON.stringify({ server: { port: 50999, prot: 1 }, orders: { addOrderDelayMs: 'slow' } }));
    const p = run(['start', path.join(ROOT, 'apps/orders'), '--config', file]);
    expect(await p.exited).toBe(1);
    const { stderr, stdout } = p.out();
    expect(stderr).toContain("server.prot: unknown key (value 1); allowed under 'server'");
    expect(stderr).toContain('orders.addOrderDelayMs: must be a whole number of milliseconds from 0 to 2147483647: value was "slow"');
    expect(stdout).not.toContain('listening');
    expect(await portIsFree(50999)).toBe(true);
  });

  it('exits 1 with nothing listening when PORT is not a decimal port, naming the key, the value and what is allowed', async () => {
    expect(await portIsFree(51005)).toBe(true);
    const p = run(['start', path.join(ROOT, 'apps/greeter')], { PORT: '51005abc' });
    expect(await p.exited).toBe(1);
    const { stderr, stdout } = p.out();
    expect(stderr).toContain(
      'server.port: must be a port: an integer from 0 to 65535 (0 picks a free one): value was "51005abc" (from environment variable PORT)',
    );
    expect(stdout).not.toContain('listening');
    expect(await portIsFree(51005)).toBe(true);
  });

  it('exits 1 on a boolean written as a string, an overflowing grace period and a keepalive under 1 s, naming each', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sb-bad-'));
    const file = path.join(dir, 'bad.json');
    fs.writeFileSync(file, JSON.stringify({ server: { port: 0, health: 'no', keepalive: { timeMs: 1 } } }));
    const p = run(['start', path.join(ROOT, 'apps/greeter'), '--config', file], { SHUTDOWN_GRACE_MS: '3000000000' });
    expect(await p.exited).toBe(1);
    const { stderr, stdout } = p.out();
    expect(stderr).toContain(`server.health: must be true or false (a JSON boolean, not a string): value was "no" (from ${file})`);
    expect(stderr).toContain(
      'server.shutdownGraceMs: must be a whole number of milliseconds from 0 to 2147483647: value was 3000000000 (from environment variable SHUTDOWN_GRACE_MS)',
    );
    expect(stderr).toContain('server.keepalive.timeMs: must be a whole number of milliseconds from 1000 to 2147483647');
    expect(stdout).not.toContain('listening');
  });

  it('exits 2 on an option it does not know, such as a mistyped --config, rather than starting on defaults', async () => {
    const p = run(['start', path.join(ROOT, 'apps/greeter'), '--confg', 'prod.json'], { PORT: '0' });
    expect(await p.exited).toBe(2);
    expect(p.out().stderr).toContain("unknown option '--confg'");
    expect(p.out().stdout).not.toContain('listening');
  });

  it('names an app it cannot load', async () => {
    const p = run(['start', '/nowhere/app']);
    expect(await p.exited).toBe(1);
    expect(p.out().stderr).toContain("cannot load app '/nowhere/app'");
  });
});

import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { startServer, type RunningServer } from '@switchboard/server';
import pino from 'pino';
import { startGoPeerServer } from '@switchboard/test-support';
import { greeterModule } from '@switchboard/app-greeter';
import { ordersModule } from '../src/index';

const PROGRAM = path.join(__dirname, '../dist/client/main.js');

function serve(env: Record<string, string> = {}): Promise<RunningServer> {
  return startServer({
    modules: [ordersModule, greeterModule],
    config: { argv: [], env: { PORT: '0', ...env }, configDir: fs.mkdtempSync(path.join(os.tmpdir(), 'orders-client-')) },
    logger: pino({ level: 'silent' }),
  });
}

function runProgram(args: string[]): Promise<{ code: number | null; out: string }> {
  if (!fs.existsSync(PROGRAM)) throw new Error(`${PROGRAM} is missing: run \`npm run build\` first (\`npm test\` builds it)`);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [PROGRAM, ...args], { env: { PATH: process.env['PATH'] ?? '' } });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (out += c.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`the client program did not finish in 20 s:\n${out}`));
    }, 20000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, out });
    });
  });
}

describe('the orders client program (npm run client)', () => {
  let servers: RunningServer[] = [];
  afterEach(async () => {
    for (const s of servers) await s.shutdown(0);
    servers = [];
  });

  it('walks through every step of the book against this app and exits 0', async () => {
    const fast = await serve();
    const slow = await serve({ ORDERS_ADD_ORDER_DELAY_MS: '3000' });
    servers = [fast, slow];
    const { code, out } = await runProgram(['--target', `127.0.0.1:${fast.port}`, '--slow-target', `127.0.0.1:${slow.port}`]);
    expect(out).not.toContain('✗');
    expect(out.match(/^✓ /gm)).toHaveLength(9);
    expect(out).toContain('field violation: ID: Order ID received is not valid -1');
    expect(out).toMatch(/trailers: orders-stored=\d+/);
    expect(out).toContain(`channel dns:///127.0.0.1:${fast.port} carries orders + greeter`);
    expect(code).toBe(0);
  });

  it('exits 1 and names the step when a step does not behave as described', async () => {
    const fast = await serve();
    servers = [fast];
    const { code, out } = await runProgram(['--target', `127.0.0.1:${fast.port}`, '--slow-target', `127.0.0.1:${fast.port}`]);
    expect(out).toContain('✗ a 2 s deadline runs out against a slow server: expected DEADLINE_EXCEEDED at about 2 s');
    expect(code).toBe(1);
  });

  it('runs unchanged against a grpc-go server of the same contract (testing/go-peer) and exits 0', async () => {
    const fast = await startGoPeerServer();
    const slow = await startGoPeerServer({ services: ['orders'], addOrderDelayMs: 3000 });
    try {
      const { code, out } = await runProgram(['--target', fast.target, '--slow-target', slow.target]);
      expect(out).not.toContain('✗');
      expect(out.match(/^✓ /gm)).toHaveLength(9);
      expect(out).toContain('field violation: ID: Order ID received is not valid -1');
      expect(out).toContain('trailers: order-id=101');
      expect(out).toContain(`channel dns:///${fast.target} carries orders + greeter`);
      expect(code).toBe(0);
      // grpc-go received every call gzip-compressed, and the -bin header byte for byte.
      const calls = fast.events.filter((e) => e.event === 'call');
      expect(calls.length).toBeGreaterThanOrEqual(8);
      expect(new Set(calls.map((e) => e['compression']))).toEqual(new Set(['gzip']));
      expect(calls[0]?.['metadata']).toEqual(
        expect.arrayContaining([
          ['x-request-id-bin', 'cafe01'],
          ['x-client', 'orders-walkthrough'],
        ]),
      );
      // grpc-go's slow addOrder handler ended by the 2 s deadline.
      await slow.waitFor((e) => e.event === 'deadline' && e['method'] === '/ecommerce.OrderManagement/addOrder', 3000);
    } finally {
      await fast.close();
      await slow.close();
    }
  });
});

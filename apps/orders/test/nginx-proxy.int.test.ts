import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import type * as grpc from '@grpc/grpc-js';
import { BadRequest, Code, RpcError, codeName, observe } from '@switchboard/core';
import { createClient, type Client, type StandaloneClient } from '@switchboard/client';
import { startServer, type RunningServer } from '@switchboard/server';
import pino from 'pino';
import { greeterModule } from '@switchboard/app-greeter';
import { OrderManagement, ordersModule } from '../src/index';

const NGINX = '/usr/sbin/nginx';
const TEMPLATE = path.join(__dirname, '../../../deploy/nginx/grpc-proxy.conf.template');
const PROGRAM = path.join(__dirname, '../dist/client/main.js');
const tmp = (prefix: string): string => fs.mkdtempSync(path.join(os.tmpdir(), prefix));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `find` until it returns a value; fails with `what()` after `ms`. */
async function waitFor<T>(find: () => T | undefined | Promise<T | undefined>, what: () => string, ms = 5000): Promise<T> {
  for (const deadline = Date.now() + ms; ; await sleep(25)) {
    const found = await find();
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error(what());
  }
}

/** Orders + greeter on 127.0.0.1:0, recording each call's method, metadata and time left on arrival, and how it ended. */
interface Backend {
  running: RunningServer;
  calls: { method: string; metadata: grpc.Metadata; msLeft: number }[];
  ends: string[];
}
async function startBackend(env: Record<string, string> = {}): Promise<Backend> {
  const b: Omit<Backend, 'running'> = { calls: [], ends: [] };
  const spy = observe({
    onStart: (call) => void b.calls.push({ method: call.method.name, metadata: call.ctx.metadata, msLeft: call.ctx.timeRemaining() }),
    onEnd: (call, error) => void b.ends.push(`${call.method.name} ${error === undefined ? 'OK' : codeName(RpcError.from(error).code)}`),
  });
  const configDir = tmp('orders-nginx-');
  // nginx passes a client's END_STREAM and RST_STREAM on a few ms apart; leave room for a loaded machine.
  fs.writeFileSync(path.join(configDir, 'default.json'), JSON.stringify({ server: { halfCloseSettleMs: 200 } }));
  const config = { argv: [], env: { PORT: '0', ...env }, configDir };
  return { ...b, running: await startServer({ modules: [ordersModule, greeterModule], interceptors: [spy], config, logger: pino({ level: 'silent' }) }) };
}

/** An nginx started from the deploy template; every one (in `nginxes`) is stopped in afterAll. */
type Proxy = { readonly target: string; log: (name: 'error.log' | 'access.log') => string };
const nginxes: ChildProcess[] = [];

function checkNginx(): void {
  const hint = 'run `bash scripts/install-test-deps.sh` (npm test runs it as pretest)';
  if (!fs.existsSync(NGINX)) throw new Error(`nginx is not installed (no ${NGINX}): ${hint}`);
  const flags = spawnSync(NGINX, ['-V'], { encoding: 'utf8' }).stderr;
  if (!flags.includes('--with-http_v2_module') || flags.includes('--without-http_grpc_module')) {
    throw new Error(`${NGINX} lacks http_v2 or grpc (nginx -V: ${flags}); install Debian's nginx: ${hint}`);
  }
}

async function startNginx(backends: Backend[]): Promise<Proxy> {
  const prefix = tmp('nginx-grpc-');
  fs.chmodSync(prefix, 0o755); // as root, nginx's workers run as `nobody`
  const port = await new Promise<number>((done, fail) => {
    const probe = net.createServer().once('error', fail);
    probe.listen(0, '127.0.0.1', () => {
      const { port: free } = probe.address() as net.AddressInfo;
      probe.close(() => done(free));
    });
  });
  const servers = backends.map((b) => `server 127.0.0.1:${b.running.port};`).join(' ');
  const conf = fs.readFileSync(TEMPLATE, 'utf8').replaceAll('{{PREFIX}}', prefix).replaceAll('{{LISTEN_PORT}}', String(port));
  fs.writeFileSync(path.join(prefix, 'nginx.conf'), conf.replaceAll('{{BACKENDS}}', servers));
  const child = spawn(NGINX, ['-p', prefix, '-c', path.join(prefix, 'nginx.conf'), '-g', 'daemon off;'], { stdio: ['ignore', 'pipe', 'pipe'] });
  nginxes.push(child);
  let out = '';
  for (const s of [child.stdout, child.stderr]) s?.on('data', (c: Buffer) => (out += c.toString()));
  const proxy: Proxy = {
    target: `127.0.0.1:${port}`,
    log: (name) => (fs.existsSync(path.join(prefix, name)) ? fs.readFileSync(path.join(prefix, name), 'utf8') : ''),
  };
  await waitFor(
    async () => {
      if (child.exitCode !== null) throw new Error(`nginx exited with ${child.exitCode}: ${out}${proxy.log('error.log')}`);
      return new Promise<true | undefined>((r) => {
        const socket = net.connect(port, '127.0.0.1', () => (socket.destroy(), r(true))).once('error', () => r(undefined));
      });
    },
    () => `nginx did not listen on ${proxy.target} within 5 s: ${out}${proxy.log('error.log')}`,
  );
  return proxy;
}

/** SIGTERM (nginx's fast shutdown), SIGKILL after 3 s. */
async function stopNginx(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
  await new Promise((r) => child.once('exit', r).kill('SIGTERM'));
  clearTimeout(timer);
}

function runProgram(args: string[]): Promise<{ code: number | null; out: string }> {
  if (!fs.existsSync(PROGRAM)) throw new Error(`${PROGRAM} is missing: run \`npm run build\` first (\`npm test\` builds it)`);
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [PROGRAM, ...args], { env: { PATH: process.env['PATH'] ?? '' } });
    let out = '';
    for (const s of [child.stdout, child.stderr]) s.on('data', (c: Buffer) => (out += c.toString()));
    const timer = setTimeout(() => (child.kill('SIGKILL'), fail(new Error(`the client program did not finish in 15 s:\n${out}`))), 15000);
    child.on('exit', (code) => (clearTimeout(timer), done({ code, out })));
  });
}

/** The call's RpcError, or undefined if it succeeded. */
const failure = (call: Promise<unknown>) =>
  call.then(
    () => undefined,
    (e: unknown) => RpcError.from(e),
  );
const expectCancelled = async (call: Promise<unknown>) => expect((await failure(call))?.code).toBe(Code.CANCELLED);

describe('orders behind nginx (deploy/nginx/grpc-proxy.conf.template)', () => {
  let fast: Backend[] = [];
  let slow: Backend[] = [];
  const clients: StandaloneClient<typeof OrderManagement>[] = [];
  let orders: Client<typeof OrderManagement>;
  let slowOrders: Client<typeof OrderManagement>;
  let proxy: Proxy;
  let slowProxy: Proxy;
  const callsOf = (backends: Backend[], method: string) => backends.flatMap((b) => b.calls.filter((c) => c.method === method));

  beforeAll(async () => {
    checkNginx();
    fast = await Promise.all([startBackend(), startBackend()]);
    // 3 s: longer than the 300 ms deadline below and the 2 s deadline of the client program.
    slow = await Promise.all([0, 1].map(() => startBackend({ ORDERS_ADD_ORDER_DELAY_MS: '3000' })));
    [proxy, slowProxy] = await Promise.all([startNginx(fast), startNginx(slow)]);
    const client = (target: string) => {
      const made = createClient(OrderManagement, { target: `dns:///${target}`, compression: 'gzip', deadlineMs: 5000 });
      clients.push(made);
      return made;
    };
    orders = client(proxy.target);
    slowOrders = client(slowProxy.target);
  }, 20000);

  afterAll(async () => {
    for (const client of clients) client.close();
    await Promise.allSettled(nginxes.map(stopNginx));
    await Promise.allSettled([...fast, ...slow].map((b) => b.running.shutdown(0)));
  });

  it('passes unary calls with headers, trailers and -bin metadata both ways', async () => {
    let headers: grpc.Metadata | undefined;
    let trailers: grpc.Metadata | undefined;
    const trace = Buffer.from([0x00, 0xca, 0xfe, 0xff]);
    const reply = await orders.addOrder(
      { id: 'ng-1', items: ['Pen'], destination: 'Paris', price: 3 },
      { metadata: { 'x-client': 'nginx-test', 'x-trace-bin': trace }, onHeader: (md) => (headers = md), onTrailer: (md) => (trailers = md) },
    );
    expect(reply).toEqual({ value: 'Order Added: ng-1' });
    expect(headers?.get('location')).toEqual(['San Jose']);
    expect(trailers?.get('orders-stored')[0]).toMatch(/^\d+$/);
    const seen = callsOf(fast, 'addOrder').find((c) => c.metadata.get('x-client')[0] === 'nginx-test');
    expect(seen?.metadata.get('x-trace-bin')).toEqual([trace]);
    expect(seen?.metadata.get('x-forwarded-for')).toEqual(['127.0.0.1']);
    // Seeded on every backend, so it does not matter which one answers.
    expect(await orders.getOrder({ value: '106' })).toMatchObject({ id: '106', items: ['Amazon Echo', 'Apple iPhone XS'], price: 300 });
  });

  it('streams searchOrders, updateOrders and processOrders through the proxy', async () => {
    const found: string[] = [];
    for await (const order of orders.searchOrders({ value: 'Google' })) found.push(order.id);
    expect(found).toEqual(['102', '104']);
    const update = orders.updateOrders();
    for (const id of ['ng-2', 'ng-3', 'ng-4']) await update.write({ id, items: ['Lamp'], destination: 'Oslo', price: 1 });
    update.end();
    expect(await update.response).toEqual({ value: 'Orders processed ng-2, ng-3, ng-4' });
    const bidi = orders.processOrders();
    for (const id of ['102', '103', '104', '105', '106']) await bidi.write({ value: id });
    bidi.end();
    const shipments: [string, string[]][] = [];
    for await (const s of bidi) shipments.push([s.id, s.ordersList.map((o) => o.id)]);
    const [mv, sj] = ['cmb - Mountain View, CA', 'cmb - San Jose, CA'];
    expect(shipments).toEqual([
      [mv, ['102', '104']],
      [sj, ['103']],
      [sj, ['105']],
      [mv, ['106']],
    ]);
  });

  it('returns INVALID_ARGUMENT with its BadRequest detail through the proxy', async () => {
    const error = await failure(orders.addOrder({ id: '-1', description: 'x' }));
    expect(error?.code).toBe(Code.INVALID_ARGUMENT);
    expect(error?.rawMessage).toBe('Invalid information received');
    expect(error?.findDetail(BadRequest)?.field_violations?.[0]).toMatchObject({ field: 'ID', description: 'Order ID received is not valid -1 : x' });
  });

  it('carries the deadline to the backend as grpc-timeout and ends with DEADLINE_EXCEEDED', async () => {
    const started = Date.now();
    const error = await failure(slowOrders.addOrder({ id: 'ng-slow' }, { deadlineMs: 300 }));
    expect(error && codeName(error.code)).toBe('DEADLINE_EXCEEDED');
    expect(Date.now() - started).toBeLessThan(1500);
    const [seen] = callsOf(slow, 'addOrder');
    expect(seen?.msLeft).toBeGreaterThan(0);
    expect(seen?.msLeft).toBeLessThanOrEqual(300);
    // The backend stops too (its own deadline timer, or nginx closing the upstream stream), long before its 3 s delay.
    const ends = await waitFor(
      () => (slow.some((b) => b.ends.length > 0) ? slow.flatMap((b) => b.ends) : undefined),
      () => 'no slow backend ended the call',
      2000,
    );
    expect(ends).toEqual([expect.stringMatching(/^addOrder (DEADLINE_EXCEEDED|CANCELLED)$/)]);
  });

  it('spreads the calls of one client connection over both backends', async () => {
    const before = fast.map((b) => b.calls.length);
    // nginx picks the backend per request (round robin) and only then looks for an idle
    // keepalive connection to it, so calls on one client connection alternate between backends.
    for (let i = 0; i < 20; i++) await orders.getOrder({ value: '105' });
    const got = fast.map((b, i) => b.calls.length - before[i]!);
    expect(got[0]! + got[1]!).toBe(20);
    expect(got.every((n) => n >= 1)).toBe(true);
  });

  it('lets the backend see CANCELLED when the client cancels a stream mid-way through the proxy', async () => {
    const before = fast.map((b) => b.ends.length);
    for (let round = 0; round < 3; round++) {
      const seen = callsOf(fast, 'updateOrders').length;
      const stopUpdate = new AbortController();
      const update = orders.updateOrders({ signal: stopUpdate.signal });
      await update.write({ id: `ng-c${round}`, items: ['Lamp'] });
      await waitFor(
        () => (callsOf(fast, 'updateOrders').length > seen ? true : undefined),
        () => 'updateOrders never reached a backend',
      );
      await sleep(50);
      stopUpdate.abort();
      await expectCancelled(update.response);
      const stopBidi = new AbortController();
      const bidi = orders.processOrders({ signal: stopBidi.signal });
      for (const id of ['102', '103', '104', '105']) await bidi.write({ value: id });
      await expectCancelled(
        (async () => {
          for await (const _ of bidi) stopBidi.abort(); // after the first shipment
        })(),
      );
    }
    const ends = () => fast.flatMap((b, i) => b.ends.slice(before[i]));
    await waitFor(
      () => (ends().length >= 6 ? true : undefined),
      () => `the backends ended ${ends().length} of 6 cancelled calls`,
    );
    expect(ends().sort()).toEqual([...Array(3).fill('processOrders CANCELLED'), ...Array(3).fill('updateOrders CANCELLED')]);
  });

  it('yields nothing more once the caller aborts, even with responses already buffered', async () => {
    const stop = new AbortController();
    const bidi = orders.processOrders({ signal: stop.signal });
    for (const id of ['102', '103', '104']) await bidi.write({ value: id }); // two shipments come back
    await sleep(100);
    const received: string[] = [];
    await expectCancelled(
      (async () => {
        for await (const s of bidi) {
          received.push(s.id);
          stop.abort();
        }
      })(),
    );
    expect(received).toEqual(['cmb - Mountain View, CA']);
  });

  it('runs the orders client program through nginx and exits 0', async () => {
    // Backends keep orders in memory each: the program's addOrder 101 (call 1) and its processOrders
    // of 101 (call 5) must meet on one backend, which strict round robin over two gives them.
    const { code, out } = await runProgram(['--target', proxy.target, '--slow-target', slowProxy.target]);
    expect(`${out}\n${proxy.log('access.log')}`).not.toContain('✗');
    expect(out.match(/^✓ /gm)).toHaveLength(9);
    expect(out).toContain('field violation: ID: Order ID received is not valid -1');
    expect(out).toContain(`channel dns:///${proxy.target} carries orders + greeter`);
    expect(code).toBe(0);
  });
});

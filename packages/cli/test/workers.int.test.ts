import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as http2 from 'node:http2';
import * as os from 'node:os';
import * as path from 'node:path';
import { grpcFrame, until } from '@switchboard/test-support';
import { ROOT } from './serve-process';

const BIN = path.join(ROOT, 'packages/cli/dist/bin.js');
/** helloworld.HelloRequest { name: "w" } */
const HELLO = grpcFrame(Buffer.from([0x0a, 0x01, 0x77]));
/** ecommerce.Order { id: "7" } */
const ORDER = grpcFrame(Buffer.from([0x0a, 0x01, 0x37]));
/** grpc.health.v1.HealthCheckRequest {} */
const HEALTH = grpcFrame(Buffer.alloc(0));
const NOT_SERVING = grpcFrame(Buffer.from([0x08, 0x02]));

interface LogLine {
  readonly msg: string;
  readonly primary?: boolean;
  readonly worker?: number;
  readonly pid?: number;
  readonly workerPid?: number;
  readonly peer?: string;
  readonly [key: string]: unknown;
}

/** A `switchboard start` with `server.workers` above 1: the primary and what it printed. */
interface Deployment {
  readonly child: ChildProcess;
  readonly port: number;
  readonly exited: Promise<number | null>;
  out(): string;
  lines(): LogLine[];
}

const running: ChildProcess[] = [];

/** Runs `switchboard start` on the orders and greeter apps with `config` as `--config FILE`; resolves once every worker listens, or once it exits. */
function start(config: object, env: Record<string, string> = {}): { deployment: Promise<Deployment>; exited: Promise<number | null>; out(): string } {
  if (!fs.existsSync(BIN)) throw new Error(`${BIN} is missing: run \`npx turbo run build\` first (\`npm test\` builds it)`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sb-workers-'));
  const file = path.join(dir, 'deploy.json');
  fs.writeFileSync(file, JSON.stringify(config));
  const child = spawn(process.execPath, [BIN, 'start', path.join(ROOT, 'apps/orders'), path.join(ROOT, 'apps/greeter'), '--config', file], {
    cwd: dir,
    env: { PATH: process.env['PATH'] ?? '', ...env },
  });
  running.push(child);
  let out = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr.on('data', (c: Buffer) => (out += c.toString()));
  // 'close', not 'exit': every line the primary and its workers wrote has been read by then.
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  const lines = (): LogLine[] =>
    out
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as LogLine);
  const deployment = new Promise<Deployment>((resolve, reject) => {
    child.stdout.on('data', () => {
      const ready = lines().find((l) => l.msg === 'workers listening');
      // Each process logs asynchronously (pino), so a worker's own 'listening' line may come after the primary's.
      const workers = Number(lines().find((l) => l.msg === 'starting workers')?.['workers']);
      if (ready && lines().filter((l) => l.msg === 'listening' && l.worker !== undefined).length >= workers)
        resolve({ child, port: Number(String(ready['address']).split(':')[1]), exited, out: () => out, lines });
    });
    void exited.then((code) => reject(new Error(`exited ${code} before every worker listened:\n${out}`)));
  });
  // A test of a start that must fail awaits `exited` only.
  void deployment.catch(() => undefined);
  return { deployment, exited, out: () => out };
}

const serve = (workers: number | string, extra: object = {}, env: Record<string, string> = {}): Promise<Deployment> =>
  start({ server: { port: 0, workers }, log: { access: { enabled: true } }, ...extra }, env).deployment;

afterEach(() => {
  for (const child of running.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
});

/** One HTTP/2 connection: a client of its own, as a separate pod or process would be. */
async function connect(port: number): Promise<http2.ClientHttp2Session> {
  const session = http2.connect(`http://127.0.0.1:${port}`);
  session.on('error', () => undefined);
  await new Promise((resolve) => session.once('connect', resolve));
  return session;
}

/** A call on `session`; `sent` resolves once the server has the whole request (a PING sent after it is answered). */
function call(session: http2.ClientHttp2Session, method: string, body: Buffer) {
  const stream = session.request({ ':method': 'POST', ':path': method, 'content-type': 'application/grpc', te: 'trailers' });
  stream.end(body);
  const response = new Promise<{ status: number; message: string; body: Buffer }>((resolve, reject) => {
    let status: http2.IncomingHttpHeaders = {};
    const chunks: Buffer[] = [];
    stream.on('response', (h) => (status = h));
    stream.on('trailers', (t) => (status = t));
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('error', reject);
    stream.on('close', () =>
      resolve({ status: Number(status['grpc-status']), message: decodeURIComponent(String(status['grpc-message'] ?? '')), body: Buffer.concat(chunks) }),
    );
  });
  const sent = new Promise<void>((resolve, reject) => session.ping((error) => (error ? reject(error) : resolve())));
  return { response, sent };
}

/** Says SayHello on `session` and returns the worker that answered, from its access log line (matched by the connection's port). */
async function helloFrom(d: Deployment, session: http2.ClientHttp2Session): Promise<number> {
  const { response } = call(session, '/helloworld.Greeter/SayHello', HELLO);
  expect((await response).status).toBe(0);
  const peer = `:${session.socket.localPort}`;
  let worker: number | undefined;
  await until(() => (worker = d.lines().find((l) => l.msg === 'call' && l.peer?.endsWith(peer))?.worker) !== undefined, 5000, `access log of ${peer}`);
  return worker!;
}

/** Connections until each worker in `workers` has at least one, keyed by worker. */
async function connectionsTo(d: Deployment, workers: readonly number[]): Promise<Map<number, http2.ClientHttp2Session>> {
  const byWorker = new Map<number, http2.ClientHttp2Session>();
  for (let i = 0; i < 20 && workers.some((w) => !byWorker.has(w)); i++) {
    const session = await connect(d.port);
    const worker = await helloFrom(d, session);
    if (byWorker.has(worker)) session.close();
    else byWorker.set(worker, session);
  }
  expect([...byWorker.keys()].sort()).toEqual([...workers].sort());
  return byWorker;
}

const listeningWorkers = (d: Deployment): LogLine[] => d.lines().filter((l) => l.msg === 'listening' && l.worker !== undefined);

describe('server.workers: 2', () => {
  it('spreads the connections over both workers, each answering the calls on its own', async () => {
    const d = await serve(2);
    const sessions = await Promise.all(Array.from({ length: 6 }, () => connect(d.port)));
    const workers = await Promise.all(sessions.map((s) => helloFrom(d, s)));
    expect(new Set(workers)).toEqual(new Set([1, 2]));
    // Each answering worker logged its lines with its own pid: one process per worker.
    const pids = new Set(listeningWorkers(d).map((l) => l.pid));
    expect(pids.size).toBe(2);
    expect(pids.has(d.child.pid)).toBe(false);
    for (const s of sessions) s.close();
  });

  it('replaces a worker killed with SIGKILL, logging it, while calls on the other connections go on', async () => {
    const d = await serve(2);
    const byWorker = await connectionsTo(d, [1, 2]);
    const victim = listeningWorkers(d).find((l) => l.worker === 1)!;
    process.kill(victim.pid!, 'SIGKILL');
    await until(() => d.lines().some((l) => l.msg === 'worker exited unexpectedly' && l.worker === 1 && l.signal === 'SIGKILL'), 5000, 'the death logged');
    // The other worker's connection is untouched.
    expect(await helloFrom(d, byWorker.get(2)!)).toBe(2);
    await until(() => listeningWorkers(d).some((l) => l.worker === 3), 10000, 'a replacement worker listening');
    expect(d.lines().some((l) => l.msg === 'worker started' && l.worker === 3 && l.primary === true)).toBe(true);
    const fresh = await connectionsTo(d, [2, 3]);
    for (const s of [...byWorker.values(), ...fresh.values()]) s.close();
    d.child.kill('SIGTERM');
    expect(await d.exited).toBe(0);
  });

  it('drains calls in flight on both workers on SIGTERM, answering health NOT_SERVING from each meanwhile, and exits 0', async () => {
    const d = await serve(2, {}, { ORDERS_ADD_ORDER_DELAY_MS: '3000' });
    const byWorker = await connectionsTo(d, [1, 2]);
    const calls = [...byWorker.values()].map((s) => call(s, '/ecommerce.OrderManagement/addOrder', ORDER));
    await Promise.all(calls.map((c) => c.sent));
    d.child.kill('SIGTERM');
    await until(() => d.lines().filter((l) => l.msg === 'shutting down' && l.worker !== undefined).length === 2, 5000, 'both workers shutting down');
    for (const session of byWorker.values()) {
      const health = await call(session, '/grpc.health.v1.Health/Check', HEALTH).response;
      expect(health.status).toBe(0);
      expect(health.body).toEqual(NOT_SERVING);
    }
    for (const c of calls) expect((await c.response).status).toBe(0);
    expect(await d.exited).toBe(0);
    expect(d.lines().filter((l) => l.msg === 'shutting down' && l.inFlight === 1)).toHaveLength(2);
    expect(d.lines().some((l) => l.msg === 'all workers stopped' && l.exitCode === 0)).toBe(true);
  });

  it('ends calls in flight on every worker with UNAVAILABLE on a second SIGTERM and exits 1', async () => {
    const d = await serve(2, {}, { ORDERS_ADD_ORDER_DELAY_MS: '60000' });
    const byWorker = await connectionsTo(d, [1, 2]);
    const calls = [...byWorker.values()].map((s) => call(s, '/ecommerce.OrderManagement/addOrder', ORDER));
    await Promise.all(calls.map((c) => c.sent));
    d.child.kill('SIGTERM');
    await until(() => d.lines().filter((l) => l.msg === 'shutting down' && l.worker !== undefined).length === 2, 5000, 'both workers shutting down');
    d.child.kill('SIGTERM');
    for (const c of calls) expect(await c.response).toMatchObject({ status: 14, message: 'the server is shutting down' });
    expect(await d.exited).toBe(1);
    expect(d.lines().filter((l) => l.msg === 'second signal: stopping now; calls in flight end with UNAVAILABLE')).toHaveLength(2);
  });

  it('drains a worker sent SIGTERM itself through runMain, and the primary replaces it', async () => {
    const d = await serve(2, {}, { ORDERS_ADD_ORDER_DELAY_MS: '1000' });
    const byWorker = await connectionsTo(d, [1, 2]);
    const inFlight = call(byWorker.get(1)!, '/ecommerce.OrderManagement/addOrder', ORDER);
    await inFlight.sent;
    process.kill(listeningWorkers(d).find((l) => l.worker === 1)!.pid!, 'SIGTERM');
    expect((await inFlight.response).status).toBe(0);
    await until(() => listeningWorkers(d).some((l) => l.worker === 3), 10000, 'a replacement worker listening');
    expect(d.lines().some((l) => l.msg === 'shutting down' && l.worker === 1 && l.inFlight === 1)).toBe(true);
    expect(d.lines().find((l) => l.msg === 'worker exited unexpectedly')).toMatchObject({ worker: 1, code: 0 });
    expect(d.lines().some((l) => l.msg === 'shutting down' && l.worker === 2)).toBe(false);
    for (const s of byWorker.values()) s.close();
    d.child.kill('SIGTERM');
    expect(await d.exited).toBe(0);
  });

  it('serves the metrics of both workers summed, from the primary, on the one metrics port', async () => {
    const d = await serve(2, { metrics: { enabled: true, port: 0 } });
    const byWorker = await connectionsTo(d, [1, 2]);
    const calls = d.lines().filter((l) => l.msg === 'call' && l['method'] === '/helloworld.Greeter/SayHello').length;
    const metricsPort = Number(d.lines().find((l) => l.msg === 'workers listening')?.['metricsPort']);
    const text = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
    const handled = text
      .split('\n')
      .find((l) => l.startsWith('grpc_server_handled_total{') && l.includes('grpc_method="SayHello"') && l.includes('grpc_code="OK"'));
    expect(Number(handled?.split(' ').at(-1))).toBe(calls);
    expect(d.lines().filter((l) => l.msg === 'listening')).toHaveLength(2);
    for (const s of byWorker.values()) s.close();
  });

  it('gives up with exit 1 when workers keep dying (5 within a minute), stopping the rest', async () => {
    const d = await serve(2);
    for (let killed = 0; killed < 5; killed++) {
      await until(() => listeningWorkers(d).length === 2 + killed, 10000, `worker ${killed + 3} listening`);
      process.kill(listeningWorkers(d).at(-1)!.pid!, 'SIGKILL');
    }
    expect(await d.exited).toBe(1);
    expect(d.lines().some((l) => l.msg === 'workers keep exiting; giving up' && l.deaths === 5)).toBe(true);
    expect(listeningWorkers(d)).toHaveLength(6);
  });

  it('leaves no worker running when the primary is killed with SIGKILL', async () => {
    const d = await serve(2);
    const pids = listeningWorkers(d).map((l) => l.pid!);
    d.child.kill('SIGKILL');
    await until(() => pids.every((pid) => !isRunning(pid)), 5000, 'the workers gone');
  });
});

/** Whether `pid` is a live process (a zombie is not: it has exited, and waits for a parent that may never reap it). */
function isRunning(pid: number): boolean {
  try {
    return !/\) Z /.test(fs.readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

describe('runMain in a node:cluster worker that another primary forked (pm2 cluster mode)', () => {
  it('serves as one process does: no worker fields, no primary of its own', async () => {
    const script =
      "const cluster = require('node:cluster');" +
      `cluster.setupPrimary({ execArgv: [], exec: ${JSON.stringify(BIN)}, args: ['start', ${JSON.stringify(path.join(ROOT, 'apps/greeter'))}] });` +
      "cluster.fork({ PORT: '0', WORKERS: '2' });";
    const child = spawn(process.execPath, ['-e', script], { env: { PATH: process.env['PATH'] ?? '' } });
    running.push(child);
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (out += c.toString()));
    await until(() => out.includes('"msg":"listening"'), 10000, 'the worker listening');
    const listening = JSON.parse(out.split('\n').find((l) => l.includes('"msg":"listening"'))!) as LogLine;
    expect(listening.worker).toBeUndefined();
    expect(out).not.toContain('starting workers');
    child.kill('SIGKILL');
  });
});

describe('server.workers as configured', () => {
  it.each([
    [0, '0'],
    ['lots', '"lots"'],
  ])('refuses %p as a config error naming the key, the value and what is allowed, starting nothing', async (workers, shown) => {
    const s = start({ server: { port: 0, workers } });
    expect(await s.exited).toBe(1);
    expect(s.out()).toContain(`server.workers: must be a whole number of 1 or more, or "auto" (one worker per available core): value was ${shown}`);
    expect(s.out()).not.toContain('starting workers');
    expect(s.out()).not.toContain('listening');
  });

  it('starts one worker per available core for "auto"', async () => {
    const cores = os.availableParallelism();
    if (cores < 2) throw new Error(`this machine has ${cores} core: "auto" serves in one process here, and this test needs 2 cores or more`);
    const d = await serve('auto');
    expect(d.lines().find((l) => l.msg === 'starting workers')?.['workers']).toBe(os.availableParallelism());
    expect(listeningWorkers(d)).toHaveLength(os.availableParallelism());
    d.child.kill('SIGTERM');
    expect(await d.exited).toBe(0);
  });
});

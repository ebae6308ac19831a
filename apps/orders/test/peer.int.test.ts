import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { codeName, observe, RpcError } from '@switchboard/core';
import { startServer, type RunningServer } from '@switchboard/server';
import pino from 'pino';
import { type PeerFailure, type PeerMetadata, type PeerOutcome, runPeer } from '@switchboard/test-support';
import { greeterModule } from '@switchboard/app-greeter';
import { ordersModule } from '../src/index';

const REPO = path.resolve(__dirname, '../../..');
const ADD = '/ecommerce.OrderManagement/addOrder';
const PROCESS = '/ecommerce.OrderManagement/processOrders';

interface PeerOrder {
  id: string;
  items: string[];
  description: string;
  price: number;
  destination: string;
}

/** Orders and greeter on one server at 127.0.0.1:0, recording each call's final status by method path. */
class Served {
  readonly ends = new Map<string, string[]>();
  running!: RunningServer;

  static async start(options: { env?: Record<string, string>; fileConfig?: object } = {}): Promise<Served> {
    const served = new Served();
    const configDir = fs.mkdtempSync(path.join(os.tmpdir(), 'orders-peer-'));
    const argv: string[] = [];
    if (options.fileConfig !== undefined) {
      const file = path.join(configDir, 'peer.json');
      fs.writeFileSync(file, JSON.stringify(options.fileConfig));
      argv.push('--config', file);
    }
    const record = observe({
      onEnd: (call, error) => {
        const list = served.ends.get(call.method.path) ?? [];
        list.push(error === undefined ? 'OK' : codeName(RpcError.from(error).code));
        served.ends.set(call.method.path, list);
      },
    });
    served.running = await startServer({
      modules: [ordersModule, greeterModule],
      interceptors: [record],
      config: { argv, env: { PORT: '0', ...options.env }, configDir },
      logger: pino({ level: 'silent' }),
    });
    return served;
  }

  get target(): string {
    return `127.0.0.1:${this.running.port}`;
  }

  /** Waits until the server has ended `count` calls of `method`, then returns their statuses. */
  async endsOf(method: string, count = 1): Promise<string[]> {
    return waitFor(
      () => {
        const ends = this.ends.get(method) ?? [];
        return ends.length >= count ? ends : undefined;
      },
      () => `the server ended ${this.ends.get(method)?.length ?? 0} of ${count} calls of ${method}`,
    );
  }
}

/** Polls `find` until it returns a value; fails with `what()` after `ms`. */
async function waitFor<T>(find: () => T | undefined, what: () => string, ms = 5000): Promise<T> {
  const deadline = Date.now() + ms;
  for (let found = find(); ; found = find()) {
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error(what());
    await new Promise((r) => setTimeout(r, 10));
  }
}

const header = (metadata: PeerMetadata, key: string): string | undefined => metadata.find(([k]) => k === key)?.[1];

describe('a Switchboard server hosting orders and greeter, driven by the gRPC C-core peer', () => {
  let served: Served;
  beforeEach(async () => {
    served = await Served.start();
  });
  afterEach(() => served.running.shutdown(0));

  it('answers all four call kinds of OrderManagement and Greeter over one channel', async () => {
    const report = await runPeer<{
      addOrder: { value: string; headers: PeerMetadata };
      getOrder: PeerOrder;
      searchOrders: PeerOrder[];
      updateOrders: string;
      processOrders: { id: string; status: string; orderIds: string[] }[];
      sayHello: string;
    }>('all-call-kinds', served.target, {
      addOrder: { id: '101', items: ['iPhone XS', 'Mac Book Pro'], destination: 'San Jose, CA', price: 2300 },
      getOrder: '102',
      searchOrders: 'Google',
      updateOrders: [
        { id: '102', items: ['Google Pixel 3A', 'Google Pixel Book'], destination: 'Mountain View, CA', price: 1100 },
        { id: '103', items: ['Apple Watch S4', 'Mac Book Pro', 'iPad Pro'], destination: 'San Jose, CA', price: 2800 },
      ],
      processOrders: ['102', '103', '104', '105', '106'],
      sayHello: 'peer',
    });
    expect(report.addOrder.value).toBe('Order Added: 101');
    expect(header(report.addOrder.headers, 'location')).toBe('San Jose');
    expect(Date.parse(header(report.addOrder.headers, 'timestamp') ?? '')).not.toBeNaN();
    expect(report.getOrder).toEqual({
      id: '102',
      items: ['Google Pixel 3A', 'Mac Book Pro'],
      description: '',
      price: 1800,
      destination: 'Mountain View, CA',
    });
    expect(report.searchOrders.map((o) => o.id)).toEqual(['102', '104']);
    expect(report.updateOrders).toBe('Orders processed 102, 103');
    // A batch after every 3 ids, grouped by destination; the rest on half-close.
    expect(report.processOrders).toEqual([
      { id: 'cmb - Mountain View, CA', status: 'Processed!', orderIds: ['102', '104'] },
      { id: 'cmb - San Jose, CA', status: 'Processed!', orderIds: ['103'] },
      { id: 'cmb - San Jose, CA', status: 'Processed!', orderIds: ['105'] },
      { id: 'cmb - Mountain View, CA', status: 'Processed!', orderIds: ['106'] },
    ]);
    expect(report.sayHello).toBe('Hello peer');
  });

  it('sends INVALID_ARGUMENT with a BadRequest the peer decodes from grpc-status-details-bin', async () => {
    const outcome = await runPeer<PeerOutcome<string>>('add-order', served.target, { order: { id: '-1', description: 'bad' } });
    expect(outcome).toMatchObject({ ok: false, code: 'INVALID_ARGUMENT', details: 'Invalid information received' });
    const status = (outcome as PeerFailure).statusDetails;
    expect(status).toMatchObject({ code: 3, message: 'Invalid information received' });
    expect(status?.details).toEqual([
      {
        typeUrl: 'type.googleapis.com/google.rpc.BadRequest',
        fieldViolations: [{ field: 'ID', description: 'Order ID received is not valid -1 : bad' }],
      },
    ]);
  });

  it('answers NOT_FOUND for an order that does not exist', async () => {
    const outcome = await runPeer<PeerOutcome<PeerOrder>>('get-order', served.target, { id: '999' });
    expect(outcome).toMatchObject({ ok: false, code: 'NOT_FOUND', details: 'Order does not exist. : 999' });
  });

  it('lets the processOrders handler see CANCELLED when the peer cancels mid-stream', async () => {
    const report = await runPeer<{ first: { id: string; orderIds: string[] }; afterCancel: PeerOutcome<unknown> }>('process-then-cancel', served.target, {
      ids: ['102', '103', '104'],
    });
    expect(report.first).toMatchObject({ id: 'cmb - Mountain View, CA', orderIds: ['102', '104'] });
    expect(report.afterCancel).toMatchObject({ ok: false, code: 'CANCELLED' });
    expect(await served.endsOf(PROCESS)).toEqual(['CANCELLED']);
  });

  it('accepts gzip-compressed requests on unary and client-streaming calls', async () => {
    const description = 'gzip '.repeat(2000);
    const report = await runPeer<Record<'addOrder' | 'updateOrders' | 'getOrder', PeerOutcome<unknown>>>('gzip-calls', served.target, {
      order: { id: 'z1', items: ['Zip'], description, destination: 'Zurich' },
      updates: [
        { id: 'z2', description, destination: 'Zurich' },
        { id: 'z3', description, destination: 'Zurich' },
      ],
    });
    expect(report.addOrder).toMatchObject({ ok: true, value: 'Order Added: z1' });
    expect(report.updateOrders).toMatchObject({ ok: true, value: 'Orders processed z2, z3' });
    expect(report.getOrder).toMatchObject({ ok: true, value: { id: 'z1', description, destination: 'Zurich' } });
  });

  it('reports SERVING for the server and its services, NOT_FOUND for others', async () => {
    const report = await runPeer<Record<string, PeerOutcome<string>>>('health', served.target, {
      services: ['', 'ecommerce.OrderManagement', 'helloworld.Greeter', 'no.Such'],
    });
    expect(report['']).toMatchObject({ ok: true, value: 'SERVING' });
    expect(report['ecommerce.OrderManagement']).toMatchObject({ ok: true, value: 'SERVING' });
    expect(report['helloworld.Greeter']).toMatchObject({ ok: true, value: 'SERVING' });
    expect(report['no.Such']).toMatchObject({ ok: false, code: 'NOT_FOUND' });
  });

  it('lists services and returns file descriptors over reflection v1 and v1alpha', async () => {
    type Reflected = { services: string[]; files: { name: string; package: string; services: string[] }[]; errors: unknown[] };
    const report = await runPeer<Record<'v1' | 'v1alpha', PeerOutcome<Reflected>>>('reflection', served.target, {
      symbol: 'ecommerce.OrderManagement',
    });
    for (const version of ['v1', 'v1alpha'] as const) {
      const outcome = report[version];
      expect(outcome.ok).toBe(true);
      const reflected = (outcome as { value: Reflected }).value;
      expect(reflected.services).toEqual(expect.arrayContaining(['ecommerce.OrderManagement', 'helloworld.Greeter']));
      expect(reflected.errors).toEqual([]);
      expect(reflected.files).toContainEqual(expect.objectContaining({ package: 'ecommerce', services: ['OrderManagement'] }));
    }
  });

  it('answers UNIMPLEMENTED for an unknown method and an unknown service', async () => {
    const report = await runPeer<Record<string, PeerOutcome<string>>>('unimplemented', served.target, {
      paths: ['/ecommerce.OrderManagement/nope', '/no.Such/Call'],
    });
    expect(report['/ecommerce.OrderManagement/nope']).toMatchObject({ ok: false, code: 'UNIMPLEMENTED' });
    expect(report['/no.Such/Call']).toMatchObject({ ok: false, code: 'UNIMPLEMENTED' });
  });

  it('rejects request bytes that are not an Order without running the handler, and keeps serving', async () => {
    const report = await runPeer<{ malformed: PeerOutcome<string>; next: PeerOutcome<PeerOrder> }>('malformed-request', served.target, {
      hex: 'ffffff',
      nextId: '103',
    });
    expect(report.malformed).toMatchObject({ ok: false, code: 'INTERNAL' });
    expect(report.next).toMatchObject({ ok: true, value: { id: '103' } });
    expect(served.ends.get(ADD)).toBeUndefined();
  });
});

describe('a server whose addOrder takes 2 s', () => {
  let served: Served;
  beforeAll(async () => {
    served = await Served.start({ env: { ORDERS_ADD_ORDER_DELAY_MS: '2000' } });
  });
  afterAll(() => served.running.shutdown(0));

  it('ends a peer call with a 0.3 s deadline with DEADLINE_EXCEEDED well before 2 s, and tells the handler', async () => {
    const outcome = await runPeer<PeerOutcome<string>>('add-order', served.target, { order: { id: 'slow' }, timeout: 0.3 });
    expect(outcome).toMatchObject({ ok: false, code: 'DEADLINE_EXCEEDED' });
    expect(outcome.ms).toBeGreaterThanOrEqual(250);
    expect(outcome.ms).toBeLessThan(1000);
    expect(await served.endsOf(ADD)).toEqual(['DEADLINE_EXCEEDED']);
  });
});

describe('a server configured with a 1 KiB receive limit', () => {
  let served: Served;
  beforeAll(async () => {
    served = await Served.start({ fileConfig: { server: { maxReceiveMessageBytes: 1024 } } });
  });
  afterAll(() => served.running.shutdown(0));

  it('refuses a 4 KiB Order with RESOURCE_EXHAUSTED and still takes a small one', async () => {
    type Added = { value: string; bytes: number };
    const report = await runPeer<Record<'big' | 'small', PeerOutcome<Added>>>('oversize', served.target, { bigBytes: 4096, smallBytes: 100 });
    expect(report.big).toMatchObject({ ok: false, code: 'RESOURCE_EXHAUSTED' });
    expect(report.small).toMatchObject({ ok: true, value: { value: 'Order Added: small' } });
    expect((report.small as { value: Added }).value.bytes).toBeLessThan(1024);
    expect(served.ends.get(ADD)).toEqual(['OK']);
  });
});

describe('the switchboard CLI process stopped with SIGTERM', () => {
  const bin = path.join(REPO, 'packages/cli/dist/bin.js');
  let child: ChildProcess | undefined;
  afterEach(() => {
    if (child !== undefined && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });

  it('finishes the call in flight, refuses new calls and exits 0', async () => {
    for (const built of [bin, path.join(REPO, 'apps/orders/dist/index.js'), path.join(REPO, 'apps/greeter/dist/index.js')]) {
      if (!fs.existsSync(built)) throw new Error(`${built} is missing: build first with \`npx turbo run build\` (turbo's test task depends on build)`);
    }
    const proc = spawn(process.execPath, [bin, 'start', './apps/orders', './apps/greeter'], {
      cwd: REPO,
      env: { ...process.env, PORT: '0', ORDERS_ADD_ORDER_DELAY_MS: '1500', SHUTDOWN_GRACE_MS: '5000', LOG_LEVEL: 'info' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child = proc;
    const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
    const logs: Record<string, unknown>[] = [];
    let output = '';
    let pending = '';
    proc.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    proc.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      output += chunk;
      const texts = (pending + chunk).split('\n');
      pending = texts.pop() ?? '';
      for (const text of texts.filter((l) => l.startsWith('{'))) logs.push(JSON.parse(text) as Record<string, unknown>);
    });
    const logLine = (msg: string): Promise<Record<string, unknown>> =>
      waitFor(
        () => logs.find((l) => l['msg'] === msg),
        () => `no '${msg}' log line; output:\n${output}`,
      );

    const address = String((await logLine('listening'))['address']);
    let signalled = false;
    const report = await runPeer<{ inFlight: PeerOutcome<string>; after: Record<'sameChannel' | 'newChannel', PeerOutcome<unknown>> }>(
      'shutdown-in-flight',
      address,
      { order: { id: 'during-shutdown', destination: 'Somewhere' }, nextId: '102' },
      {
        onEvent: (event, peer) => {
          if (event.event !== 'in-flight') return;
          setTimeout(() => {
            signalled = true;
            proc.kill('SIGTERM');
            void logLine('shutting down').then(
              () => peer.send('go'),
              () => peer.send('go'),
            );
          }, 300);
        },
      },
    );
    expect(signalled).toBe(true);
    expect(report.inFlight).toMatchObject({ ok: true, value: 'Order Added: during-shutdown' });
    expect(report.inFlight.ms).toBeGreaterThanOrEqual(1400); // it really ran across the signal
    expect(report.after.sameChannel).toMatchObject({ ok: false, code: 'UNAVAILABLE' });
    expect(report.after.newChannel).toMatchObject({ ok: false, code: 'UNAVAILABLE' });
    expect(await exited).toBe(0);
    expect(logs.find((l) => l['msg'] === 'shutting down')).toMatchObject({ inFlight: 1 });
  });
});

import type * as grpc from '@grpc/grpc-js';
import { BadRequest, Code, ErrorInfo, LocalizedMessage, RetryInfo, RpcError, resolve } from '@switchboard/core';
import type { RunningServer } from '@switchboard/server';
import {
  type CombinedShipment__Output,
  Greeter,
  Lab,
  type LastHop,
  OrderManagement,
  type PeerEvent,
  type PeerServer,
  startGoPeerServer,
  startPeerServer,
  type StartPeerServerOptions,
} from '@switchboard/test-support';
import { defineClient, type Client } from '../src/index';
import { caller, connect, hop } from './chain';

// Names used nowhere else in this file (nor by chain.ts: 'next', 'caller').
const ordersClient = defineClient('peer-orders', OrderManagement);
const greeterClient = defineClient('peer-greeter', Greeter);
const labClient = defineClient('peer-lab', Lab);

/**
 * Two independent servers of the same protos, speaking the same JSON events:
 * Debian's python3-grpcio (gRPC's C core) and grpc-go. Every test below runs
 * against each.
 */
const PEERS = [
  { name: 'python', label: 'the python server (gRPC C core)', lastHop: 'py', start: startPeerServer },
  { name: 'go', label: 'the grpc-go server', lastHop: 'go', start: startGoPeerServer },
] satisfies { name: string; label: string; lastHop: string; start: (options?: StartPeerServerOptions) => Promise<PeerServer> }[];

const SAMPLE = {
  '102': { id: '102', items: ['Google Pixel 3A', 'Mac Book Pro'], description: '', price: 1800, destination: 'Mountain View, CA' },
  '103': { id: '103', items: ['Apple Watch S4'], description: '', price: 400, destination: 'San Jose, CA' },
  '104': { id: '104', items: ['Google Home Mini', 'Google Nest Hub'], description: '', price: 400, destination: 'Mountain View, CA' },
  '105': { id: '105', items: ['Amazon Echo'], description: '', price: 30, destination: 'San Jose, CA' },
  '106': { id: '106', items: ['Amazon Echo', 'Apple iPhone XS'], description: '', price: 300, destination: 'Mountain View, CA' },
};

const ADD = '/ecommerce.OrderManagement/addOrder';
const GET = '/ecommerce.OrderManagement/getOrder';
const SEARCH = '/ecommerce.OrderManagement/searchOrders';
const SAY_HELLO = '/helloworld.Greeter/SayHello';
const FORWARD = '/switchboard.lab.Lab/Forward';

const failureOf = async (promise: Promise<unknown>): Promise<RpcError> => {
  const outcome = await promise.then(
    (value) => ({ value }),
    (error: unknown) => ({ error }),
  );
  if (!('error' in outcome)) throw new Error(`expected the call to fail, it returned ${JSON.stringify(outcome.value)}`);
  expect(outcome.error).toBeInstanceOf(RpcError);
  return outcome.error as RpcError;
};

const collect = async <T>(stream: AsyncIterable<T>): Promise<T[]> => {
  const out: T[] = [];
  for await (const item of stream) out.push(item);
  return out;
};

/** Sends `ids` to processOrders, half-closes, and reads the shipments until the call fails. */
const processUntilFailure = async (orders: Client<typeof OrderManagement>, ids: string[]) => {
  const process = orders.processOrders();
  for (const id of ids) await process.write({ value: id });
  process.end();
  const got: CombinedShipment__Output[] = [];
  const error = await failureOf(
    (async () => {
      for await (const s of process) got.push(s);
    })(),
  );
  return { got, error };
};

const shipments = (list: { id: string; status: string; ordersList: { id: string }[] }[]) => list.map((s) => [s.id, s.status, s.ordersList.map((o) => o.id)]);

const callsOf = (peer: PeerServer, method: string): PeerEvent[] => peer.events.filter((e) => e.event === 'call' && e['method'] === method);

const metaPairs = (event: PeerEvent): [string, string][] => event['metadata'] as [string, string][];

/**
 * Events travel on the peer process's stdout, responses over TCP: a reply
 * may arrive before the line reporting its call. Waits (3 s at most) until
 * `check` holds over the events seen so far.
 */
const settled = async (peer: PeerServer, check: () => boolean): Promise<void> => {
  if (!check()) await peer.waitFor(() => check(), 3000);
};

describe.each(PEERS)('our client against $label: orders, greeter, lab', ({ start, lastHop }) => {
  let peer: PeerServer;
  let closers: (() => void)[] = [];
  beforeEach(async () => {
    peer = await start();
  });
  afterEach(async () => {
    for (const close of closers) close();
    closers = [];
    await peer.close();
  });

  function clients(config: { orders?: object; greeter?: object; lab?: object } = {}) {
    const target = peer.target;
    const c = connect([ordersClient, greeterClient, labClient], {
      'peer-orders': { target, deadlineMs: 5000, ...config.orders },
      'peer-greeter': { target, deadlineMs: 5000, ...config.greeter },
      'peer-lab': { target, deadlineMs: 5000, ...config.lab },
    });
    closers.push(c.close);
    return {
      orders: resolve(c.container, ordersClient.token),
      greeter: resolve(c.container, greeterClient.token),
      lab: resolve(c.container, labClient.token),
      runtime: c.runtime,
    };
  }

  it('makes every kind of OrderManagement call and gets the book’s answers', async () => {
    const { orders } = clients();
    const order = { id: '107', items: ['Pixel 8', 'Nest Cam'], description: 'gift', price: 999.5, destination: 'Colombo, LK' };
    await expect(orders.addOrder(order)).resolves.toEqual({ value: 'Order Added: 107' });
    await expect(orders.getOrder({ value: '107' })).resolves.toEqual(order);
    await expect(orders.getOrder({ value: '102' })).resolves.toEqual(SAMPLE['102']);

    await expect(collect(orders.searchOrders({ value: 'Google' }))).resolves.toEqual([SAMPLE['102'], SAMPLE['104']]);
    await expect(collect(orders.searchOrders({ value: 'Amazon' }))).resolves.toEqual([SAMPLE['105'], SAMPLE['106']]);
    await expect(collect(orders.searchOrders({ value: 'Nest' }))).resolves.toEqual([SAMPLE['104'], order]);
    await expect(collect(orders.searchOrders({ value: 'Nokia' }))).resolves.toEqual([]);

    const update = orders.updateOrders();
    const updated103 = { ...SAMPLE['103'], items: ['Apple Watch S9'], price: 450 };
    for (const o of [{ ...SAMPLE['102'], description: 'updated' }, updated103, { ...order, destination: 'Kandy, LK' }]) await update.write(o);
    update.end();
    await expect(update.response).resolves.toEqual({ value: 'Orders processed 102, 103, 107' });
    await expect(orders.getOrder({ value: '103' })).resolves.toEqual(updated103);

    // Shipments come after every third id, before the stream is half-closed, then the rest at half-close.
    const process = orders.processOrders();
    const received = process[Symbol.asyncIterator]();
    for (const id of ['102', '103', '104']) await process.write({ value: id });
    const firstBatch = [(await received.next()).value, (await received.next()).value];
    expect(shipments(firstBatch)).toEqual([
      ['cmb - Mountain View, CA', 'Processed!', ['102', '104']],
      ['cmb - San Jose, CA', 'Processed!', ['103']],
    ]);
    expect(firstBatch[1].ordersList).toEqual([updated103]);
    for (const id of ['105', '106']) await process.write({ value: id });
    process.end();
    const rest = [];
    for (let r = await received.next(); !r.done; r = await received.next()) rest.push(r.value);
    expect(shipments(rest)).toEqual([
      ['cmb - San Jose, CA', 'Processed!', ['105']],
      ['cmb - Mountain View, CA', 'Processed!', ['106']],
    ]);
  });

  it('decodes INVALID_ARGUMENT with its google.rpc.BadRequest detail from grpc-status-details-bin', async () => {
    const { orders } = clients();
    const error = await failureOf(orders.addOrder({ id: '-1', description: 'no such order' }));
    expect(error.code).toBe(Code.INVALID_ARGUMENT);
    expect(error.rawMessage).toBe('Invalid information received');
    const badRequest = error.findDetail(BadRequest);
    expect(badRequest?.field_violations).toEqual([expect.objectContaining({ field: 'ID', description: 'Order ID received is not valid -1 : no such order' })]);
    expect(error.details).toHaveLength(1);
    expect(error.metadata.get('grpc-status-details-bin')).toHaveLength(1);
  });

  it('reports NOT_FOUND for an unknown id, on a unary call and inside processOrders', async () => {
    const { orders } = clients();
    const unary = await failureOf(orders.getOrder({ value: '999' }));
    expect([unary.code, unary.rawMessage]).toEqual([Code.NOT_FOUND, 'Order does not exist. : 999']);
    expect(unary.details).toEqual([]);

    const { got, error: streamError } = await processUntilFailure(orders, ['102', '998']);
    expect([streamError.code, streamError.rawMessage]).toEqual([Code.NOT_FOUND, 'Order does not exist. : 998']);
    expect(got).toEqual([]);
  });

  it('delivers the responses sent before an error status, then the error', async () => {
    const { orders } = clients();
    const { got, error } = await processUntilFailure(orders, ['102', '103', '104', '997']);
    expect([error.code, error.rawMessage]).toEqual([Code.NOT_FOUND, 'Order does not exist. : 997']);
    expect(shipments(got)).toEqual([
      ['cmb - Mountain View, CA', 'Processed!', ['102', '104']],
      ['cmb - San Jose, CA', 'Processed!', ['103']],
    ]);
  });

  it('sends metadata (text and -bin) and reads headers and trailers on a unary call and on a stream', async () => {
    const { orders } = clients();
    const blob = Buffer.from([0, 1, 2, 0x7f, 0x80, 0xff]);
    const metadata = { 'x-echo-text': 'hello peer', 'x-echo-blob-bin': blob };
    const seen: Record<string, { header?: grpc.Metadata; trailer?: grpc.Metadata }> = {};
    const opts = (kind: string) => ({
      metadata,
      onHeader: (h: grpc.Metadata) => ((seen[kind] ??= {}).header = h),
      onTrailer: (t: grpc.Metadata) => ((seen[kind] ??= {}).trailer = t),
    });
    const before = Date.now();
    await expect(orders.addOrder({ id: '108', destination: 'Galle, LK' }, opts('unary'))).resolves.toEqual({ value: 'Order Added: 108' });
    await expect(collect(orders.searchOrders({ value: 'Watch' }, opts('stream')))).resolves.toEqual([SAMPLE['103']]);
    await failureOf(orders.getOrder({ value: '404' }, opts('error')));

    const unary = seen['unary'];
    expect(unary?.header?.get('location')).toEqual(['San Jose']);
    const timestamp = Date.parse(String(unary?.header?.get('timestamp')[0]));
    expect(timestamp).toBeGreaterThanOrEqual(before - 1000);
    expect(timestamp).toBeLessThanOrEqual(Date.now() + 1000);
    expect(unary?.trailer?.get('order-id')).toEqual(['108']);
    for (const kind of ['unary', 'stream']) {
      expect(seen[kind]?.header?.get('x-echo-text')).toEqual(['hello peer']);
      expect(seen[kind]?.header?.get('x-echo-blob-bin')).toEqual([blob]);
      expect(seen[kind]?.trailer?.get('x-echo-text')).toEqual(['hello peer']);
      expect(seen[kind]?.trailer?.get('x-echo-blob-bin')).toEqual([blob]);
    }
    expect(seen['error']?.trailer?.get('x-echo-text')).toEqual(['hello peer']);
    expect(seen['error']?.trailer?.get('x-echo-blob-bin')).toEqual([blob]);

    // What the C core received, byte for byte.
    await settled(peer, () => [ADD, SEARCH, GET].every((m) => callsOf(peer, m).length > 0));
    for (const method of [ADD, SEARCH, GET]) {
      const [call] = callsOf(peer, method);
      expect(call).toBeDefined();
      expect(metaPairs(call!)).toEqual(
        expect.arrayContaining([
          ['x-echo-text', 'hello peer'],
          ['x-echo-blob-bin', blob.toString('hex')],
        ]),
      );
    }
  });

  it('shares one channel, hence one connection, between a Greeter and an OrderManagement stub', async () => {
    const target = peer.target;
    const c = connect([ordersClient, greeterClient], { 'peer-orders': { target }, 'peer-greeter': { target } });
    closers.push(c.close);
    expect(c.runtime.layout).toEqual([[`dns:///${target}`, ['peer-orders', 'peer-greeter']]]);
    const orders = resolve(c.container, ordersClient.token);
    const greeter = resolve(c.container, greeterClient.token);
    await expect(greeter.SayHello({ name: 'Switchboard' })).resolves.toEqual({ message: 'Hello Switchboard' });
    await expect(orders.getOrder({ value: '105' })).resolves.toEqual(SAMPLE['105']);
    await expect(greeter.SayHello({ name: 'again' })).resolves.toEqual({ message: 'Hello again' });
    await settled(peer, () => callsOf(peer, SAY_HELLO).length + callsOf(peer, GET).length >= 3);
    const peers = [...callsOf(peer, SAY_HELLO), ...callsOf(peer, GET)].map((e) => e['peer']);
    expect(peers).toHaveLength(3);
    // The C core writes ipv4:127.0.0.1:PORT, grpc-go 127.0.0.1:PORT.
    expect(peers[0]).toMatch(/^(ipv4:)?127\.0\.0\.1:\d+$/);
    expect(new Set(peers).size).toBe(1);
  });

  it('retries UNAVAILABLE as configured until Flaky succeeds, and never a code that is not retryable', async () => {
    const { lab } = clients({ lab: { retry: { maxAttempts: 3, initialBackoffMs: 10, maxBackoffMs: 50, codes: ['UNAVAILABLE'] } } });
    const attempts = (key: string) => peer.events.filter((e) => e.event === 'flaky' && e['key'] === key).map((e) => [e['attempt'], e['code']]);

    await expect(lab.Flaky({ key: 'twice', failures: 2, code: 'UNAVAILABLE' })).resolves.toEqual({ attempts: 3 });
    await settled(peer, () => attempts('twice').length >= 3);
    expect(attempts('twice')).toEqual([
      [1, 'UNAVAILABLE'],
      [2, 'UNAVAILABLE'],
      [3, 'OK'],
    ]);

    const exhausted = await failureOf(lab.Flaky({ key: 'five', failures: 5, code: 'UNAVAILABLE' }));
    expect([exhausted.code, exhausted.rawMessage]).toEqual([Code.UNAVAILABLE, 'failure 3 of 5']);
    await settled(peer, () => attempts('five').length >= 3);
    expect(attempts('five')).toHaveLength(3);

    const first = await failureOf(lab.Flaky({ key: 'invalid', failures: 2, code: 'INVALID_ARGUMENT' }));
    expect([first.code, first.rawMessage]).toEqual([Code.INVALID_ARGUMENT, 'failure 1 of 2']);
    const second = await failureOf(lab.Flaky({ key: 'invalid', failures: 2, code: 'INVALID_ARGUMENT' }));
    expect([second.code, second.rawMessage]).toEqual([Code.INVALID_ARGUMENT, 'failure 2 of 2']);
    await expect(lab.Flaky({ key: 'invalid', failures: 2, code: 'INVALID_ARGUMENT' })).resolves.toEqual({ attempts: 3 });
    await settled(peer, () => attempts('invalid').length >= 3);
    expect(attempts('invalid')).toEqual([
      [1, 'INVALID_ARGUMENT'],
      [2, 'INVALID_ARGUMENT'],
      [3, 'OK'],
    ]);
  });

  it('does not retry without a retry policy', async () => {
    const { lab } = clients();
    const error = await failureOf(lab.Flaky({ key: 'once', failures: 1, code: 'UNAVAILABLE' }));
    expect([error.code, error.rawMessage]).toEqual([Code.UNAVAILABLE, 'failure 1 of 1']);
    await expect(lab.Flaky({ key: 'once', failures: 1, code: 'UNAVAILABLE' })).resolves.toEqual({ attempts: 2 });
  });

  it('sends its deadline: the peer sees at most what the call was given', async () => {
    const { lab } = clients();
    await expect(lab.Forward({ id: 'direct' }, { deadlineMs: 800 })).resolves.toEqual({ remaining_ms: expect.any(Number), path: [lastHop] });
    const seen = await peer.waitFor((e) => e.event === 'forward' && e['id'] === 'direct');
    expect(seen['remaining_ms']).toBeLessThanOrEqual(800);
    expect(seen['remaining_ms']).toBeGreaterThan(600);
    await lab.Forward({ id: 'none' }, { deadlineMs: 0 });
    expect((await peer.waitFor((e) => e.event === 'forward' && e['id'] === 'none'))['remaining_ms']).toBe(-1);
  });
});

describe.each(PEERS)('our client against a slow addOrder on $label (--add-order-delay-ms 5000)', ({ start }) => {
  let peer: PeerServer;
  let close: (() => void) | undefined;
  beforeEach(async () => {
    peer = await start({ services: ['orders'], addOrderDelayMs: 5000 });
  });
  afterEach(async () => {
    close?.();
    close = undefined;
    await peer.close();
  });

  function orders() {
    const c = connect([ordersClient], { 'peer-orders': { target: peer.target } });
    close = c.close;
    return resolve(c.container, ordersClient.token);
  }

  it('ends the peer’s handler by the deadline the client set', async () => {
    const started = Date.now();
    const error = await failureOf(orders().addOrder({ id: 'slow-1' }, { deadlineMs: 300 }));
    expect(error.code).toBe(Code.DEADLINE_EXCEEDED);
    expect(Date.now() - started).toBeLessThan(1000);
    const ended = await peer.waitFor((e) => (e.event === 'deadline' || e.event === 'cancelled') && e['id'] === 'slow-1', 2000);
    expect(ended.event).toBe('deadline');
    expect(ended['at_ms'] as number).toBeGreaterThanOrEqual(started + 250);
    expect(ended['at_ms'] as number).toBeLessThan(started + 600);
    expect(peer.events.some((e) => e.event === 'order-added')).toBe(false);
  });

  it('cancels the peer’s handler when the signal aborts', async () => {
    const controller = new AbortController();
    const pending = failureOf(orders().addOrder({ id: 'slow-2' }, { signal: controller.signal }));
    await peer.waitFor((e) => e.event === 'call' && e['method'] === ADD);
    const abortedAt = Date.now();
    controller.abort();
    expect((await pending).code).toBe(Code.CANCELLED);
    const ended = await peer.waitFor((e) => (e.event === 'deadline' || e.event === 'cancelled') && e['id'] === 'slow-2', 2000);
    expect(ended.event).toBe('cancelled');
    expect(ended['remaining_ms']).toBe(-1);
    expect(ended['at_ms'] as number).toBeLessThan(abortedAt + 150);
  });
});

describe.each(PEERS)('deadlines and cancellation through a chain A → B → $name (our servers A and B)', ({ start, lastHop }) => {
  const seen = new Map<string, LastHop>();
  let peer: PeerServer | undefined;
  let servers: RunningServer[] = [];
  let a: ReturnType<typeof caller> | undefined;

  async function chain(bOverrides: object = {}): Promise<void> {
    const started = await start({ services: ['lab'] });
    peer = started;
    const b = await hop('B', seen, started.port, bOverrides);
    servers.push(b);
    const first = await hop('A', seen, b.port);
    servers.push(first);
    a = caller(first.port);
  }
  const endOf = (id: string) => peer!.waitFor((e) => (e.event === 'deadline' || e.event === 'cancelled') && e['id'] === id, 3000);

  afterEach(async () => {
    a?.close();
    a = undefined;
    for (const s of servers) await s.shutdown(0);
    servers = [];
    seen.clear();
    await peer?.close();
    peer = undefined;
  });

  it('gives the last hop the deadline the caller of A set, less the time spent', async () => {
    await chain();
    const reply = await a!.stub.Forward({ hops: 2, id: 'd1' }, { deadlineMs: 1000 });
    expect(reply.path).toEqual(['A', 'B', lastHop]);
    expect(reply.remaining_ms).toBeGreaterThan(700);
    expect(reply.remaining_ms).toBeLessThanOrEqual(1000);
    await settled(peer!, () => callsOf(peer!, FORWARD).length > 0);
    expect(callsOf(peer!, FORWARD)).toHaveLength(1);
  });

  it('ends the caller with DEADLINE_EXCEEDED before 1.5 s, and the last hop’s handler by the deadline', async () => {
    await chain();
    const started = Date.now();
    const error = await failureOf(a!.stub.Forward({ hops: 2, id: 'd2', sleep_ms: 10000 }, { deadlineMs: 1000 }));
    expect(error.code).toBe(Code.DEADLINE_EXCEEDED);
    expect(Date.now() - started).toBeLessThan(1500);
    const ended = await endOf('d2');
    expect(ended.event).toBe('deadline');
    expect(ended['at_ms'] as number).toBeGreaterThanOrEqual(started + 900);
    expect(ended['at_ms'] as number).toBeLessThan(started + 1200);
    expect(peer!.events.some((e) => e.event === 'forward-done' && e['id'] === 'd2')).toBe(false);
  });

  it('cancels the last hop’s handler within 150 ms of the caller aborting its signal', async () => {
    await chain();
    const controller = new AbortController();
    const call = failureOf(a!.stub.Forward({ hops: 2, id: 'c1', sleep_ms: 10000 }, { signal: controller.signal }));
    await peer!.waitFor((e) => e.event === 'forward' && e['id'] === 'c1');
    const cancelledAt = Date.now();
    controller.abort();
    expect((await call).code).toBe(Code.CANCELLED);
    const ended = await endOf('c1');
    expect(ended.event).toBe('cancelled');
    expect(ended['is_active']).toBe(false);
    expect(ended['at_ms'] as number).toBeLessThan(cancelledAt + 150);
  });

  it('lets B opt out with propagateDeadline: false: the last hop sees no deadline', async () => {
    await chain({ propagateDeadline: false });
    const reply = await a!.stub.Forward({ hops: 2, id: 'o1' }, { deadlineMs: 1000 });
    expect(reply).toEqual({ remaining_ms: -1, path: ['A', 'B', lastHop] });
    expect((await peer!.waitFor((e) => e.event === 'forward' && e['id'] === 'o1'))['remaining_ms']).toBe(-1);
  });
});

describe('gzip against the grpc-go server (which reports each request’s grpc-encoding)', () => {
  let peer: PeerServer;
  let close: (() => void) | undefined;
  beforeEach(async () => {
    peer = await startGoPeerServer({ services: ['orders'] });
  });
  afterEach(async () => {
    close?.();
    close = undefined;
    await peer.close();
  });

  const compressionOf = (method: string) => callsOf(peer, method).map((e) => e['compression']);

  it('sends every call kind gzip-compressed when the client says gzip, and reads the answers', async () => {
    const c = connect([ordersClient], { 'peer-orders': { target: peer.target, compression: 'gzip' } });
    close = c.close;
    const orders = resolve(c.container, ordersClient.token);
    const big = { id: '120', items: Array.from({ length: 200 }, (_, i) => `Item ${i}`), destination: 'Jaffna, LK', price: 1 };
    await expect(orders.addOrder(big)).resolves.toEqual({ value: 'Order Added: 120' });
    await expect(orders.getOrder({ value: '120' })).resolves.toEqual({ ...big, description: '' });
    await expect(collect(orders.searchOrders({ value: 'Item 199' }))).resolves.toHaveLength(1);
    const update = orders.updateOrders();
    await update.write(SAMPLE['105']);
    update.end();
    await expect(update.response).resolves.toEqual({ value: 'Orders processed 105' });
    const process = orders.processOrders();
    await process.write({ value: '120' });
    process.end();
    await expect(collect(process)).resolves.toHaveLength(1);

    const methods = [ADD, GET, SEARCH, '/ecommerce.OrderManagement/updateOrders', '/ecommerce.OrderManagement/processOrders'];
    await settled(peer, () => methods.every((m) => callsOf(peer, m).length > 0));
    for (const method of methods) expect([method, compressionOf(method)]).toEqual([method, ['gzip']]);
  });

  it('sends identity when compression is not configured', async () => {
    const c = connect([ordersClient], { 'peer-orders': { target: peer.target } });
    close = c.close;
    await resolve(c.container, ordersClient.token).getOrder({ value: '102' });
    await settled(peer, () => callsOf(peer, GET).length > 0);
    expect(compressionOf(GET)).toEqual(['']);
  });
});

describe('google.rpc details packed by grpc-go (status.WithDetails)', () => {
  it('decodes one of every standard detail type, every field, in order', async () => {
    const peer = await startGoPeerServer({ services: ['orders'] });
    const c = connect([ordersClient], { 'peer-orders': { target: peer.target } });
    try {
      const error = await failureOf(resolve(c.container, ordersClient.token).addOrder({ id: '-2' }));
      expect([error.code, error.rawMessage]).toEqual([Code.FAILED_PRECONDITION, 'Every detail type']);
      expect(error.details.map((d) => d.type)).toEqual(
        [
          'ErrorInfo',
          'RetryInfo',
          'DebugInfo',
          'QuotaFailure',
          'PreconditionFailure',
          'BadRequest',
          'RequestInfo',
          'ResourceInfo',
          'Help',
          'LocalizedMessage',
        ].map((name) => `google.rpc.${name}`),
      );
      expect(error.details.map((d) => d.value)).toMatchObject([
        { reason: 'STOCK_LOW', domain: 'orders.example.com', metadata: { item: 'Amazon Echo' } },
        { retry_delay: { seconds: 1, nanos: 500_000_000 } },
        { stack_entries: ['orders.go:1', 'main.go:2'], detail: 'stock check' },
        { violations: [{ subject: 'client:walkthrough', description: 'daily orders' }] },
        { violations: [{ type: 'STOCK', subject: 'Amazon Echo', description: 'none left' }] },
        { field_violations: [{ field: 'items[0]', description: 'out of stock' }] },
        { request_id: 'r-1', serving_data: 'go-peer' },
        { resource_type: 'order', resource_name: '-2', owner: 'orders', description: 'cannot be placed' },
        { links: [{ description: 'stock levels', url: 'https://orders.example.com/stock' }] },
        { locale: 'en-US', message: 'Out of stock' },
      ]);
      expect(error.findDetail(ErrorInfo)?.reason).toBe('STOCK_LOW');
      expect(error.findDetail(RetryInfo)?.retry_delay).toEqual({ seconds: 1, nanos: 500_000_000 });
      expect(error.findDetail(LocalizedMessage)?.message).toBe('Out of stock');
    } finally {
      c.close();
      await peer.close();
    }
  });
});

import { BadRequest, Code, RpcError } from '@switchboard/core';
import { startTestServer, type TestServer } from '@switchboard/testing';
import pino from 'pino';
import { OrderManagement, ordersModule, type OrdersConfig } from '../src/index';

type Line = Record<string, unknown>;
const lines: Line[] = [];
const watchers = new Set<{ match: (line: Line) => boolean; found: (line: Line) => void }>();
const logger = pino(
  { level: 'debug' },
  {
    write: (text: string) => {
      const line = JSON.parse(text) as Line;
      lines.push(line);
      for (const watcher of watchers) if (watcher.match(line)) watcher.found(line);
    },
  },
);

/** The next log line that `match`es, once it is written. */
function nextLine(match: (line: Line) => boolean): Promise<Line> {
  return new Promise((resolve) => {
    const watcher = {
      match,
      found: (line: Line) => {
        watchers.delete(watcher);
        resolve(line);
      },
    };
    watchers.add(watcher);
  });
}

function start(orders: Partial<OrdersConfig['orders']> = {}): Promise<TestServer> {
  return startTestServer({ modules: [ordersModule], config: { log: { access: { enabled: true } }, orders }, logger });
}

describe('the orders app', () => {
  let server: TestServer;
  afterEach(() => server.close());

  it('adds and gets an order, and logs each call with method, kind, status and duration', async () => {
    server = await start();
    const client = server.client(OrderManagement);
    expect(await client.addOrder({ id: '200', items: ['Pen'], destination: 'Paris', price: 3 })).toEqual({ value: 'Order Added: 200' });
    expect(await client.getOrder({ value: '200' })).toMatchObject({ id: '200', items: ['Pen'], destination: 'Paris', price: 3 });
    const logged = lines.filter((l) => l['msg'] === 'call').map((l) => [l['method'], l['kind'], l['status'], typeof l['ms']]);
    expect(logged).toEqual([
      ['/ecommerce.OrderManagement/addOrder', 'unary', 'OK', 'number'],
      ['/ecommerce.OrderManagement/getOrder', 'unary', 'OK', 'number'],
    ]);
  });

  it('rejects order -1 with INVALID_ARGUMENT and a BadRequest violation on ID', async () => {
    server = await start();
    const rpc = RpcError.from(
      await server
        .client(OrderManagement)
        .addOrder({ id: '-1', description: 'x' })
        .catch((e: unknown) => e),
    );
    expect(rpc.code).toBe(Code.INVALID_ARGUMENT);
    expect(rpc.rawMessage).toBe('Invalid information received');
    expect(rpc.findDetail(BadRequest)?.field_violations?.[0]).toMatchObject({ field: 'ID', description: 'Order ID received is not valid -1 : x' });
  });

  it('ends a slow addOrder with DEADLINE_EXCEEDED at the client deadline (the deadline demo)', async () => {
    server = await start({ addOrderDelayMs: 3000 });
    const logged = nextLine((l) => l['msg'] === 'call' && l['method'] === '/ecommerce.OrderManagement/addOrder');
    const started = Date.now();
    const error = RpcError.from(
      await server
        .client(OrderManagement)
        .addOrder({ id: '300' }, { deadlineMs: 200 })
        .catch((e: unknown) => e),
    );
    expect(error.code).toBe(Code.DEADLINE_EXCEEDED);
    expect(Date.now() - started).toBeLessThan(2000);
    expect(await logged).toMatchObject({ method: '/ecommerce.OrderManagement/addOrder', status: 'DEADLINE_EXCEEDED' });
    // The call leaves the server's count in the same turn as its log line, once the chain's promises have settled.
    await new Promise((resolve) => setImmediate(resolve));
    expect(server.running.server.callsInFlight).toBe(0);
  });

  it('groups processOrders by destination every three ids and logs each stream message', async () => {
    server = await start();
    const call = server.client(OrderManagement).processOrders();
    for (const id of ['102', '103', '104', '105', '106']) void call.write({ value: id });
    call.end();
    const shipments: { id: string; ordersList: { id: string }[] }[] = [];
    for await (const shipment of call) shipments.push(shipment);
    expect(shipments.map((s) => [s.id, s.ordersList.map((o) => o.id)])).toEqual([
      ['cmb - Mountain View, CA', ['102', '104']],
      ['cmb - San Jose, CA', ['103']],
      ['cmb - San Jose, CA', ['105']],
      ['cmb - Mountain View, CA', ['106']],
    ]);
    const streamed = lines.filter((l) => l['method'] === '/ecommerce.OrderManagement/processOrders' && (l['msg'] === 'received' || l['msg'] === 'sent'));
    expect(streamed.filter((l) => l['msg'] === 'received')).toHaveLength(5);
    expect(streamed.filter((l) => l['msg'] === 'sent')).toHaveLength(4);
  });
});

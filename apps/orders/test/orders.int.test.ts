import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { BadRequest, RpcError } from '@switchboard/core';
import { startServer, type RunningServer } from '@switchboard/server';
import pino from 'pino';
import { OrderManagement, ordersModule, type OrderManagementClient } from '../src/index';

const lines: Record<string, unknown>[] = [];
const logger = pino({ level: 'debug' }, { write: (l: string) => void lines.push(JSON.parse(l) as Record<string, unknown>) });

async function start(env: Record<string, string> = {}): Promise<{ running: RunningServer; client: OrderManagementClient }> {
  const configDir = fs.mkdtempSync(path.join(os.tmpdir(), 'orders-'));
  const running = await startServer({ modules: [ordersModule], config: { argv: [], env: { PORT: '0', LOG_ACCESS: 'true', ...env }, configDir }, logger });
  const Client = grpc.makeClientConstructor(OrderManagement.definition, 'OrderManagement') as unknown as new (
    address: string,
    credentials: grpc.ChannelCredentials,
  ) => OrderManagementClient;
  return { running, client: new Client(`127.0.0.1:${running.port}`, grpc.credentials.createInsecure()) };
}

describe('the orders app', () => {
  let running: RunningServer;
  let client: OrderManagementClient;
  afterEach(async () => {
    client.close();
    await running.shutdown(0);
  });

  it('adds and gets an order, and logs each call with method, kind, status and duration', async () => {
    ({ running, client } = await start());
    const added = await new Promise((resolve, reject) =>
      client.addOrder({ id: '200', items: ['Pen'], destination: 'Paris', price: 3 }, (e, r) => (e ? reject(e) : resolve(r))),
    );
    expect(added).toEqual({ value: 'Order Added: 200' });
    const order = await new Promise((resolve, reject) => client.getOrder({ value: '200' }, (e, r) => (e ? reject(e) : resolve(r))));
    expect(order).toMatchObject({ id: '200', items: ['Pen'], destination: 'Paris', price: 3 });
    const logged = lines.filter((l) => l['msg'] === 'call').map((l) => [l['method'], l['kind'], l['status'], typeof l['ms']]);
    expect(logged).toEqual([
      ['/ecommerce.OrderManagement/addOrder', 'unary', 'OK', 'number'],
      ['/ecommerce.OrderManagement/getOrder', 'unary', 'OK', 'number'],
    ]);
  });

  it('rejects order -1 with INVALID_ARGUMENT and a BadRequest violation on ID', async () => {
    ({ running, client } = await start());
    const error = await new Promise<grpc.ServiceError>((resolve) => client.addOrder({ id: '-1', description: 'x' }, (e) => resolve(e!)));
    const rpc = RpcError.from(error);
    expect(rpc.rawMessage).toBe('Invalid information received');
    expect(rpc.findDetail(BadRequest)?.field_violations?.[0]).toMatchObject({ field: 'ID', description: 'Order ID received is not valid -1 : x' });
  });

  it('ends a slow addOrder with DEADLINE_EXCEEDED at the client deadline (the deadline demo)', async () => {
    ({ running, client } = await start({ ORDERS_ADD_ORDER_DELAY_MS: '3000' }));
    const started = Date.now();
    const error = await new Promise<grpc.ServiceError>((resolve) => client.addOrder({ id: '300' }, { deadline: Date.now() + 200 }, (e) => resolve(e!)));
    expect(error.code).toBe(grpc.status.DEADLINE_EXCEEDED);
    expect(Date.now() - started).toBeLessThan(2000);
    await new Promise((r) => setTimeout(r, 100));
    expect(lines.filter((l) => l['msg'] === 'call').at(-1)).toMatchObject({ method: '/ecommerce.OrderManagement/addOrder', status: 'DEADLINE_EXCEEDED' });
    expect(running.server.callsInFlight).toBe(0);
  });

  it('groups processOrders by destination every three ids and logs each stream message', async () => {
    ({ running, client } = await start());
    const call = client.processOrders();
    const shipments: { id: string; ordersList: { id: string }[] }[] = [];
    call.on('data', (s: { id: string; ordersList: { id: string }[] }) => shipments.push(s));
    for (const id of ['102', '103', '104', '105', '106']) call.write({ value: id });
    call.end();
    await new Promise((resolve, reject) => call.on('end', resolve).on('error', reject));
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

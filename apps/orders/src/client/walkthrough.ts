import * as grpc from '@grpc/grpc-js';
import { BadRequest, Code, RpcError, codeName } from '@switchboard/core';
import type { Client } from '@switchboard/client';
import type { Order__Output } from '../gen/ecommerce/Order';
import type { Greeter, OrderManagement } from '../gen/services';

/** The stubs a walkthrough drives. */
export interface Stubs {
  orders: Client<typeof OrderManagement>;
  greeter: Client<typeof Greeter>;
  slowOrders: Client<typeof OrderManagement>;
  /** Which clients share which channel. */
  layout: [string, string[]][];
}

/** One step: a name and a check that throws with what went wrong. */
export interface Step {
  name: string;
  run(stubs: Stubs, say: (line: string) => void): Promise<void>;
}

function expect(condition: boolean, what: string): void {
  if (!condition) throw new Error(what);
}

const show = (md: grpc.Metadata): string =>
  Object.entries(md.toJSON())
    .map(([k, v]) => `${k}=${v.map((x) => (Buffer.isBuffer(x) ? `0x${x.toString('hex')}` : x)).join(',')}`)
    .join(' ');

const UPDATES = [
  { id: '102', items: ['Google Pixel 3A', 'Google Pixel Book'], destination: 'Mountain View, CA', price: 1100 },
  { id: '103', items: ['Apple Watch S4', 'Mac Book Pro', 'iPad Pro'], destination: 'San Jose, CA', price: 2800 },
  { id: '104', items: ['Google Home Mini', 'Google Nest Hub', 'iPad Mini'], destination: 'Mountain View, CA', price: 2200 },
];

/** The client side of "gRPC: Up and Running", chapters 3 to 5, step by step. */
export const STEPS: Step[] = [
  {
    name: 'addOrder (unary) with metadata, headers and trailers',
    async run({ orders }, say) {
      let headers = new grpc.Metadata();
      let trailers = new grpc.Metadata();
      const reply = await orders.addOrder(
        { id: '101', items: ['iPhone XS', 'Mac Book Pro'], destination: 'San Jose, CA', price: 2300 },
        {
          metadata: { 'x-client': 'orders-walkthrough', 'x-request-id-bin': Buffer.from([0xca, 0xfe, 0x01]) },
          onHeader: (md) => (headers = md),
          onTrailer: (md) => (trailers = md),
        },
      );
      say(`reply: ${reply.value}`);
      say(`headers: ${show(headers) || '(none)'}`);
      say(`trailers: ${show(trailers) || '(none)'}`);
      expect(reply.value === 'Order Added: 101', `expected "Order Added: 101", got "${reply.value}"`);
    },
  },
  {
    name: 'getOrder (unary)',
    async run({ orders }, say) {
      const order = await orders.getOrder({ value: '106' });
      say(`order 106: ${order.items.join(', ')} → ${order.destination}, ${order.price}`);
      expect(order.id === '106' && order.items.includes('Amazon Echo'), 'order 106 should hold an Amazon Echo');
    },
  },
  {
    name: 'searchOrders (server streaming)',
    async run({ orders }, say) {
      const found: Order__Output[] = [];
      for await (const order of orders.searchOrders({ value: 'Google' })) {
        say(`found ${order.id}: ${order.items.join(', ')}`);
        found.push(order);
      }
      expect(found.length > 0 && found.every((o) => o.items.some((i) => i.includes('Google'))), 'every order found should have a Google item');
    },
  },
  {
    name: 'updateOrders (client streaming)',
    async run({ orders }, say) {
      const call = orders.updateOrders();
      for (const order of UPDATES) await call.write(order);
      call.end();
      const reply = await call.response;
      say(`reply: ${reply.value}`);
      expect(
        UPDATES.every((o) => reply.value.includes(o.id)),
        `the reply should name 102, 103 and 104: "${reply.value}"`,
      );
    },
  },
  {
    name: 'processOrders (bidi streaming)',
    async run({ orders }, say) {
      const call = orders.processOrders();
      for (const id of ['102', '103', '104', '101']) await call.write({ value: id });
      call.end();
      const shipped: string[] = [];
      for await (const shipment of call) {
        say(`${shipment.id} [${shipment.status}]: ${shipment.ordersList.map((o) => o.id).join(', ')}`);
        shipped.push(...shipment.ordersList.map((o) => o.id));
      }
      expect(
        ['101', '102', '103', '104'].every((id) => shipped.includes(id)),
        `every order should be shipped: ${shipped.join(', ')}`,
      );
    },
  },
  {
    name: 'processOrders cancelled after the first shipment',
    async run({ orders }, say) {
      const controller = new AbortController();
      const call = orders.processOrders({ signal: controller.signal });
      for (const id of ['102', '103', '104', '105', '106']) await call.write({ value: id });
      let received = 0;
      try {
        for await (const shipment of call) {
          received++;
          say(`first shipment ${shipment.id}; cancelling`);
          controller.abort();
        }
        throw new Error('the stream ended normally after the cancel');
      } catch (error) {
        const rpc = RpcError.from(error);
        say(`stream ended with ${codeName(rpc.code)}`);
        expect(rpc.code === Code.CANCELLED && received === 1, `expected CANCELLED after 1 shipment, got ${codeName(rpc.code)} after ${received}`);
      }
    },
  },
  {
    name: 'a 2 s deadline runs out against a slow server',
    async run({ slowOrders }, say) {
      const started = Date.now();
      const error = await slowOrders.addOrder({ id: '110', items: ['Slow Lamp'], destination: 'Nowhere', price: 1 }, { deadlineMs: 2000 }).then(
        () => undefined,
        (e: unknown) => RpcError.from(e),
      );
      const took = Date.now() - started;
      say(`after ${took} ms: ${error ? codeName(error.code) : 'OK (the server was not slow)'}`);
      expect(error?.code === Code.DEADLINE_EXCEEDED && took < 3000, 'expected DEADLINE_EXCEEDED at about 2 s');
    },
  },
  {
    name: 'INVALID_ARGUMENT with field violations',
    async run({ orders }, say) {
      const error = await orders.addOrder({ id: '-1', items: ['Invalid'], destination: '?', price: 0 }).then(
        () => undefined,
        (e: unknown) => RpcError.from(e),
      );
      expect(error !== undefined, 'order -1 was accepted');
      say(`${codeName(error!.code)}: ${error!.rawMessage}`);
      const violations = error!.findDetail(BadRequest)?.field_violations ?? [];
      for (const v of violations) say(`field violation: ${v.field}: ${v.description}`);
      expect(error!.code === Code.INVALID_ARGUMENT && violations.some((v) => v.field === 'ID'), 'expected a BadRequest violation on field ID');
    },
  },
  {
    name: 'Greeter over the same connection',
    async run({ greeter, layout }, say) {
      const reply = await greeter.SayHello({ name: 'gRPC Up and Running' });
      say(`reply: ${reply.message}`);
      const shared = layout.find(([, clients]) => clients.includes('orders') && clients.includes('greeter'));
      say(`channel ${shared?.[0] ?? '(none)'} carries ${shared?.[1].join(' + ') ?? '?'}`);
      expect(reply.message === 'Hello gRPC Up and Running', `unexpected greeting "${reply.message}"`);
      expect(shared !== undefined, 'orders and greeter should share one channel');
    },
  },
];

/** Runs every step, printing each; resolves to the number of steps that failed. */
export async function walkthrough(stubs: Stubs, print: (line: string) => void): Promise<number> {
  let failed = 0;
  for (const step of STEPS) {
    const lines: string[] = [];
    try {
      await step.run(stubs, (line) => lines.push(line));
      print(`✓ ${step.name}`);
    } catch (error) {
      failed++;
      print(`✗ ${step.name}: ${error instanceof RpcError ? `${codeName(error.code)} ${error.rawMessage}` : (error as Error).message}`);
    }
    for (const line of lines) print(`    ${line}`);
  }
  return failed;
}

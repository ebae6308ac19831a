import * as path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { PROTO_LOADER_OPTIONS } from '@switchboard/core';

const ROOT = path.resolve(__dirname, '../..');
const GREETER_PROTO = path.join(ROOT, 'apps/greeter/proto/helloworld.proto');
const ORDERS_PROTO = path.join(ROOT, 'apps/orders/proto/order_management.proto');

/** `ecommerce.Order` as proto-loader delivers it. */
interface Order {
  id: string;
  items: string[];
  description: string;
  price: number;
  destination: string;
}

/** The orders app's sample orders (apps/orders SAMPLE_ORDERS), which its store starts with. */
const SAMPLE_ORDERS: readonly Order[] = [
  { id: '102', items: ['Google Pixel 3A', 'Mac Book Pro'], description: '', destination: 'Mountain View, CA', price: 1800 },
  { id: '103', items: ['Apple Watch S4'], description: '', destination: 'San Jose, CA', price: 400 },
  { id: '104', items: ['Google Home Mini', 'Google Nest Hub'], description: '', destination: 'Mountain View, CA', price: 400 },
  { id: '105', items: ['Amazon Echo'], description: '', destination: 'San Jose, CA', price: 30 },
  { id: '106', items: ['Amazon Echo', 'Apple iPhone XS'], description: '', destination: 'Mountain View, CA', price: 300 },
];

/**
 * The baseline of run-as-run: what a user would write with grpc-js and
 * proto-loader alone for the two methods the benchmark calls, from the apps'
 * own .proto files: `helloworld.Greeter/SayHello`, and
 * `ecommerce.OrderManagement` `addOrder` (to fill the store) and
 * `searchOrders` (every order holding an item that contains the query, each
 * written with `call.write`, as plain grpc-js code does). Prints
 * `{"msg":"listening","address":"127.0.0.1:<port>"}` on stdout, as
 * `switchboard start` does.
 */
async function main(): Promise<void> {
  const loaded = grpc.loadPackageDefinition(
    protoLoader.loadSync([GREETER_PROTO, ORDERS_PROTO], { ...PROTO_LOADER_OPTIONS, includeDirs: [path.dirname(ORDERS_PROTO)] }),
  );
  const greeter = (loaded['helloworld'] as grpc.GrpcObject)['Greeter'] as grpc.ServiceClientConstructor;
  const orders = (loaded['ecommerce'] as grpc.GrpcObject)['OrderManagement'] as grpc.ServiceClientConstructor;
  const store = new Map<string, Order>(SAMPLE_ORDERS.map((o) => [o.id, { ...o, items: [...o.items] }]));
  const server = new grpc.Server();
  server.addService(greeter.service, {
    SayHello: (call: grpc.ServerUnaryCall<{ name: string }, unknown>, callback: grpc.sendUnaryData<{ message: string }>) => {
      callback(null, { message: `Hello ${call.request.name}` });
    },
  });
  server.addService(orders.service, {
    addOrder: (call: grpc.ServerUnaryCall<Order, unknown>, callback: grpc.sendUnaryData<{ value: string }>) => {
      const { id, items, description, price, destination } = call.request;
      store.set(id, { id, items: [...items], description, price, destination });
      callback(null, { value: `Order Added: ${id}` });
    },
    searchOrders: (call: grpc.ServerWritableStream<{ value: string }, Order>) => {
      for (const order of store.values()) {
        if (order.items.some((item) => item.includes(call.request.value))) call.write(order);
      }
      call.end();
    },
  });
  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (error, p) => (error ? reject(error) : resolve(p)));
  });
  process.stdout.write(`${JSON.stringify({ msg: 'listening', address: `127.0.0.1:${port}` })}\n`);
  process.once('SIGTERM', () => server.tryShutdown(() => process.exit(0)));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});

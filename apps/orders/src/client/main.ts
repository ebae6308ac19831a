import * as path from 'node:path';
import { Container } from 'inversify';
import { SwitchboardError, loadConfig, resolve } from '@switchboard/core';
import { clientsSchema, closeClients, registerClients } from '@switchboard/client';
import { greeterClient, ordersClient, slowOrdersClient } from './contracts';
import { walkthrough } from './walkthrough';

const USAGE = `usage: npm run client -w @switchboard/app-orders -- [--target host:port] [--slow-target host:port] [--config FILE]

Walks through the client side of "gRPC: Up and Running" against an
ecommerce.OrderManagement server (this app, or any server of the same
contract): gzip on, every call kind, metadata, errors with details, a
cancelled stream, a Greeter call on the same connection, and a 2 s deadline
against a slow server (--slow-target, started with ORDERS_ADD_ORDER_DELAY_MS=3000).
Exits 1 if any step does not behave as described.`;

function flag(argv: readonly string[], name: string): string | undefined {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : argv.find((a) => a.startsWith(`${name}=`))?.slice(name.length + 1);
}

async function main(argv: readonly string[]): Promise<number> {
  if (argv.includes('--help')) {
    console.log(USAGE);
    return 0;
  }
  const declarations = [ordersClient, greeterClient, slowOrdersClient];
  const config = loadConfig(clientsSchema(declarations), { argv, configDir: path.join(__dirname, '../../config/client') });
  const target = flag(argv, '--target');
  const slowTarget = flag(argv, '--slow-target');
  const clients = {
    ...config.clients,
    ...(target ? { orders: { ...config.clients['orders']!, target }, greeter: { ...config.clients['greeter']!, target } } : {}),
    ...(slowTarget ? { slowOrders: { ...config.clients['slowOrders']!, target: slowTarget } } : {}),
  };
  // A program, not a module, whose clients come from config files and share a
  // channel (the walkthrough shows it): the registerClients escape hatch.
  const container = new Container();
  const runtime = registerClients(container, { ...config, clients }, declarations);
  try {
    const failed = await walkthrough(
      {
        orders: resolve(container, ordersClient.token),
        greeter: resolve(container, greeterClient.token),
        slowOrders: resolve(container, slowOrdersClient.token),
        layout: runtime.layout,
      },
      (line) => console.log(line),
    );
    console.log(failed === 0 ? 'all steps behaved as described' : `${failed} step(s) did not behave as described`);
    return failed === 0 ? 0 : 1;
  } finally {
    closeClients(container);
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof SwitchboardError ? error.message : error);
    process.exit(2);
  },
);

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { startServer, type RunningServer } from '@switchboard/server';
import pino from 'pino';
import { runProcess } from '@switchboard/test-support';
import { OrderAdmin, OrderManagement, ordersModule, type OrderManagementClient } from '../src/index';
import type { OrderAdminClient } from '../src/gen/ecommerce/OrderAdmin';

const DEV_TOKEN = path.join(__dirname, '../scripts/dev-token.mjs');

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orders-auth-'));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** A token from the README's script, and the environment it prints for the server. */
async function devToken(args: string[]): Promise<{ token: string; env: Record<string, string> }> {
  const run = await runProcess(process.execPath, [DEV_TOKEN, '--dir', dir, ...args], { timeoutMs: 10_000 });
  if (run.code !== 0) throw new Error(`dev-token.mjs exited ${run.code}:\n${run.stderr}`);
  const env = Object.fromEntries(
    run.stderr
      .trim()
      .split(' ')
      .map((pair) => pair.split('=', 2) as [string, string]),
  );
  return { token: run.stdout.trim(), env };
}

const client = <T>(descriptor: typeof OrderAdmin | typeof OrderManagement, port: number): T & grpc.Client =>
  new (grpc.makeClientConstructor(descriptor.definition, descriptor.fullName))(`127.0.0.1:${port}`, grpc.credentials.createInsecure()) as unknown as T &
    grpc.Client;

function cancel(admin: OrderAdminClient, id: string, token?: string): Promise<string> {
  const metadata = new grpc.Metadata();
  if (token !== undefined) metadata.set('authorization', `Bearer ${token}`);
  return new Promise((resolve, reject) => admin.cancelOrder({ value: id }, metadata, (e, r) => (e ? reject(e) : resolve(r!.value))));
}

describe('ecommerce.OrderAdmin, guarded by @Authorize({ scopes: ["orders:admin"] })', () => {
  let running: RunningServer | undefined;
  let admin: (OrderAdminClient & grpc.Client) | undefined;
  let orders: (OrderManagementClient & grpc.Client) | undefined;
  afterEach(async () => {
    admin?.close();
    orders?.close();
    await running?.shutdown(0);
  });

  it('cancels an order for a token with the scope, refuses others, and leaves OrderManagement open', async () => {
    const operator = await devToken(['--sub', 'ops', '--scope', 'orders:admin']);
    const viewer = await devToken(['--sub', 'viewer', '--scope', 'orders:read']);
    const configDir = fs.mkdtempSync(path.join(dir, 'config-'));
    running = await startServer({
      modules: [ordersModule],
      config: { argv: [], env: { PORT: '0', ...operator.env }, configDir },
      logger: pino({ level: 'silent' }),
    });
    admin = client<OrderAdminClient>(OrderAdmin, running.port);
    const management = client<OrderManagementClient>(OrderManagement, running.port);
    orders = management;

    await expect(cancel(admin, '102')).rejects.toMatchObject({ code: grpc.status.UNAUTHENTICATED });
    await expect(cancel(admin, '102', viewer.token)).rejects.toMatchObject({ code: grpc.status.PERMISSION_DENIED });
    expect(await cancel(admin, '102', operator.token)).toBe('Order cancelled: 102 (by ops)');
    await expect(cancel(admin, '102', operator.token)).rejects.toMatchObject({ code: grpc.status.NOT_FOUND });
    await expect(new Promise((resolve, reject) => management.getOrder({ value: '103' }, (e, r) => (e ? reject(e) : resolve(r))))).resolves.toMatchObject({
      id: '103',
    });
  });

  it('refuses every caller when no auth source is configured', async () => {
    const operator = await devToken(['--scope', 'orders:admin']);
    const configDir = fs.mkdtempSync(path.join(dir, 'config-'));
    running = await startServer({ modules: [ordersModule], config: { argv: [], env: { PORT: '0' }, configDir }, logger: pino({ level: 'silent' }) });
    admin = client<OrderAdminClient>(OrderAdmin, running.port);
    orders = client<OrderManagementClient>(OrderManagement, running.port);
    await expect(cancel(admin, '102', operator.token)).rejects.toMatchObject({ code: grpc.status.UNAUTHENTICATED });
  });
});

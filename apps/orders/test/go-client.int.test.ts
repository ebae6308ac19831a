import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { RpcError, codeName, observe } from '@switchboard/core';
import { startServer, type RunningServer } from '@switchboard/server';
import pino from 'pino';
import { type FrameSniffer, type GoClientStep, runGoPeerClient, sniffMessageFlags, until } from '@switchboard/test-support';
import { greeterModule } from '@switchboard/app-greeter';
import { ordersModule } from '../src/index';

/** What this app's servers saw of each addOrder: its request metadata, and how it ended. */
const seen: Record<string, unknown>[] = [];

function serve(env: Record<string, string> = {}, addOrderEnds: string[] = []): Promise<RunningServer> {
  const recordAddOrder = observe({
    onStart: (call) => {
      if (call.method.name === 'addOrder') seen.push(call.ctx.metadata.toJSON());
    },
    onEnd: (call, error) => {
      if (call.method.name === 'addOrder') addOrderEnds.push(error === undefined ? 'OK' : codeName(RpcError.from(error).code));
    },
  });
  return startServer({
    modules: [ordersModule, greeterModule],
    interceptors: [recordAddOrder],
    config: { argv: [], env: { PORT: '0', ...env }, configDir: fs.mkdtempSync(path.join(os.tmpdir(), 'orders-go-client-')) },
    logger: pino({ level: 'silent' }),
  });
}

describe('the book’s client written with grpc-go (testing/go-peer/client) against this app', () => {
  let fast: RunningServer;
  let slow: RunningServer;
  let sniffer: FrameSniffer;
  let steps: Map<string, GoClientStep>;
  const slowEnds: string[] = [];
  const step = (name: string): GoClientStep => {
    const found = steps.get(name);
    if (found === undefined) throw new Error(`go-peer-client reported no step ${name}; it reported ${[...steps.keys()].join(', ')}`);
    return found;
  };

  beforeAll(async () => {
    fast = await serve();
    slow = await serve({ ORDERS_ADD_ORDER_DELAY_MS: '3000' }, slowEnds);
    // grpc-go talks to the fast server through a proxy that reads each message's compressed flag.
    sniffer = await sniffMessageFlags(fast.port);
    steps = await runGoPeerClient(`127.0.0.1:${sniffer.port}`, `127.0.0.1:${slow.port}`);
  }, 40_000);
  afterAll(async () => {
    await sniffer?.close();
    await fast?.shutdown(0);
    await slow?.shutdown(0);
  });

  it('adds an order, sending text and -bin metadata and reading the server’s headers and trailers', () => {
    expect(step('addOrder')).toMatchObject({
      code: 'OK',
      reply: 'Order Added: 101',
      headers: { location: ['San Jose'], timestamp: [expect.stringMatching(/^\d{4}-\d\d-\d\dT/)] },
      trailers: { 'orders-stored': [expect.stringMatching(/^\d+$/)] },
    });
    const metadata = seen.find((md) => md['x-client'] !== undefined)!;
    expect(metadata['x-client']).toEqual(['go-walkthrough']);
    expect(metadata['x-request-id-bin']).toEqual([Buffer.from([0xca, 0xfe, 0x01])]);
  });

  it('gets, searches (server stream), updates (client stream) and processes (bidi) as the book says', () => {
    expect(step('getOrder')).toMatchObject({ code: 'OK', id: '106', items: ['Amazon Echo', 'Apple iPhone XS'], destination: 'Mountain View, CA', price: 300 });
    expect(step('searchOrders')).toMatchObject({ code: 'OK', ids: ['102', '104'] });
    expect(step('updateOrders')).toMatchObject({ code: 'OK', reply: 'Orders processed 102, 103, 104' });
    expect(step('processOrders')).toMatchObject({
      code: 'OK',
      shipments: [
        ['cmb - Mountain View, CA', 'Processed!', '102', '104'],
        ['cmb - San Jose, CA', 'Processed!', '103'],
        ['cmb - San Jose, CA', 'Processed!', '101'],
      ],
    });
  });

  it('sees its cancel after the first shipment end the stream with Canceled', () => {
    const cancelled = step('processOrdersCancelled');
    expect(cancelled.code).toBe('Canceled');
    // The first round is two shipments sent together; grpc-go may hand over the second, already received, before the cancel.
    expect([1, 2]).toContain(cancelled['received']);
  });

  it('decodes the INVALID_ARGUMENT and its BadRequest field violation with grpc-go’s status.Details()', () => {
    expect(step('invalidOrder')).toMatchObject({
      code: 'InvalidArgument',
      message: 'Invalid information received',
      violations: [['ID', 'Order ID received is not valid -1 : no such order']],
    });
  });

  it('calls Greeter over the same connection, and gets DeadlineExceeded from a server slower than its 2 s deadline', async () => {
    expect(step('sayHello')).toMatchObject({ code: 'OK', reply: 'Hello gRPC Up and Running' });
    expect(step('deadline').code).toBe('DeadlineExceeded');
    // The slow handler (3 s) was ended by the deadline grpc-go sent, not left to finish.
    await until(() => slowEnds.length > 0, 3000);
    expect(slowEnds).toEqual(['DEADLINE_EXCEEDED']);
  });

  it('sent every request message gzip-compressed, and the server read them all', () => {
    // 1 addOrder + 1 getOrder + 1 search + 3 updates + 4 + 5 process ids + 1 invalid order + 1 SayHello
    expect(sniffer.flags).toHaveLength(17);
    expect(new Set(sniffer.flags)).toEqual(new Set([1]));
  });
});

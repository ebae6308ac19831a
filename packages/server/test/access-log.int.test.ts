import * as grpc from '@grpc/grpc-js';
import { defineModule } from '@switchboard/core';
import { createEchoService, echoProto, until } from '@switchboard/test-support';
import { startServer, type RunningServer } from '../src/start-server';
import { collect, memoryLogger, unary, type EchoHarness } from './harness';

const echoModule = defineModule({ name: 'echo', services: [createEchoService({ aborts: [], produced: 0 })] });

interface Started {
  running: RunningServer;
  client: EchoHarness['client'];
  lines: Record<string, unknown>[];
}

async function start(access: Record<string, unknown>): Promise<Started> {
  const { logger, lines } = memoryLogger();
  const running = await startServer({
    modules: [echoModule],
    logger,
    config: { argv: [], env: {}, configDir: null, values: { tree: { server: { port: 0 }, log: { access } }, origin: 'test' } },
  });
  const pkg = grpc.loadPackageDefinition(echoProto.definition) as unknown as { switchboard: { test: { Echo: grpc.ServiceClientConstructor } } };
  const client = new pkg.switchboard.test.Echo(`127.0.0.1:${running.port}`, grpc.credentials.createInsecure()) as EchoHarness['client'];
  return { running, client, lines };
}

const callLines = (lines: Record<string, unknown>[]): Record<string, unknown>[] => lines.filter((l) => l['msg'] === 'call');

function clientStream(client: EchoHarness['client'], messages: string[]): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const call = (client['ClientStream'] as (cb: grpc.requestCallback<unknown>) => grpc.ClientWritableStream<object>)((e, r) => (e ? reject(e) : resolve(r)));
    for (const message of messages) call.write({ message });
    call.end();
  });
}

async function bidi(client: EchoHarness['client'], messages: string[]): Promise<unknown[]> {
  const call = client['Bidi']!() as grpc.ClientDuplexStream<object, unknown>;
  for (const message of messages) call.write({ message });
  call.end();
  return collect(call as AsyncIterable<unknown>);
}

/** A unary call that fails with `code`, resolving to the error. */
const failing = (client: EchoHarness['client'], code: string): Promise<grpc.ServiceError> =>
  unary(client, 'Unary', { message: 'no', fail: code }).then(
    () => {
      throw new Error('the call should have failed');
    },
    (error: grpc.ServiceError) => error,
  );

describe('the access log', () => {
  let started: Started | undefined;
  afterEach(async () => {
    started?.client.close();
    await started?.running.shutdown(0);
    started = undefined;
  });

  it('logs one info line per call of every kind, with method, kind, peer, status, duration and message counts', async () => {
    started = await start({ enabled: true });
    const { client, lines } = started;
    await unary(client, 'Unary', { message: 'a' });
    await collect(client['ServerStream']!({ message: 's', count: 3 }) as AsyncIterable<unknown>);
    await clientStream(client, ['x', 'y']);
    await bidi(client, ['p', 'q', 'r', 's']);
    await until(() => callLines(lines).length >= 4, 3000, 'four call lines');

    const logged = callLines(lines);
    expect(logged.map((l) => [l['method'], l['kind'], l['status'], l['requests'], l['responses']])).toEqual([
      ['/switchboard.test.Echo/Unary', 'unary', 'OK', 1, 1],
      ['/switchboard.test.Echo/ServerStream', 'server_stream', 'OK', 1, 3],
      ['/switchboard.test.Echo/ClientStream', 'client_stream', 'OK', 2, 1],
      ['/switchboard.test.Echo/Bidi', 'bidi', 'OK', 4, 4],
    ]);
    for (const line of logged) {
      expect(line['level']).toBe(30);
      expect(line['peer']).toMatch(/^127\.0\.0\.1:\d+$/);
      expect(typeof line['ms']).toBe('number');
      expect(line['ms']).toBeGreaterThanOrEqual(0);
      expect(line).not.toHaveProperty('error');
    }
  });

  it('logs a failed call with its status name and message even with sampleRate 0', async () => {
    started = await start({ enabled: true, sampleRate: 0 });
    const { client, lines } = started;
    const error = await failing(client, 'NOT_FOUND');
    expect(error.code).toBe(grpc.status.NOT_FOUND);
    await until(() => callLines(lines).length >= 1, 3000, 'the failure line');
    expect(callLines(lines)).toEqual([
      expect.objectContaining({ method: '/switchboard.test.Echo/Unary', status: 'NOT_FOUND', error: 'failed as asked: no', requests: 1, responses: 0 }),
    ]);
  });

  it('logs no successful call with sampleRate 0', async () => {
    started = await start({ enabled: true, sampleRate: 0 });
    const { client, lines } = started;
    await unary(client, 'Unary', { message: 'a' });
    await collect(client['ServerStream']!({ message: 's', count: 2 }) as AsyncIterable<unknown>);
    await clientStream(client, ['x']);
    await bidi(client, ['p']);
    // A failure after them is logged; the successful calls before it would have been logged first.
    await failing(client, 'ABORTED');
    await until(() => callLines(lines).length >= 1, 3000, 'the failure line');
    expect(callLines(lines).map((l) => l['status'])).toEqual(['ABORTED']);
  });

  it('logs a call at least slowMs long even with sampleRate 0', async () => {
    started = await start({ enabled: true, sampleRate: 0, slowMs: 50 });
    const { client, lines } = started;
    await unary(client, 'Unary', { message: 'slow', delay_ms: 80 });
    await failing(client, 'ABORTED');
    await until(() => callLines(lines).length >= 2, 3000, 'the slow and the failure lines');
    expect(callLines(lines).map((l) => l['status'])).toEqual(['OK', 'ABORTED']);
    expect(callLines(lines)[0]!['ms']).toBeGreaterThanOrEqual(50);
  });

  it('refuses a sampleRate outside 0 to 1 before anything listens', async () => {
    await expect(start({ enabled: true, sampleRate: 1.5 })).rejects.toThrow(/log\.access\.sampleRate[\s\S]*must be a number from 0 to 1/);
  });

  it('logs nothing when disabled', async () => {
    started = await start({ enabled: false });
    const { client, lines, running } = started;
    await unary(client, 'Unary', { message: 'a' });
    await bidi(client, ['p']);
    // A plain exception is logged with its cause: the logger does write.
    await failing(client, 'PLAIN');
    await running.shutdown();
    expect(lines.length).toBeGreaterThan(0);
    expect(callLines(lines)).toEqual([]);
  });
});

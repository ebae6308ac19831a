import type { RunningServer } from '@switchboard/server';
import type { ServerInterceptor } from '@switchboard/core';
import { connectInterop, type InteropConnection } from '../src/client/interop-clients';
import { runInteropCase, runInteropCases } from '../src/client/run-interop-case';
import { payload } from '../src/payload';
import { expectations } from './conformance';
import { sniffMessageFlags } from '@switchboard/test-support';
import { startInteropServer } from './interop-harness';

describe('Switchboard’s interop client against the Switchboard interop server, in process', () => {
  let server: RunningServer;
  let connection: InteropConnection;
  beforeAll(async () => {
    server = await startInteropServer();
    connection = connectInterop(`127.0.0.1:${server.port}`);
  });
  afterAll(async () => {
    connection.close();
    await server.shutdown(0);
  });

  it.each(expectations('switchboardToSwitchboard'))('%s ends as the conformance table says', async (name, expected) => {
    const result = await runInteropCase(name, connection.stubs);
    expect({ status: result.status, reason: result.reason }).toEqual({
      status: expected.status,
      reason: expected.reason ? expect.stringMatching(expected.reason) : undefined,
    });
  });

  // unary: plain probe, gzip call, plain call; streaming: plain probe, then one gzip call of a compressed and an uncompressed message.
  it.each([
    ['client_compressed_unary', [0, 1, 0]],
    ['client_compressed_streaming', [0, 1, 0]],
  ])('runs %s with the compressed flags %j on the wire', async (name, flags) => {
    const sniffer = await sniffMessageFlags(server.port);
    try {
      const [result] = await runInteropCases(`127.0.0.1:${sniffer.port}`, [name]);
      expect([result?.status, sniffer.flags]).toEqual(['PASS', flags]);
    } finally {
      await sniffer.close();
    }
  });

  it('sends plain and gzip requests on two channels, UnimplementedService sharing the plain one', () => {
    const target = `dns:///127.0.0.1:${server.port}`;
    expect(connection.stubs.layout).toEqual([
      [target, ['interop', 'unimplemented']],
      [target, ['interopGzip']],
    ]);
  });
});

describe('Switchboard’s interop client against a server that misbehaves', () => {
  let server: RunningServer | undefined;
  afterEach(async () => {
    await server?.shutdown(0);
    server = undefined;
  });

  it('fails large_unary, naming the size it got, when responses come back too small', async () => {
    const shrink: ServerInterceptor = async function* (call, next) {
      for await (const response of next(call)) yield call.method.name === 'UnaryCall' ? { ...(response as object), payload: payload(1) } : response;
    };
    server = await startInteropServer([shrink]);
    const [result] = await runInteropCases(`127.0.0.1:${server.port}`, ['large_unary']);
    expect(result).toMatchObject({ status: 'FAIL', reason: 'UnaryCall: expected a 314159-byte payload body, got 1 bytes' });
  });

  it('fails client_compressed_unary when the server accepts the uncompressed probe', async () => {
    const ignoreExpectCompressed: ServerInterceptor = async function* (call, next) {
      async function* stripped() {
        for await (const request of call.requests) yield { ...(request as object), expect_compressed: null };
      }
      yield* next({ ...call, requests: stripped() });
    };
    server = await startInteropServer([ignoreExpectCompressed]);
    const [result] = await runInteropCases(`127.0.0.1:${server.port}`, ['client_compressed_unary']);
    expect(result).toMatchObject({
      status: 'FAIL',
      reason: 'UnaryCall probe (uncompressed, expect_compressed true): expected INVALID_ARGUMENT, the call succeeded',
    });
  });
});

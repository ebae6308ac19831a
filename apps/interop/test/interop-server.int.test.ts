import * as os from 'node:os';
import * as grpc from '@grpc/grpc-js';
import { Code, RpcError, observe } from '@switchboard/core';
import type { RunningServer } from '@switchboard/server';
import { connectInterop, type InteropConnection } from '../src/client/interop-clients';
import { ECHO_INITIAL_KEY, ECHO_TRAILING_KEY, SERVER_ID, TestService, payload, requestEncoding } from '../src/index';
import { sniffMessageFlags } from '@switchboard/test-support';
import { startInteropServer } from './interop-harness';

const failure = (call: Promise<unknown>): Promise<RpcError> =>
  call.then(
    () => {
      throw new Error('the call succeeded');
    },
    (e: unknown) => RpcError.from(e),
  );

describe('the Switchboard interop server', () => {
  let server: RunningServer;
  let connection: InteropConnection;
  const encodings: [string, unknown[], string | undefined][] = [];
  beforeAll(async () => {
    const record = observe({ onStart: (call) => void encodings.push([call.method.name, call.ctx.metadata.get('grpc-encoding'), requestEncoding(call.ctx)]) });
    server = await startInteropServer([record]);
    connection = connectInterop(`127.0.0.1:${server.port}`);
  });
  afterAll(async () => {
    connection.close();
    await server.shutdown(0);
  });
  const stubs = () => connection.stubs;

  it('echoes both metadata keys on a failed call too: the header at once, the trailer with the status', async () => {
    let headers = new grpc.Metadata();
    const error = await failure(
      stubs().plain.UnaryCall(
        { response_status: { code: Code.ABORTED, message: 'stop here' } },
        { metadata: { [ECHO_INITIAL_KEY]: 'hello', [ECHO_TRAILING_KEY]: Buffer.from([1, 2]) }, onHeader: (md) => (headers = md) },
      ),
    );
    expect([error.code, error.rawMessage]).toEqual([Code.ABORTED, 'stop here']);
    expect(headers.get(ECHO_INITIAL_KEY)).toEqual(['hello']);
    expect(error.metadata.get(ECHO_TRAILING_KEY)).toEqual([Buffer.from([1, 2])]);
  });

  it('waits interval_us before each streamed response, counted from the previous one', async () => {
    const started = Date.now();
    const arrivals: number[] = [];
    for await (const _ of stubs().plain.StreamingOutputCall({
      response_parameters: [
        { size: 1, interval_us: 150_000 },
        { size: 2, interval_us: 150_000 },
      ],
    })) {
      arrivals.push(Date.now() - started);
    }
    expect(arrivals).toHaveLength(2);
    expect(arrivals[0]).toBeGreaterThanOrEqual(140);
    expect(arrivals[1]! - arrivals[0]!).toBeGreaterThanOrEqual(140);
  });

  it('holds HalfDuplexCall responses until the half-close, then answers every request in order', async () => {
    const call = stubs().plain.HalfDuplexCall();
    const responses = call[Symbol.asyncIterator]();
    await call.write({ response_parameters: [{ size: 3 }] });
    await call.write({ response_parameters: [{ size: 5 }, { size: 6 }] });
    const first = responses.next();
    const early = await Promise.race([first.then(() => 'a response'), new Promise((r) => setTimeout(() => r('nothing'), 200))]);
    expect(early).toBe('nothing');
    call.end();
    const sizes = [(await first).value?.payload?.body.length];
    for (let r = await responses.next(); r.done !== true; r = await responses.next()) sizes.push(r.value.payload?.body.length);
    expect(sizes).toEqual([3, 5, 6]);
  });

  it('ends FullDuplexCall at a response_status, after answering the requests before it', async () => {
    const call = stubs().plain.FullDuplexCall();
    const sizes: number[] = [];
    const read = (async () => {
      for await (const r of call) sizes.push(r.payload?.body.length ?? -1);
    })();
    await call.write({ response_parameters: [{ size: 7 }] });
    await call.write({ response_status: { code: Code.FAILED_PRECONDITION, message: 'no further' }, response_parameters: [{ size: 8 }] });
    const error = await failure(read);
    expect([error.code, error.rawMessage, sizes]).toEqual([Code.FAILED_PRECONDITION, 'no further', [7]]);
  });

  it('sees the request encoding that grpc-js hides from ctx.metadata', async () => {
    encodings.length = 0;
    await stubs().plain.EmptyCall({});
    await stubs().gzip.EmptyCall({});
    expect(encodings).toEqual([
      ['EmptyCall', [], 'identity'],
      ['EmptyCall', [], 'gzip'],
    ]);
  });

  it('rejects requests that expect compression but were sent plain, in unary and client-streaming calls', async () => {
    const unary = await failure(stubs().plain.UnaryCall({ expect_compressed: { value: true } }));
    const call = stubs().plain.StreamingInputCall();
    await call.write({ expect_compressed: { value: false }, payload: payload(3) });
    await call.write({ expect_compressed: { value: true }, payload: payload(4) });
    call.end();
    const streaming = await failure(call.response);
    expect([unary.code, streaming.code]).toEqual([Code.INVALID_ARGUMENT, Code.INVALID_ARGUMENT]);
    expect(streaming.rawMessage).toBe('expect_compressed is true but the request was sent uncompressed (grpc-encoding identity)');
  });

  it('checks only the call’s encoding: a message sent with the compressed flag off on a gzip call passes', async () => {
    const sniffer = await sniffMessageFlags(server.port);
    // grpc-js's per-message NoCompress write flag, which @switchboard/client does not expose.
    const client = new grpc.Client(`127.0.0.1:${sniffer.port}`, grpc.credentials.createInsecure(), { 'grpc.default_compression_algorithm': 2 });
    const { requestSerialize, responseDeserialize } = TestService.methods.get('StreamingInputCall')!.definition;
    try {
      const total = await new Promise<unknown>((resolve, reject) => {
        const call = client.makeClientStreamRequest('/grpc.testing.TestService/StreamingInputCall', requestSerialize, responseDeserialize, (e, r) =>
          e ? reject(e) : resolve(r),
        );
        call.write({ expect_compressed: { value: true }, payload: payload(10) });
        call.write({ expect_compressed: { value: true }, payload: payload(20) }, 2 as unknown as BufferEncoding);
        call.end();
      });
      expect(total).toEqual({ aggregated_payload_size: 30 });
      expect(sniffer.flags).toEqual([1, 0]);
    } finally {
      client.close();
      await sniffer.close();
    }
  });

  it('answers a request for response compression with UNIMPLEMENTED instead of sending it uncompressed', async () => {
    const unary = await failure(stubs().plain.UnaryCall({ response_compressed: { value: true } }));
    const received: unknown[] = [];
    const streaming = await failure(
      (async () => {
        for await (const r of stubs().plain.StreamingOutputCall({ response_parameters: [{ size: 1 }, { size: 2, compressed: { value: true } }] }))
          received.push(r);
      })(),
    );
    expect([unary.code, streaming.code, received]).toEqual([Code.UNIMPLEMENTED, Code.UNIMPLEMENTED, []]);
    await expect(stubs().plain.UnaryCall({ response_compressed: { value: false }, response_size: 2 })).resolves.toMatchObject({
      payload: { body: Buffer.alloc(2) },
    });
  });

  it('rejects a response_type it does not know with INVALID_ARGUMENT', async () => {
    const error = await failure(stubs().plain.UnaryCall({ response_type: 1 as unknown as 0, response_size: 1 }));
    expect([error.code, error.rawMessage]).toEqual([Code.INVALID_ARGUMENT, 'unsupported response_type 1']);
  });

  it('marks CacheableUnaryCall responses cacheable and stamps each with the time in nanoseconds', async () => {
    const headers: grpc.Metadata[] = [];
    const call = () => stubs().plain.CacheableUnaryCall({}, { onHeader: (md) => headers.push(md) });
    const [a, b] = [await call(), await call()];
    expect(headers.map((h) => h.get('cache-control'))).toEqual([['max-age=60, public'], ['max-age=60, public']]);
    const [ta, tb] = [a, b].map((r) => r.payload?.body.toString() ?? '');
    expect(ta).toMatch(/^\d{19}$/);
    expect(BigInt(tb!)).toBeGreaterThan(BigInt(ta!));
  });

  it('fills server_id and hostname only when asked', async () => {
    const asked = await stubs().plain.UnaryCall({ fill_server_id: true });
    const plain = await stubs().plain.UnaryCall({});
    expect([asked.server_id, asked.hostname, plain.server_id, plain.hostname]).toEqual([SERVER_ID, os.hostname(), '', '']);
  });
});

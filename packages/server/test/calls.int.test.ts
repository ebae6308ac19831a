import * as grpc from '@grpc/grpc-js';
import { BadRequest, Code, RpcError } from '@switchboard/core';
import { startEcho, unary, type EchoHarness } from './harness';
import { until } from '../../../testing/until';

describe('deadlines and cancellation', () => {
  let h: EchoHarness;
  beforeEach(async () => {
    h = await startEcho();
  });
  afterEach(() => h.close());

  it('end a slow call with DEADLINE_EXCEEDED and fire the handler signal with that reason', async () => {
    const started = Date.now();
    await expect(unary(h.client, 'Unary', { delay_ms: 5000 }, { deadlineMs: 150 })).rejects.toMatchObject({
      code: grpc.status.DEADLINE_EXCEEDED,
    });
    expect(Date.now() - started).toBeLessThan(2000);
    await until(() => h.observed.aborts.length === 1);
    expect(h.observed.aborts[0]).toMatchObject({ method: 'Unary', reason: { code: Code.DEADLINE_EXCEEDED } });
  });

  it('fire the handler signal with CANCELLED when the client cancels a stream', async () => {
    const stream = h.client['ServerStream']!({ count: 100, delay_ms: 20 }) as grpc.ClientReadableStream<object>;
    await new Promise((r) => stream.once('data', r));
    const cancelledAt = Date.now();
    stream.cancel();
    stream.on('error', () => undefined);
    await until(() => h.observed.aborts.length === 1);
    expect(Date.now() - cancelledAt).toBeLessThan(500);
    expect(h.observed.aborts[0]).toMatchObject({ method: 'ServerStream', reason: { code: Code.CANCELLED } });
    expect(h.server.callsInFlight).toBe(0);
  });

  it('never let a grpc-js client cancel (END_STREAM, then RST_STREAM) look like a finished upload', async () => {
    // A window wide enough for a loaded CI machine: this checks the mechanism, the default is a latency trade-off.
    await h.close();
    h = await startEcho({ config: { halfCloseSettleMs: 200 } });
    for (let i = 0; i < 10; i++) {
      const call = (h.client['ClientStream'] as (cb: grpc.requestCallback<object>) => grpc.ClientWritableStream<object>)(() => undefined);
      call.on('error', () => undefined);
      call.write({ message: 'partial' });
      await new Promise((r) => setTimeout(r, 20));
      call.cancel();
    }
    await until(() => h.observed.aborts.length === 10);
    expect(h.observed.aborts.map((a) => [a.method, (a.reason as { code: number }).code])).toEqual(Array(10).fill(['ClientStream', Code.CANCELLED]));
  });

  it('end a streaming handler input with the cancellation reason', async () => {
    const call = h.client['Bidi']!() as grpc.ClientDuplexStream<object, object>;
    call.on('error', () => undefined);
    call.write({ message: 'one' });
    await new Promise((r) => call.once('data', r));
    call.cancel();
    await until(() => h.observed.aborts.length === 1);
    expect(h.observed.aborts[0]).toMatchObject({ method: 'Bidi', reason: { code: Code.CANCELLED } });
  });
});

describe('errors', () => {
  let h: EchoHarness;
  beforeEach(async () => {
    h = await startEcho();
  });
  afterEach(() => h.close());

  it('send an RpcError with its code, message and typed details', async () => {
    const error = (await unary(h.client, 'Unary', { message: 'bad', fail: 'INVALID_ARGUMENT' }).catch((e: unknown) => e)) as grpc.ServiceError;
    const decoded = RpcError.from(error);
    expect(decoded.code).toBe(Code.INVALID_ARGUMENT);
    expect(decoded.rawMessage).toBe('failed as asked: bad');
    expect(decoded.findDetail(BadRequest)?.field_violations).toEqual([expect.objectContaining({ field: 'message', description: 'bad' })]);
  });

  it('send any other exception as INTERNAL with a generic message, logged with its cause', async () => {
    const error = (await unary(h.client, 'Unary', { fail: 'PLAIN' }).catch((e: unknown) => e)) as grpc.ServiceError;
    expect(error.code).toBe(grpc.status.INTERNAL);
    expect(error.details).toBe('Internal server error');
    expect(JSON.stringify(error.metadata.toJSON())).not.toContain('hunter2');
    expect(h.lines.find((l) => l['msg'] === 'handler failed')).toMatchObject({ err: { message: 'db password is hunter2' } });
  });

  it('send errors raised mid-stream after the messages already sent', async () => {
    const stream = h.client['ServerStream']!({ count: 3, fail: 'NOT_FOUND' }) as grpc.ClientReadableStream<object>;
    const received: object[] = [];
    stream.on('data', (m: object) => received.push(m));
    const error = await new Promise<grpc.ServiceError>((resolve) => stream.on('error', resolve));
    expect(error.code).toBe(grpc.status.NOT_FOUND);
    expect(received).toHaveLength(0);
  });
});

describe('metadata', () => {
  let h: EchoHarness;
  beforeEach(async () => {
    h = await startEcho();
  });
  afterEach(() => h.close());

  it('reads text and -bin request metadata and sends headers and trailers back', async () => {
    const md = new grpc.Metadata();
    md.set('x-echo-text', 'plain');
    md.set('x-echo-blob-bin', Buffer.from([0, 1, 2, 255]));
    let headers: grpc.Metadata | undefined;
    let trailers: grpc.Metadata | undefined;
    await unary(h.client, 'Unary', { message: 'm' }, { metadata: md, onHeaders: (m) => (headers = m), onStatus: (s) => (trailers = s.metadata) });
    expect(headers?.get('x-echo-text')).toEqual(['plain']);
    expect(headers?.get('x-echo-blob-bin')).toEqual([Buffer.from([0, 1, 2, 255])]);
    expect(trailers?.get('x-echo-blob-bin')).toEqual([Buffer.from([0, 1, 2, 255])]);
  });

  it('sends trailers on errors too', async () => {
    const md = new grpc.Metadata();
    md.set('x-echo-why', 'because');
    const error = (await unary(h.client, 'Unary', { fail: 'ABORTED' }, { metadata: md }).catch((e: unknown) => e)) as grpc.ServiceError;
    expect(error.code).toBe(grpc.status.ABORTED);
    expect(error.metadata.get('x-echo-why')).toEqual(['because']);
  });
});

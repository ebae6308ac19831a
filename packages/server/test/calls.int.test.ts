import { fork } from 'node:child_process';
import * as path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { BadRequest, Code, RpcError } from '@switchboard/core';
import { startEcho, unary, type EchoHarness } from './harness';
import { until } from '@switchboard/test-support';

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

  it('never takes a grpc-js client cancel (END_STREAM, then RST_STREAM) for a finished upload, with no configured wait', async () => {
    // A client in its own process, one call at a time: each cancel's two frames reach the server on their own.
    const n = 100;
    const child = fork(path.join(__dirname, 'programs/cancel-uploads.js'), [String(h.port), String(n)], { stdio: 'inherit' });
    let seen = 0;
    child.on('message', (message) => {
      if (message === 'sent') void until(() => h.observed.started.length > seen).then(() => child.send('go'));
      else void until(() => h.observed.aborts.length + h.observed.completed.length > seen).then(() => child.send(`next ${++seen}`));
    });
    await new Promise((resolve) => child.once('exit', resolve));
    expect(seen).toBe(n);
    expect(h.observed.aborts.map((a) => [a.method, (a.reason as { code: number }).code])).toEqual(Array(n).fill(['ClientStream', Code.CANCELLED]));
    expect(h.observed.completed.filter((m) => m === 'ClientStream')).toEqual([]);
  });

  it('completes client streams that the client ends, each with all of its messages', async () => {
    const results = await Promise.all(
      Array.from(
        { length: 50 },
        () =>
          new Promise<object>((resolve, reject) => {
            const call = (h.client['ClientStream'] as (cb: grpc.requestCallback<object>) => grpc.ClientWritableStream<object>)((error, response) =>
              error ? reject(error) : resolve(response as object),
            );
            call.write({ message: 'a' });
            call.write({ message: 'b' });
            call.end();
          }),
      ),
    );
    expect(results).toEqual(Array(50).fill({ message: 'a,b', index: 2, payload: Buffer.alloc(0) }));
    expect(h.observed.aborts).toEqual([]);
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

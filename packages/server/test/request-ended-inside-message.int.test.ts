import * as grpc from '@grpc/grpc-js';
import type { ServerInterceptor } from '@switchboard/core';
import { Echo } from '../../../testing/echo/echo-service';
import { PARTIAL_REQUEST, partialRequestInterceptor, requestEndedInsideMessage } from '../src/request-ended-inside-message';
import { startEcho, unary, type EchoHarness } from './harness';
import { rawExchange } from './raw-exchange';
import { grpcFrame } from './raw-http2';

const serialize = (request: object): Buffer => Echo.methods.get('Unary')!.definition.requestSerialize(request);
const frame = (message: string): Buffer => grpcFrame(serialize({ message }));

/**
 * Records what requestEndedInsideMessage says on the call a Switchboard
 * handler gets: when a unary handler starts, and when a client stream's
 * requests have ended.
 */
function probe(seen: boolean[]): ServerInterceptor {
  return (call, next) => {
    if (call.method.kind === 'unary') {
      seen.push(requestEndedInsideMessage(call.ctx.grpcCall));
      return next(call);
    }
    const requests = call.requests;
    async function* watched(): AsyncIterable<unknown> {
      for await (const request of requests) yield request;
      seen.push(requestEndedInsideMessage(call.ctx.grpcCall));
    }
    return next({ ...call, requests: watched() });
  };
}

describe('requestEndedInsideMessage', () => {
  let h: EchoHarness;
  let seen: boolean[];
  beforeEach(async () => {
    seen = [];
    h = await startEcho({ interceptors: [probe(seen)] });
  });
  afterEach(() => h.close());

  const send = (method: string, body: Buffer) => rawExchange(h.port, `/switchboard.test.Echo/${method}`, body);

  it('is false when a client stream ends between messages', async () => {
    const response = await send('ClientStream', Buffer.concat([frame('a'), frame('b')]));
    expect(response.status).toBe(grpc.status.OK);
    expect(seen).toEqual([false]);
  });

  it('is true when a client stream ends inside a message; grpc-js alone then ends the call OK with the messages before it', async () => {
    const cut = frame('cut short');
    const response = await send('ClientStream', Buffer.concat([frame('a'), frame('b'), cut.subarray(0, cut.length - 3)]));
    // Today's behaviour without the check wired in: OK, and the handler saw two messages.
    expect(response.status).toBe(grpc.status.OK);
    expect(response.body.subarray(5).toString()).toContain('a,b');
    expect(seen).toEqual([true]);
    await expect(unary(h.client, 'Unary', { message: 'still serving' })).resolves.toMatchObject({ message: 'still serving' });
  });

  it('is true when a client stream ends inside the 5-byte length prefix', async () => {
    const response = await send('ClientStream', Buffer.concat([frame('a'), Buffer.from([0, 0, 0])]));
    expect(response.status).toBe(grpc.status.OK);
    expect(seen).toEqual([true]);
  });

  it('is true for a unary call whose one message is followed by a partial one; grpc-js alone runs the handler', async () => {
    const response = await send('Unary', Buffer.concat([frame('whole'), frame('partial').subarray(0, 6)]));
    expect(response.status).toBe(grpc.status.OK);
    expect(seen).toEqual([true]);
  });

  it('is false for a unary call of one whole message', async () => {
    const response = await send('Unary', frame('whole'));
    expect(response.status).toBe(grpc.status.OK);
    expect(seen).toEqual([false]);
  });

  it('sees nothing of a unary call whose only message is cut short: grpc-js answers UNIMPLEMENTED before any Switchboard interceptor runs (grpc-go: INTERNAL)', async () => {
    const cut = frame('only');
    const response = await send('Unary', cut.subarray(0, cut.length - 1));
    expect(response.status).toBe(grpc.status.UNIMPLEMENTED);
    expect(response.message).toMatch(/no request message/);
    expect(seen).toEqual([]);
    await expect(unary(h.client, 'Unary', { message: 'still serving' })).resolves.toMatchObject({ message: 'still serving' });
  });

  it('reads the decoder through a grpc-js ServerInterceptingCall as well', async () => {
    const server = new grpc.Server({
      interceptors: [
        (_method, call) =>
          new grpc.ServerInterceptingCall(call, {
            start: (next) =>
              next({
                onReceiveHalfClose: (done) => {
                  seen.push(requestEndedInsideMessage(call));
                  done();
                },
              }),
          }),
      ],
    });
    server.addService(Echo.definition, {
      ClientStream: (stream: grpc.ServerReadableStream<unknown, unknown>, callback: grpc.sendUnaryData<unknown>) => {
        stream.on('data', () => undefined);
        stream.on('end', () => callback(null, { message: 'done' }));
      },
    });
    const port = await new Promise<number>((resolve, reject) =>
      server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (error, p) => (error ? reject(error) : resolve(p))),
    );
    try {
      for (const body of [frame('a'), Buffer.concat([frame('a'), frame('b').subarray(0, 4)])]) {
        expect((await rawExchange(port, '/switchboard.test.Echo/ClientStream', body)).status).toBe(grpc.status.OK);
      }
      expect(seen).toEqual([false, true]);
    } finally {
      server.forceShutdown();
    }
  });
});

describe('partialRequestInterceptor on a grpc-js server', () => {
  let server: grpc.Server;
  let port: number;
  const received: string[] = [];
  beforeEach(async () => {
    received.length = 0;
    server = new grpc.Server({ interceptors: [partialRequestInterceptor] });
    server.addService(Echo.definition, {
      Unary: (call: grpc.ServerUnaryCall<{ message: string }, unknown>, callback: grpc.sendUnaryData<unknown>) => {
        received.push(call.request.message);
        callback(null, { message: call.request.message });
      },
      ClientStream: (stream: grpc.ServerReadableStream<{ message: string }, unknown>, callback: grpc.sendUnaryData<unknown>) => {
        stream.on('data', (request: { message: string }) => received.push(request.message));
        stream.on('end', () => callback(null, { message: 'done' }));
        stream.on('error', () => undefined);
      },
    });
    port = await new Promise<number>((resolve, reject) =>
      server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (error, p) => (error ? reject(error) : resolve(p))),
    );
  });
  afterEach(() => server.forceShutdown());

  const send = (method: string, body: Buffer) => rawExchange(port, `/switchboard.test.Echo/${method}`, body);

  it('answers INTERNAL for a client stream that ends inside a message, then serves a whole one', async () => {
    const cut = frame('cut');
    const bad = await send('ClientStream', Buffer.concat([frame('a'), cut.subarray(0, cut.length - 1)]));
    expect(bad.status).toBe(grpc.status.INTERNAL);
    expect(bad.message).toBe(PARTIAL_REQUEST);
    const good = await send('ClientStream', Buffer.concat([frame('b'), frame('c')]));
    expect(good.status).toBe(grpc.status.OK);
    expect(received).toEqual(['a', 'b', 'c']);
  });

  it('answers INTERNAL for a unary call whose only message is cut short, where grpc-js alone says UNIMPLEMENTED', async () => {
    const cut = frame('only');
    const bad = await send('Unary', cut.subarray(0, cut.length - 2));
    expect(bad.status).toBe(grpc.status.INTERNAL);
    const trailing = await send('Unary', Buffer.concat([frame('whole'), Buffer.from([0])]));
    expect(trailing.status).toBe(grpc.status.INTERNAL);
    const good = await send('Unary', frame('fine'));
    expect(good.status).toBe(grpc.status.OK);
    expect(received).toEqual(['fine']);
  });
});

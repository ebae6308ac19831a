import type * as grpc from '@grpc/grpc-js';
import { BadRequest, Code, RpcError, observeClient, resolve, type ClientInterceptor } from '@switchboard/core';
import { Echo, type EchoReply, Lab } from '@switchboard/test-support';
import { defineClient } from '../src/index';
import { connect } from './chain';
import { echoServer } from './echo-server';

const echoClient = defineClient('echo', Echo);
const labClient = defineClient('lab', Lab);
type Server = Awaited<ReturnType<typeof echoServer>>;

describe('an injected client', () => {
  let server: Server;
  let close: () => void;
  beforeEach(async () => {
    server = await echoServer();
  });
  afterEach(async () => {
    close();
    await server.close();
  });

  function clients(config: object = {}, interceptors: ClientInterceptor[] = []) {
    const target = `127.0.0.1:${server.port}`;
    const c = connect([echoClient, labClient], { echo: { target, ...config }, lab: { target } }, { interceptors });
    close = c.close;
    return { echo: resolve(c.container, echoClient.token), lab: resolve(c.container, labClient.token), runtime: c.runtime };
  }

  it('makes all four kinds of call', async () => {
    const { echo } = clients();
    await expect(echo.Unary({ message: 'u' })).resolves.toMatchObject({ message: 'u' });
    const streamed: number[] = [];
    for await (const reply of echo.ServerStream({ message: 's', count: 3 })) streamed.push(reply.index);
    expect(streamed).toEqual([0, 1, 2]);
    const upload = echo.ClientStream();
    for (const m of ['a', 'b', 'c']) await upload.write({ message: m });
    upload.end();
    await expect(upload.response).resolves.toMatchObject({ message: 'a,b,c', index: 3 });
    const bidi = echo.Bidi();
    const answers: string[] = [];
    await bidi.write({ message: 'x' });
    for await (const reply of bidi) {
      answers.push(reply.message);
      if (answers.length < 3) await bidi.write({ message: `x${answers.length}` });
      else bidi.end();
    }
    expect(answers).toEqual(['x', 'x1', 'x2']);
  });

  it('shares one channel, hence one connection, between stubs of two services on one target', async () => {
    const { echo, lab, runtime } = clients();
    expect(runtime.layout).toEqual([[`dns:///127.0.0.1:${server.port}`, ['echo', 'lab']]]);
    await echo.Unary({ message: 'a' });
    await lab.Flaky({ key: 'k', failures: 0 });
    await echo.Unary({ message: 'b' });
    expect(server.peers).toHaveLength(3);
    expect(new Set(server.peers).size).toBe(1);
  });

  it('rejects with an RpcError carrying code, message and decoded details', async () => {
    const { echo } = clients();
    const error = (await echo.Unary({ message: 'bad', fail: 'INVALID_ARGUMENT' }).catch((e: unknown) => e)) as RpcError;
    expect(error).toBeInstanceOf(RpcError);
    expect(error.code).toBe(Code.INVALID_ARGUMENT);
    expect(error.rawMessage).toBe('failed as asked: bad');
    expect(error.findDetail(BadRequest)?.field_violations).toEqual([expect.objectContaining({ field: 'message', description: 'bad' })]);
    const streamError = await (async () => {
      for await (const _ of echo.ServerStream({ count: 2, fail: 'NOT_FOUND' })) void _;
    })().catch((e: unknown) => e);
    expect((streamError as RpcError).code).toBe(Code.NOT_FOUND);
  });

  it('sends metadata and reads headers and trailers, text and -bin, on every kind', async () => {
    const { echo } = clients({ metadata: { 'x-echo-configured': 'yes' } });
    const blob = Buffer.from([0, 1, 2, 255]);
    const seen: Record<string, { header?: grpc.Metadata; trailer?: grpc.Metadata }> = {};
    const opts = (kind: string) => ({
      metadata: { 'x-echo-text': kind, 'x-echo-blob-bin': blob },
      onHeader: (h: grpc.Metadata) => ((seen[kind] ??= {}).header = h),
      onTrailer: (t: grpc.Metadata) => ((seen[kind] ??= {}).trailer = t),
    });
    await echo.Unary({ message: 'u' }, opts('unary'));
    for await (const _ of echo.ServerStream({ count: 1 }, opts('server'))) void _;
    const up = echo.ClientStream(opts('client'));
    up.end();
    await up.response;
    const bidi = echo.Bidi(opts('bidi'));
    bidi.end();
    for await (const _ of bidi) void _;
    for (const kind of ['unary', 'server', 'client', 'bidi']) {
      expect(seen[kind]?.header?.get('x-echo-text')).toEqual([kind]);
      expect(seen[kind]?.header?.get('x-echo-configured')).toEqual(['yes']);
      expect(seen[kind]?.trailer?.get('x-echo-blob-bin')).toEqual([blob]);
    }
  });

  it('runs global then per-client interceptors, seeing every message both ways and the status', async () => {
    const log: string[] = [];
    const tracer = (name: string): ClientInterceptor =>
      async function* (call, next) {
        log.push(`${name}> ${call.method.kind}`);
        call.metadata.set(`x-echo-${name}`, '1');
        const requests = (async function* () {
          for await (const m of call.requests) {
            log.push(`${name} req ${(m as { message: string }).message}`);
            yield m;
          }
        })();
        try {
          for await (const reply of next({ ...call, requests })) {
            log.push(`${name} res ${(reply as EchoReply).message}`);
            yield reply;
          }
          log.push(`<${name} OK`);
        } catch (error) {
          log.push(`<${name} ${Code[RpcError.from(error).code]}`);
          throw error;
        }
      };
    const c = connect(
      [echoClient],
      { echo: { target: `127.0.0.1:${server.port}`, interceptors: ['inner'] } },
      { interceptors: [tracer('outer')], named: { inner: tracer('inner'), shared: tracer('shared') } },
      { clientInterceptors: ['shared'] },
    );
    close = c.close;
    const echo = resolve(c.container, echoClient.token);
    const bidi = echo.Bidi();
    await bidi.write({ message: 'a' });
    bidi.end();
    for await (const _ of bidi) void _;
    await echo.Unary({ message: 'u', fail: 'ABORTED' }).catch(() => undefined);
    // Given in code, then named for every client (clientInterceptors), then the client's own; back in reverse.
    expect(log).toEqual([
      'outer> bidi',
      'shared> bidi',
      'inner> bidi',
      'outer req a',
      'shared req a',
      'inner req a',
      'inner res a',
      'shared res a',
      'outer res a',
      '<inner OK',
      '<shared OK',
      '<outer OK',
      'outer> unary',
      'shared> unary',
      'inner> unary',
      'outer req u',
      'shared req u',
      'inner req u',
      '<inner ABORTED',
      '<shared ABORTED',
      '<outer ABORTED',
    ]);
  });

  it('observeClient sees the start, each message both ways and one end per call, stream left early included', async () => {
    const log: string[] = [];
    const text = (m: unknown) => (m as { message: string }).message;
    const watcher = observeClient({
      onStart: (call) => void log.push(`start ${call.method.name}`),
      onRequest: (m) => void log.push(`req ${text(m)}`),
      onResponse: (m) => void log.push(`res ${text(m)}`),
      onEnd: (call, error) => void log.push(`end ${call.method.name} ${error === undefined ? 'OK' : Code[RpcError.from(error).code]}`),
    });
    const { echo } = clients({}, [watcher]);
    const bidi = echo.Bidi();
    const replies = bidi[Symbol.asyncIterator]();
    await bidi.write({ message: 'a' });
    await replies.next();
    await bidi.write({ message: 'b' });
    bidi.end();
    while ((await replies.next()).done !== true);
    await echo.Unary({ message: 'u', fail: 'ABORTED' }).catch(() => undefined);
    for await (const reply of echo.ServerStream({ message: 's', count: 5 })) if (reply.index === 1) break;
    expect(log).toEqual([
      'start Bidi',
      'req a',
      'res a',
      'req b',
      'res b',
      'end Bidi OK',
      'start Unary',
      'req u',
      'end Unary ABORTED',
      'start ServerStream',
      'req s',
      'res s',
      'res s',
      'end ServerStream OK',
    ]);
  });

  it('retries a retryable code until it succeeds, and never a code that is not retryable', async () => {
    const target = `127.0.0.1:${server.port}`;
    const c = connect([labClient], {
      lab: { target, retry: { maxAttempts: 3, initialBackoffMs: 10, maxBackoffMs: 50, codes: ['UNAVAILABLE'] } },
    });
    close = c.close;
    const lab = resolve(c.container, labClient.token);
    await expect(lab.Flaky({ key: 'twice', failures: 2, code: 'UNAVAILABLE' })).resolves.toEqual({ attempts: 3 });
    await expect(lab.Flaky({ key: 'invalid', failures: 2, code: 'INVALID_ARGUMENT' })).rejects.toMatchObject({ code: Code.INVALID_ARGUMENT });
    await expect(lab.Flaky({ key: 'invalid', failures: 2, code: 'INVALID_ARGUMENT' })).rejects.toMatchObject({ rawMessage: 'failure 2 of 2' });
  });

  it('hedges as configured: a slow call goes out maxAttempts times, a non-fatal failure sends the next attempt at once', async () => {
    const hedging = { maxAttempts: 3, hedgingDelayMs: 50, nonFatalCodes: ['UNAVAILABLE'] };
    const c = connect([labClient], { lab: { target: `127.0.0.1:${server.port}`, hedging } });
    close = c.close;
    const lab = resolve(c.container, labClient.token);
    await expect(lab.Flaky({ key: 'hedged', failures: 2, code: 'UNAVAILABLE' })).resolves.toEqual({ attempts: 3 });
    // A fatal code ends the call after one attempt: the next two calls are attempts 2 (fails) and 3.
    const fatal = { key: 'fatal', failures: 2, code: 'INVALID_ARGUMENT' };
    await expect(lab.Flaky(fatal)).rejects.toMatchObject({ code: Code.INVALID_ARGUMENT });
    await expect(lab.Flaky(fatal)).rejects.toMatchObject({ code: Code.INVALID_ARGUMENT });
    await expect(lab.Flaky(fatal)).resolves.toEqual({ attempts: 3 });
    const before = server.peers.length;
    await expect(lab.Forward({ id: 'slow', sleep_ms: 400 })).resolves.toMatchObject({ path: ['lab'] });
    // Attempts at 0, 50 and 100 ms, all on the server before the first answers at 400 ms.
    expect(server.peers.length - before).toBe(3);
  });

  it('enforces its message size limits: RESOURCE_EXHAUSTED for a request too big to send and a response too big to take', async () => {
    const big = Buffer.alloc(2048, 1);
    const sending = clients({ maxSendMessageBytes: 1024 }).echo;
    await expect(sending.Unary({ message: 'big', payload: big })).rejects.toMatchObject({ code: Code.RESOURCE_EXHAUSTED });
    await expect(sending.Unary({ message: 'small', payload: Buffer.alloc(100) })).resolves.toMatchObject({ message: 'small' });
    close();
    const receiving = clients({ maxReceiveMessageBytes: 1024 }).echo;
    await expect(receiving.Unary({ message: 'big', payload: big })).rejects.toMatchObject({ code: Code.RESOURCE_EXHAUSTED });
    await expect(receiving.Unary({ message: 'small', payload: Buffer.alloc(100) })).resolves.toMatchObject({ message: 'small' });
  });

  it('applies the configured deadline, a per-method override and a per-call one', async () => {
    const { echo } = clients({ deadlineMs: 5000, methods: { ServerStream: { deadlineMs: 100 } } });
    const started = Date.now();
    await expect(echo.Unary({ delay_ms: 50 })).resolves.toBeDefined();
    await expect(echo.Unary({ delay_ms: 2000 }, { deadlineMs: 100 })).rejects.toMatchObject({ code: Code.DEADLINE_EXCEEDED });
    const stream = (async () => {
      for await (const _ of echo.ServerStream({ count: 5, delay_ms: 500 })) void _;
    })();
    await expect(stream).rejects.toMatchObject({ code: Code.DEADLINE_EXCEEDED });
    expect(Date.now() - started).toBeLessThan(1500);
  });

  it('cancels a call when its signal aborts, and a stream the consumer leaves early', async () => {
    const { echo } = clients();
    const controller = new AbortController();
    const pending = echo.Unary({ delay_ms: 5000 }, { signal: controller.signal });
    setTimeout(() => controller.abort(), 50);
    await expect(pending).rejects.toMatchObject({ code: Code.CANCELLED });
    for await (const reply of echo.ServerStream({ count: 100, delay_ms: 20 })) if (reply.index === 1) break;
    await new Promise((r) => setTimeout(r, 200));
    expect(server.observed.aborts.map((a) => [a.method, (a.reason as RpcError).code])).toEqual([
      ['Unary', Code.CANCELLED],
      ['ServerStream', Code.CANCELLED],
    ]);
  });

  it('cancels a server stream the consumer leaves while the call is still starting', async () => {
    const { echo } = clients();
    await echo.Unary({ message: 'connect first, so the call goes out at once' });
    const replies = echo.ServerStream({ count: 1, delay_ms: 300 })[Symbol.asyncIterator]();
    const first = replies.next();
    await replies.return!();
    await expect(first).resolves.toEqual({ done: true, value: undefined });
    // Left running, the handler would produce its reply after 300 ms.
    await new Promise((r) => setTimeout(r, 800));
    expect(server.observed.produced).toBe(0);
  });

  it('holds a fast server stream back while the consumer does not read (flow control), and loses nothing', async () => {
    const { echo } = clients();
    const payload = Buffer.alloc(16 * 1024, 7);
    const replies = echo.ServerStream({ count: 2000, payload })[Symbol.asyncIterator]();
    expect((await replies.next()).value).toMatchObject({ index: 0 });
    await new Promise((r) => setTimeout(r, 300));
    // 32 MiB are waiting; what the server produced is bounded by the client's buffer, grpc-js's and HTTP/2's windows.
    expect(server.observed.produced).toBeLessThan(150);
    let last = 0;
    for (let r = await replies.next(); r.done !== true; r = await replies.next()) {
      expect(r.value.index).toBe(++last);
    }
    expect(last).toBe(1999);
    expect(server.observed.produced).toBe(2000);
  });
});

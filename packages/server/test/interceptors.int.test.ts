import * as grpc from '@grpc/grpc-js';
import { Code, RpcError, Service, UseInterceptors, observe, type ServerInterceptor } from '@switchboard/core';
import { Echo, type EchoReply, type EchoRequest, grpcFrame, rawCall, until } from '@switchboard/test-support';
import { collect, startEcho, unary, type EchoHarness } from './harness';

function tracer(name: string, log: string[]): ServerInterceptor {
  return async function* (call, next) {
    log.push(`${name}>`);
    try {
      yield* next(call);
      log.push(`<${name} ok`);
    } catch (error) {
      log.push(`<${name} ${Code[RpcError.from(error).code]}`);
      throw error;
    }
  };
}

describe('server interceptors', () => {
  let h: EchoHarness | undefined;
  afterEach(() => h?.close());

  it('run global, then service, then method, and unwind in reverse', async () => {
    const log: string[] = [];
    @Service(Echo)
    @UseInterceptors(tracer('service1', log), tracer('service2', log))
    class Traced {
      @UseInterceptors(tracer('method', log))
      async Unary(request: EchoRequest): Promise<EchoReply> {
        log.push('handler');
        return { message: request.message };
      }
      async *ServerStream(): AsyncIterable<EchoReply> {}
      async ClientStream(): Promise<EchoReply> {
        return { message: '' };
      }
      async *Bidi(): AsyncIterable<EchoReply> {}
    }
    h = await startEcho({ interceptors: [tracer('global1', log), tracer('global2', log)], service: Traced });
    await unary(h.client, 'Unary', { message: 'x' });
    expect(log).toEqual([
      'global1>',
      'global2>',
      'service1>',
      'service2>',
      'method>',
      'handler',
      '<method ok',
      '<service2 ok',
      '<service1 ok',
      '<global2 ok',
      '<global1 ok',
    ]);
  });

  it('see every message of a bidi call in both directions and its final status', async () => {
    const events: string[] = [];
    const watcher = observe({
      onRequest: (m) => void events.push(`in:${(m as EchoRequest).message}`),
      onResponse: (m) => void events.push(`out:${(m as EchoReply).message}`),
      onEnd: (call, error) => void events.push(`end:${call.method.kind}:${error === undefined ? 'OK' : Code[RpcError.from(error).code]}`),
    });
    h = await startEcho({ interceptors: [watcher] });
    const call = h.client['Bidi']!() as grpc.ClientDuplexStream<object, EchoReply>;
    call.write({ message: 'a' });
    call.write({ message: 'b' });
    call.end();
    await collect(call);
    expect(events).toEqual(['in:a', 'out:a', 'in:b', 'out:b', 'end:bidi:OK']);
  });

  it('may be async and reject a call before the handler runs (auth)', async () => {
    let handled = 0;
    const auth: ServerInterceptor = async function* (call, next) {
      await new Promise((r) => setImmediate(r));
      if (call.ctx.metadata.get('authorization')[0] !== 'Bearer s3cret') {
        throw new RpcError(Code.UNAUTHENTICATED, 'missing or wrong token');
      }
      yield* next(call);
    };
    const counter = observe({ onStart: () => void handled++ });
    h = await startEcho({ interceptors: [auth, counter] });
    await expect(unary(h.client, 'Unary', { message: 'x' })).rejects.toMatchObject({
      code: grpc.status.UNAUTHENTICATED,
      details: 'missing or wrong token',
    });
    const good = new grpc.Metadata();
    good.set('authorization', 'Bearer s3cret');
    await expect(unary(h.client, 'Unary', { message: 'x' }, { metadata: good })).resolves.toMatchObject({ message: 'x' });
    expect(handled).toBe(1);
  });

  it('see DEADLINE_EXCEEDED when the deadline passes in the handler', async () => {
    const log: string[] = [];
    h = await startEcho({ interceptors: [tracer('watch', log)] });
    await expect(unary(h.client, 'Unary', { message: 'slow', delay_ms: 5000 }, { deadlineMs: 100 })).rejects.toMatchObject({
      code: grpc.status.DEADLINE_EXCEEDED,
    });
    await new Promise((r) => setTimeout(r, 50));
    expect(log).toEqual(['watch>', '<watch DEADLINE_EXCEEDED']);
  });

  it('can change the messages on their way', async () => {
    const upper: ServerInterceptor = async function* (call, next) {
      for await (const reply of next(call)) yield { ...(reply as EchoReply), message: (reply as EchoReply).message.toUpperCase() };
    };
    h = await startEcho({ interceptors: [upper] });
    await expect(unary(h.client, 'Unary', { message: 'shout' })).resolves.toMatchObject({ message: 'SHOUT' });
  });
});

describe('an interceptor written as a plain function that throws before it returns', () => {
  let h: EchoHarness | undefined;
  afterEach(() => h?.close());

  it('ends unary and server-streaming calls INTERNAL, and the server goes on serving', async () => {
    let thrown = 0;
    const broken: ServerInterceptor = (call, next) => {
      if (call.ctx.metadata.get('break').length > 0) {
        thrown++;
        throw new Error('interceptor bug');
      }
      return next(call);
    };
    h = await startEcho({ interceptors: [broken] });
    const metadata = new grpc.Metadata();
    metadata.set('break', 'yes');
    await expect(unary(h.client, 'Unary', { message: 'x' }, { metadata })).rejects.toMatchObject({ code: grpc.status.INTERNAL });
    const stream = h.client['ServerStream']!({ count: 2 }, metadata) as grpc.ClientReadableStream<EchoReply>;
    await expect(collect(stream)).rejects.toMatchObject({ code: grpc.status.INTERNAL });
    expect(thrown).toBe(2);
    await expect(unary(h.client, 'Unary', { message: 'still up' })).resolves.toMatchObject({ message: 'still up' });
  });
});

describe('an observing interceptor on a call the client leaves', () => {
  let h: EchoHarness | undefined;
  afterEach(() => h?.close());

  it('sees CANCELLED when the client cancels a server stream that waits for the transport to drain', async () => {
    const ends: unknown[] = [];
    h = await startEcho({ interceptors: [observe({ onEnd: (_call, error) => void ends.push(error === undefined ? 'OK' : Code[RpcError.from(error).code]) })] });
    // 64 KiB replies to a client that never reads (Node's bare HTTP/2 client, paused): the handler soon waits for 'drain'.
    const request = Echo.methods.get('ServerStream')!.definition.requestSerialize({ count: 1000, payload: Buffer.alloc(64 * 1024) });
    const call = rawCall(h.port, '/switchboard.test.Echo/ServerStream', grpcFrame(request));
    call.stream.pause();
    const settled = async (): Promise<number> => {
      let last = -1;
      while (h!.observed.produced !== last) {
        last = h!.observed.produced;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      return last;
    };
    expect(await settled()).toBeLessThan(100);
    call.close();
    await until(() => ends.length === 1);
    expect(ends).toEqual(['CANCELLED']);
  });
});

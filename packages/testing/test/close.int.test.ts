import * as grpc from '@grpc/grpc-js';
import { createClient } from '@switchboard/client';
import { Code } from '@switchboard/core';
import { LeftOpenError, startTestServer } from '../src/index';
import { Numbers, SeenToken, numbersModule } from './fixtures/numbers';

describe('TestServer.close()', () => {
  it('passes when every call ended: read to the end, left early, cancelled, and a client the test closed', async () => {
    const server = await startTestServer({ modules: [numbersModule] });
    const client = server.client(Numbers);
    await client.Square({ value: 1 });
    for await (const _ of client.Count({ value: 3 }));
    for await (const _ of client.Count({ value: -3 })) break;
    const controller = new AbortController();
    const stream = client.Count({ value: -1 }, { signal: controller.signal })[Symbol.asyncIterator]();
    await stream.next();
    controller.abort();
    await expect(stream.next()).rejects.toMatchObject({ code: Code.CANCELLED });
    const sum = client.Sum();
    await sum.write({ value: 1 });
    sum.end();
    await sum.response;
    const echo = client.Echo();
    echo.end();
    for await (const _ of echo);
    const own = createClient(Numbers, { target: server.address });
    await own.Square({ value: 1 });
    own.close();
    await expect(server.close()).resolves.toBeUndefined();
  });

  it('rejects on a server stream the kit client left open, names it, and still cancels it on the server', async () => {
    const server = await startTestServer({ modules: [numbersModule] });
    const seen = server.get(SeenToken);
    const stream = server.client(Numbers).Count({ value: -1 })[Symbol.asyncIterator]();
    await stream.next();
    const closed = server.close();
    await expect(closed).rejects.toThrow(LeftOpenError);
    await expect(closed).rejects.toThrow(/calls left open: client call \/testkit.Numbers\/Count ×1/);
    expect(seen.aborted).toEqual(['Count']);
    await expect(stream.next()).rejects.toMatchObject({ code: Code.CANCELLED });
  });

  it('rejects on a client call left open (a bidi never ended, a unary still waiting), naming each method and count', async () => {
    const server = await startTestServer({ modules: [numbersModule], faults: [{ method: '/testkit.Numbers/Square', delayMs: 60_000 }] });
    const client = server.client(Numbers);
    const echo = client.Echo();
    await echo.write({ value: 1 });
    const first = await echo[Symbol.asyncIterator]().next();
    expect(first.value).toEqual({ value: 1 });
    const waiting = client.Square({ value: 1 });
    const waiting2 = client.Square({ value: 2 });
    const error = (await server.close().catch((e: unknown) => e)) as LeftOpenError;
    expect(error).toBeInstanceOf(LeftOpenError);
    expect([...error.calls].sort()).toEqual(['client call /testkit.Numbers/Echo ×1', 'client call /testkit.Numbers/Square ×2']);
    await expect(waiting).rejects.toMatchObject({ code: Code.CANCELLED });
    await expect(waiting2).rejects.toMatchObject({ code: Code.CANCELLED });
  });

  it('rejects on a server stream left open by a client outside the kit, and names that client left open too', async () => {
    const server = await startTestServer({ modules: [numbersModule], closeWaitMs: 200 });
    const own = createClient(Numbers, { target: server.address });
    try {
      const stream = own.Count({ value: -1 })[Symbol.asyncIterator]();
      await stream.next();
      const error = (await server.close().catch((e: unknown) => e)) as LeftOpenError;
      expect(error).toBeInstanceOf(LeftOpenError);
      expect(error.calls).toEqual(['server call /testkit.Numbers/Count ×1']);
      expect(error.channels).toEqual([{ target: `dns:///${server.address}`, calls: 1, state: expect.any(String) }]);
      expect(error.message).toMatch(/clients left open: dns:\/\/\/127\.0\.0\.1:\d+ \(\w+, 1 call\) \(close every client you make/);
    } finally {
      own.close();
    }
  });

  it('rejects on a raw grpc-js client left open, by its target', async () => {
    const server = await startTestServer({ modules: [numbersModule] });
    const Raw = grpc.makeGenericClientConstructor(Numbers.definition, 'Numbers');
    const raw = new Raw(server.address, grpc.credentials.createInsecure()) as unknown as grpc.Client & {
      Square(request: object, callback: (error: grpc.ServiceError | null) => void): void;
    };
    try {
      await new Promise<void>((resolve, reject) => raw.Square({ value: 3 }, (error) => (error ? reject(error) : resolve())));
      await expect(server.close()).rejects.toThrow(new RegExp(`clients left open: ${server.address.replace(/\./g, '\\.')} \\(\\w+, 1 call\\)`));
    } finally {
      raw.close();
    }
  });

  it('settles once: a second close() gives the first outcome', async () => {
    const server = await startTestServer({ modules: [numbersModule] });
    const first = server.close();
    expect(server.close()).toBe(first);
    await first;
  });
});

import { Code, QuotaFailure, RpcError, SwitchboardError } from '@switchboard/core';
import { startTestServer, type TestServer } from '../src/index';
import { Numbers, SeenToken, numbersModule, type Num } from './fixtures/numbers';

const quota = (): RpcError =>
  new RpcError(Code.RESOURCE_EXHAUSTED, 'quota spent', { details: [QuotaFailure.create({ violations: [{ subject: 'user:ada', description: '0 left' }] })] });

async function collect(stream: AsyncIterable<Num>, into: number[]): Promise<void> {
  for await (const { value } of stream) into.push(value);
}

describe('faults on a served method, seen by a real client', () => {
  let server: TestServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  it('delays the call: a deadline shorter than the delay ends it DEADLINE_EXCEEDED before the handler runs', async () => {
    server = await startTestServer({ modules: [numbersModule], faults: [{ method: '/testkit.Numbers/Square', delayMs: 60_000 }] });
    await expect(server.client(Numbers).Square({ value: 2 }, { deadlineMs: 100 })).rejects.toMatchObject({ code: Code.DEADLINE_EXCEEDED });
    expect(server.get(SeenToken).started).toEqual([]);
  });

  it('fails the first call with the code, message and typed details given, then lets the next through', async () => {
    const Square = Numbers.methods.get('Square')!;
    server = await startTestServer({ modules: [numbersModule], faults: [{ method: Square, fail: quota(), times: 1 }] });
    const client = server.client(Numbers);
    const error = await client.Square({ value: 2 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RpcError);
    expect(error).toMatchObject({ code: Code.RESOURCE_EXHAUSTED, rawMessage: 'quota spent' });
    expect((error as RpcError).findDetail(QuotaFailure)?.violations?.[0]).toMatchObject({ subject: 'user:ada', description: '0 left' });
    await expect(client.Square({ value: 2 })).resolves.toEqual({ value: 8 });
    expect(server.get(SeenToken).started).toEqual(['Square']);
  });

  it('cancels a server stream after 3 responses: the client reads 1, 2, 3, then CANCELLED', async () => {
    server = await startTestServer({ modules: [numbersModule], faults: [{ method: '/testkit.Numbers/Count', cancelAfter: 3 }] });
    const values: number[] = [];
    await expect(collect(server.client(Numbers).Count({ value: 10 }), values)).rejects.toMatchObject({ code: Code.CANCELLED });
    expect(values).toEqual([1, 2, 3]);
  });

  it('cancels a client stream after 2 requests: the response is CANCELLED though the client sent 5', async () => {
    server = await startTestServer({ modules: [numbersModule], faults: [{ method: '/testkit.Numbers/Sum', cancelAfter: 2 }] });
    const call = server.client(Numbers).Sum();
    for (const value of [1, 2, 3, 4, 5]) void call.write({ value }).catch(() => undefined);
    call.end();
    await expect(call.response).rejects.toMatchObject({ code: Code.CANCELLED });
  });

  it('refuses a fault on a method nobody serves, naming the methods that exist', async () => {
    const started = startTestServer({ modules: [numbersModule], faults: [{ method: '/testkit.Numbers/Cube', delayMs: 1 }] });
    await expect(started).rejects.toThrow(SwitchboardError);
    await expect(started).rejects.toThrow(/no served method '\/testkit.Numbers\/Cube'.*\/testkit.Numbers\/Square, \/testkit.Numbers\/Count/);
  });

  it('refuses a fault that both fails and cancels, and a negative delay', async () => {
    await expect(startTestServer({ modules: [numbersModule], faults: [{ method: '/testkit.Numbers/Count', fail: quota(), cancelAfter: 1 }] })).rejects.toThrow(
      /fail and cancelAfter exclude each other/,
    );
    await expect(startTestServer({ modules: [numbersModule], faults: [{ method: '/testkit.Numbers/Square', delayMs: -1 }] })).rejects.toThrow(
      /delayMs must be a whole number >= 0, got -1/,
    );
  });
});

describe('faults on a client, seen by its caller', () => {
  let server: TestServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  it('fails the call as a received status, with its details, without reaching the server', async () => {
    server = await startTestServer({ modules: [numbersModule] });
    const client = server.client(Numbers, { faults: { Square: { fail: quota() } } });
    const error = (await client.Square({ value: 2 }).catch((e: unknown) => e)) as RpcError;
    expect(error).toMatchObject({ code: Code.RESOURCE_EXHAUSTED, rawMessage: 'quota spent', received: true });
    expect(error.findDetail(QuotaFailure)?.violations?.[0]?.subject).toBe('user:ada');
    expect(server.get(SeenToken).started).toEqual([]);
  });

  it('cancels a server stream after 2 responses: the caller reads 1, 2, then CANCELLED, and the handler sees the cancel', async () => {
    server = await startTestServer({ modules: [numbersModule] });
    const values: number[] = [];
    const client = server.client(Numbers, { faults: { Count: { cancelAfter: 2 } } });
    await expect(collect(client.Count({ value: -5 }), values)).rejects.toMatchObject({ code: Code.CANCELLED });
    expect(values).toEqual([1, 2]);
    const seen = server.get(SeenToken);
    await server.close();
    expect(seen.aborted).toEqual(['Count']);
  });

  it('delays the call past its deadline: DEADLINE_EXCEEDED, and the server never sees it', async () => {
    server = await startTestServer({ modules: [numbersModule] });
    const client = server.client(Numbers, { faults: { Square: { delayMs: 200 } } });
    await expect(client.Square({ value: 2 }, { deadlineMs: 50 })).rejects.toMatchObject({ code: Code.DEADLINE_EXCEEDED });
    expect(server.get(SeenToken).started).toEqual([]);
  });

  it('refuses a client fault on a method the service lacks, at compile time and at run time', async () => {
    server = await startTestServer({ modules: [numbersModule] });
    // @ts-expect-error Cube is not a method of testkit.Numbers
    expect(() => server!.client(Numbers, { faults: { Cube: { delayMs: 1 } } })).toThrow(/testkit.Numbers has no method 'Cube'.*Square, Count, Sum, Echo/);
  });
});

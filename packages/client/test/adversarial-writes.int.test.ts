import { Code, resolve, type RpcError } from '@switchboard/core';
import { Echo, type EchoRequest, grpcFrame, misbehavingServer, type MisbehavingServer, responseHeaders, sendStatus } from '@switchboard/test-support';
import { defineClient } from '../src/index';
import { connect } from './chain';
import { statusOf } from './drive-call';
import { echoServer } from './echo-server';

const echoClient = defineClient('echo', Echo);
const MiB = Buffer.alloc(1024 * 1024, 1);

/** What each write ended with, in order: `taken`, or the status (`not an RpcError: …` for anything else). */
function settled(writes: Promise<void>[]): Promise<string[]> {
  return Promise.all(writes.map((w) => w.then(() => 'taken', statusOf)));
}

describe('writes to a call that has ended', () => {
  let server: Awaited<ReturnType<typeof echoServer>>;
  let close: () => void = () => undefined;
  beforeEach(async () => {
    server = await echoServer();
  });
  afterEach(async () => {
    close();
    await server.close();
  });

  function echo(config: object = {}) {
    const c = connect([echoClient], { echo: { target: `127.0.0.1:${server.port}`, maxSendMessageBytes: 8 * 1024 * 1024, ...config } });
    close = c.close;
    return resolve(c.container, echoClient.token);
  }

  const failing: Partial<EchoRequest> = { message: 'm', fail: 'FAILED_PRECONDITION', payload: MiB };

  it.each(['ClientStream', 'Bidi'] as const)(
    '%s: awaited 1 MiB writes to a handler that fails at once reject with its status, and every write after the first rejection too',
    async (kind) => {
      const stub = echo();
      const call = kind === 'ClientStream' ? stub.ClientStream() : stub.Bidi();
      const outcomes: string[] = [];
      // Bounded: before the fix, a write here waited for 'drain' forever once the server had failed.
      for (let i = 0; i < 64 && !outcomes.includes('FAILED_PRECONDITION'); i++) outcomes.push(await call.write(failing).then(() => 'taken', statusOf));
      expect(outcomes.at(-1)).toBe('FAILED_PRECONDITION');
      expect(outcomes.slice(0, -1).every((o) => o === 'taken')).toBe(true);
      expect(await settled([call.write(failing), call.write(failing)])).toEqual(['FAILED_PRECONDITION', 'FAILED_PRECONDITION']);
      call.end();
      const end =
        kind === 'ClientStream'
          ? (call as ReturnType<typeof stub.ClientStream>).response
          : (async () => {
              for await (const _ of call as ReturnType<typeof stub.Bidi>) void _;
            })();
      await expect(end).rejects.toMatchObject({ code: Code.FAILED_PRECONDITION });
      expect(await settled([call.write(failing)])).toEqual(['FAILED_PRECONDITION']);
    },
  );

  it.each(['ClientStream', 'Bidi'] as const)('%s: writes not awaited, queued behind a full transport, are all released by the failure', async (kind) => {
    const stub = echo();
    const call = kind === 'ClientStream' ? stub.ClientStream() : stub.Bidi();
    const writes = Array.from({ length: 48 }, () => call.write(failing));
    const outcomes = await settled(writes);
    const rejected = outcomes.indexOf('FAILED_PRECONDITION');
    expect(rejected).toBeGreaterThan(0);
    expect(outcomes.slice(rejected).every((o) => o === 'FAILED_PRECONDITION')).toBe(true);
    expect(outcomes.slice(0, rejected).every((o) => o === 'taken')).toBe(true);
  });

  it('a write() after end() rejects, end() twice is harmless, and the call still ends OK', async () => {
    const call = echo().ClientStream();
    await call.write({ message: 'a' });
    call.end();
    call.end();
    const late = await call.write({ message: 'b' }).catch((e: unknown) => e);
    expect(late).toBeInstanceOf(Error);
    expect((late as Error).message).toBe('/switchboard.test.Echo/ClientStream: write() after end()');
    await expect(call.response).resolves.toMatchObject({ message: 'a', index: 1 });
  });

  it('writes that are never awaited leave no unhandled rejection when the call fails (the response has the status)', async () => {
    const call = echo().ClientStream({ deadline: new Date(Date.now() - 1000) });
    for (let i = 0; i < 4; i++) void call.write({ message: String(i) });
    call.end();
    await expect(call.response).rejects.toMatchObject({ code: Code.DEADLINE_EXCEEDED });
    // jest fails this file if one of the writes' rejections goes unhandled; give them a turn to surface.
    await new Promise((r) => setImmediate(r));
  });

  const unsendable: [string, string, unknown][] = [
    ['ClientStream', 'a number too big for int32 (serialization fails)', { count: 2n ** 70n }],
    ['Bidi', 'a number too big for int32 (serialization fails)', { count: 2n ** 70n }],
    ['ClientStream', 'null (the stream refuses it)', null],
    ['Bidi', 'null (the stream refuses it)', null],
  ];
  it.each(unsendable)(
    '%s: a request message that cannot be sent, %s, ends the call INTERNAL, and later writes reject with it',
    async (kind, _what, message) => {
      const stub = echo();
      const call = kind === 'ClientStream' ? stub.ClientStream() : stub.Bidi();
      await call.write({ message: 'fine' });
      const bad = call.write(message as EchoRequest);
      const end =
        kind === 'ClientStream'
          ? (call as ReturnType<typeof stub.ClientStream>).response
          : (async () => {
              for await (const _ of call as ReturnType<typeof stub.Bidi>) void _;
            })();
      const error = (await end.catch((e: unknown) => e)) as RpcError;
      expect(error.code).toBe(Code.INTERNAL);
      expect(await settled([bad, call.write({ message: 'after' })])).toEqual(['taken', 'INTERNAL']);
    },
  );

  it.each([null, { count: 2n ** 70n }])('a unary request that cannot be serialized (%p) ends INTERNAL', async (message) => {
    await expect(echo().Unary(message as unknown as EchoRequest)).rejects.toMatchObject({
      code: Code.INTERNAL,
      rawMessage: expect.stringContaining('Request message serialization failure'),
    });
  });
});

describe('writes to a call the server ended OK before reading them (a bare HTTP/2 server)', () => {
  let server: MisbehavingServer;
  let close: () => void = () => undefined;
  afterEach(async () => {
    close();
    await server.close();
  });

  it.each(['ClientStream', 'Bidi'] as const)('%s: later writes reject saying the call has ended, and the answer is delivered', async (kind) => {
    const reply = Echo.methods.get('Unary')!.definition.responseSerialize({ message: 'early', index: 0 });
    server = await misbehavingServer(({ stream }) => {
      stream.respond(responseHeaders(), { waitForTrailers: true });
      stream.write(grpcFrame(reply));
      sendStatus(stream, Code.OK);
    });
    const c = connect([echoClient], { echo: { target: `127.0.0.1:${server.port}` } });
    close = c.close;
    const stub = resolve(c.container, echoClient.token);
    if (kind === 'ClientStream') {
      const call = stub.ClientStream();
      await call.write({ message: 'first' });
      await expect(call.response).resolves.toMatchObject({ message: 'early' });
      await expect(call.write({ message: 'late' })).rejects.toThrow(
        '/switchboard.test.Echo/ClientStream: the call has ended (OK); nothing more can be written',
      );
    } else {
      const call = stub.Bidi();
      await call.write({ message: 'first' });
      const replies: string[] = [];
      for await (const r of call) replies.push(r.message);
      expect(replies).toEqual(['early']);
      await expect(call.write({ message: 'late' })).rejects.toThrow('/switchboard.test.Echo/Bidi: the call has ended (OK); nothing more can be written');
    }
  });
});

import * as http2 from 'node:http2';
import * as grpc from '@grpc/grpc-js';
import { Code, resolve } from '@switchboard/core';
import { Echo, grpcFrame, headersThenReset, misbehavingServer, type RawCall, responseHeaders, sendStatus, until } from '@switchboard/test-support';
import { defineClient } from '../src/index';
import { partialMessageAtEnd } from '../src/partial-message-at-end';
import { connect } from './chain';
import { KINDS, drive, type Kind } from './drive-call';
import { echoServer } from './echo-server';

const echoClient = defineClient('echo', Echo);
const reply = (message: string, index = 0): Buffer => Echo.methods.get('Unary')!.definition.responseSerialize({ message, index });

describe('a server that breaks the protocol', () => {
  let cleanups: (() => unknown)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
    cleanups = [];
  });

  /** A stub aimed at `server` (closed after the test), on a channel of its own. */
  function stubFor(server: { port: number; close(): Promise<void> }) {
    const c = connect([echoClient], { echo: { target: `127.0.0.1:${server.port}` } });
    cleanups.push(() => server.close(), c.close);
    return resolve(c.container, echoClient.token);
  }

  /** A stub aimed at a bare HTTP/2 server that answers every call with `respond`. */
  async function against(respond: (call: RawCall) => void) {
    return stubFor(await misbehavingServer(respond));
  }

  /** Answers with `frames` (then OK trailers unless `status` is null). */
  const answer =
    (frames: Buffer[], status: number | null = Code.OK) =>
    ({ stream }: RawCall) => {
      stream.respond(responseHeaders(), { waitForTrailers: true });
      for (const frame of frames) stream.write(frame);
      if (status !== null) sendStatus(stream, status);
    };

  const whole = grpcFrame(reply('whole'));
  const cuts: [string, Buffer][] = [
    ['in its body', grpcFrame(reply('cut short')).subarray(0, 8)],
    ['in its length prefix', grpcFrame(reply('cut short')).subarray(0, 3)],
  ];

  const cutTable = (['ServerStream', 'Bidi'] as const).flatMap((kind) => cuts.map(([where, cut]) => [kind, where, cut] as const));
  it.each(cutTable)(
    '%s: a last message cut short %s before OK trailers ends INTERNAL after the whole ones (grpc-js alone ends OK)',
    async (kind, _where, cut) => {
      const echo = await against(answer([whole, whole, cut]));
      expect(await drive(echo, kind, { message: 'm' })).toMatchObject({ status: 'INTERNAL', responses: 2 });
    },
  );

  it.each(['Unary', 'ClientStream'] as const)('%s: its only message cut short before OK trailers ends INTERNAL', async (kind) => {
    const echo = await against(answer([cuts[0]![1]]));
    expect(await drive(echo, kind, { message: 'm' })).toMatchObject({ status: 'INTERNAL', responses: 0 });
  });

  // No deadline: grpc-js on its own reads no further than the first response of a unary call, and waits forever.
  it.each([
    ['then OK trailers', Code.OK],
    ['and nothing more (the stream left open)', null],
  ] as const)('Unary: two responses %s end INTERNAL at once', async (_what, status) => {
    const echo = await against(answer([whole, whole], status));
    await expect(echo.Unary({ message: 'm' })).rejects.toMatchObject({
      code: Code.INTERNAL,
      rawMessage: 'the server sent more than one response to a call that takes one',
    });
  });

  it('ClientStream: two responses end INTERNAL (grpc-js alone says UNIMPLEMENTED)', async () => {
    const echo = await against(answer([whole, whole]));
    expect(await drive(echo, 'ClientStream', { message: 'm' })).toMatchObject({ status: 'INTERNAL' });
  });

  it.each(['Unary', 'ClientStream'] as const)('%s: no response and OK trailers end INTERNAL (grpc-js alone says UNIMPLEMENTED)', async (kind) => {
    const echo = await against(answer([]));
    const error = await (
      kind === 'Unary'
        ? echo.Unary({})
        : (() => {
            const c = echo.ClientStream();
            c.end();
            return c.response;
          })()
    ).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: Code.INTERNAL, rawMessage: 'the server sent no response to a call that takes one' });
  });

  const resets: [string, number, string][] = [
    ['INTERNAL_ERROR', http2.constants.NGHTTP2_INTERNAL_ERROR, 'INTERNAL'],
    ['REFUSED_STREAM', http2.constants.NGHTTP2_REFUSED_STREAM, 'UNAVAILABLE'],
    ['CANCEL', http2.constants.NGHTTP2_CANCEL, 'CANCELLED'],
    ['ENHANCE_YOUR_CALM', http2.constants.NGHTTP2_ENHANCE_YOUR_CALM, 'RESOURCE_EXHAUSTED'],
  ];
  const resetTable = KINDS.flatMap((kind) => resets.map(([name, code, status]) => [kind, name, status, code] as const));

  it.each(resetTable)('%s: headers, then RST_STREAM %s, ends %s', async (kind, _name, status, rstCode) => {
    const echo = stubFor(await headersThenReset(rstCode));
    expect((await drive(echo, kind, { message: 'm' })).status).toBe(status);
  });

  it.each(KINDS)('%s: headers and a response, then the connection dropped, ends UNAVAILABLE', async (kind: Kind) => {
    const echo = await against(({ stream }) => {
      stream.respond(responseHeaders());
      stream.write(whole, () => stream.session?.destroy());
    });
    expect((await drive(echo, kind, { message: 'm' })).status).toBe('UNAVAILABLE');
  });

  it.each(KINDS)('%s: a server that never answers ends DEADLINE_EXCEEDED at the deadline', async (kind) => {
    const echo = await against(() => undefined);
    expect((await drive(echo, kind, { message: 'm' }, { deadlineMs: 200 })).status).toBe('DEADLINE_EXCEEDED');
  });

  it.each(KINDS)('%s: an HTTP 503 without a gRPC status ends UNAVAILABLE', async (kind) => {
    const echo = await against(({ stream }) => stream.respond({ ':status': 503 }, { endStream: true }));
    expect((await drive(echo, kind, { message: 'm' })).status).toBe('UNAVAILABLE');
  });

  it.each(['ServerStream', 'Bidi'] as const)('%s: the stream ended without trailers ends INTERNAL', async (kind) => {
    const echo = await against(({ stream }) => {
      stream.respond(responseHeaders());
      stream.end(whole);
    });
    expect(await drive(echo, kind, { message: 'm' })).toMatchObject({ status: 'INTERNAL', responses: 1 });
  });

  // grpc-js 1.14.7 hands an error status over at once and drops the responses it has received but not yet
  // handed over; it hands one over only when the reader asks (the client pauses past 32 waiting responses).
  it('ServerStream: a reader that keeps up gets every response sent before an error status, then the error', async () => {
    const frames = Array.from({ length: 200 }, (_, i) => grpcFrame(reply('r', i)));
    const outcome = await drive(await against(answer(frames, Code.NOT_FOUND)), 'ServerStream', { message: 'm' });
    expect(outcome).toMatchObject({ status: 'NOT_FOUND', responses: 200 });
  });

  it('ServerStream: a reader far behind when the error status comes gets the responses grpc-js handed over, in order and without a gap, then the error', async () => {
    const frames = Array.from({ length: 200 }, (_, i) => grpcFrame(reply('r', i)));
    const server = await misbehavingServer(answer(frames, Code.NOT_FOUND));
    const replies = stubFor(server).ServerStream({ message: 'm' })[Symbol.asyncIterator]();
    const indexes = [(await replies.next()).value?.index];
    await until(() => server.calls[0]?.stream.closed === true, 5000, 'the server has sent everything');
    const error = await (async () => {
      for (let r = await replies.next(); r.done !== true; r = await replies.next()) indexes.push(r.value.index);
    })().catch((e: unknown) => e);
    expect(error).toMatchObject({ code: Code.NOT_FOUND });
    expect(indexes.length).toBeGreaterThanOrEqual(32);
    expect(indexes).toEqual(Array.from({ length: indexes.length }, (_, i) => i));
  });
});

describe('partialMessageAtEnd: the grpc-js 1.14.7 internals it reads are where it looks', () => {
  it('reads false after a whole response and true after one cut short, on calls made with Channel#createCall', async () => {
    const good = await echoServer();
    const bad = await misbehavingServer(({ stream }) => {
      stream.respond(responseHeaders(), { waitForTrailers: true });
      stream.write(grpcFrame(reply('cut short')).subarray(0, 8));
      sendStatus(stream, Code.OK);
    });
    const { path, requestSerialize } = Echo.methods.get('ServerStream')!.definition;
    const seen: (boolean | undefined)[] = [];
    try {
      for (const port of [good.port, bad.port]) {
        const channel = new grpc.Channel(`127.0.0.1:${port}`, grpc.credentials.createInsecure(), {});
        const call = channel.createCall(path, Infinity, undefined, null, undefined);
        await new Promise<void>((done) => {
          call.start(new grpc.Metadata(), {
            onReceiveMetadata: () => undefined,
            onReceiveMessage: () => call.startRead(),
            onReceiveStatus: () => {
              seen.push(partialMessageAtEnd(call));
              done();
            },
          });
          call.sendMessageWithContext({}, requestSerialize({ message: 'x', count: 2 }));
          call.halfClose();
          call.startRead();
        });
        channel.close();
      }
      expect(seen).toEqual([false, true]);
    } finally {
      await good.close();
      await bad.close();
    }
  });
});

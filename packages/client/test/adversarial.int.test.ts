import { Code, RpcError, resolve, type ClientInterceptor } from '@switchboard/core';
import { Echo, grpcFrame, misbehavingServer, type RawCall, responseHeaders, sendStatus, until } from '@switchboard/test-support';
import { closeClients, defineClient, type CallOptions } from '../src/index';
import { connect } from './chain';
import { KINDS, drive } from './drive-call';
import { echoServer } from './echo-server';

const echoClient = defineClient('echo', Echo);

describe('a client used in ways it should not be, or against odd answers', () => {
  let server: Awaited<ReturnType<typeof echoServer>>;
  let cleanups: (() => unknown)[] = [];
  beforeEach(async () => {
    server = await echoServer();
  });
  afterEach(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
    cleanups = [];
    await server.close();
  });

  function clients(interceptors: ClientInterceptor[] = [], port = server.port) {
    const c = connect([echoClient], { echo: { target: `127.0.0.1:${port}` } }, { interceptors });
    cleanups.push(c.close);
    return { echo: resolve(c.container, echoClient.token), container: c.container };
  }

  it.each(KINDS)('%s: a call made after closeClients (the module disposed) fails CANCELLED, writes too, and nothing throws', async (kind) => {
    const { echo, container } = clients();
    await echo.Unary({ message: 'warm' });
    closeClients(container);
    const outcome = await drive(echo, kind, { message: 'too late' });
    expect(outcome.status).toBe('CANCELLED');
    expect(outcome.writes.filter((w) => w !== 'CANCELLED')).toEqual([]);
  });

  it.each(KINDS)('%s: calls already running when the channel closes go on to their end', async (kind) => {
    const { echo, container } = clients();
    const running = drive(echo, kind, { message: 'slow', count: 1, delay_ms: 300 });
    await until(() => server.peers.length === 1, 5000, 'the call reached the server');
    closeClients(container);
    expect((await running).status).toBe('OK');
  });

  it.each<[string, Record<string, string>]>([
    ['a key with a space and capitals', { 'Bad Key': 'v' }],
    ['a text value with a line break', { 'x-ok': 'line\nbreak' }],
    ['a -bin key with a string value', { 'x-blob-bin': 'not a buffer' }],
  ])('metadata with %s fails every kind INTERNAL, as a rejection, never a throw', async (_what, metadata) => {
    const { echo } = clients();
    for (const kind of KINDS) {
      const outcome = await drive(echo, kind, { message: 'm' }, { metadata });
      expect([kind, outcome.status, outcome.writes.filter((w) => w !== 'INTERNAL')]).toEqual([kind, 'INTERNAL', []]);
    }
    expect(server.peers).toEqual([]);
  });

  it.each<[string, CallOptions]>([
    ['deadlineMs NaN', { deadlineMs: NaN }],
    ['an invalid Date', { deadline: new Date('not a date') }],
  ])('a deadline that is not a time (%s) fails every kind INTERNAL before anything is sent (grpc-js threw it unobserved)', async (_what, options) => {
    const { echo } = clients();
    for (const kind of KINDS) {
      const outcome = await drive(echo, kind, { message: 'm', count: 1 }, options);
      expect([kind, outcome.status]).toEqual([kind, 'INTERNAL']);
    }
    expect(server.peers).toEqual([]);
  });

  it.each<[string, CallOptions]>([
    ['deadlineMs 1e15 (31,700 years)', { deadlineMs: 1e15 }],
    ['deadlineMs Infinity', { deadlineMs: Infinity }],
    ['a Date 20,000 years away', { deadline: new Date(Date.now() + 20_000 * 365 * 24 * 3_600_000) }],
  ])('a deadline farther than grpc-timeout can say (%s) is sent as the farthest it can, and every kind succeeds', async (_what, options) => {
    const { echo } = clients();
    for (const kind of KINDS) expect([kind, (await drive(echo, kind, { message: 'm', count: 1 }, options)).status]).toEqual([kind, 'OK']);
  });

  it.each(['ServerStream', 'Bidi'] as const)('%s: the responses iterated a second time fail instead of looking empty', async (kind) => {
    const { echo } = clients();
    const responses = kind === 'ServerStream' ? echo.ServerStream({ message: 's', count: 2 }) : echo.Bidi();
    if (kind === 'Bidi') {
      const bidi = responses as ReturnType<typeof echo.Bidi>;
      await bidi.write({ message: 's' });
      bidi.end();
    }
    const first: string[] = [];
    for await (const r of responses) first.push(r.message);
    expect(first.length).toBeGreaterThan(0);
    const again = await (async () => {
      for await (const _ of responses) void _;
    })().catch((e: unknown) => e);
    expect((again as Error).message).toBe(`/switchboard.test.Echo/${kind}: the responses of a call can be iterated only once`);
  });

  it('an interceptor that throws instead of returning fails the call with its error, as a rejection', async () => {
    const refuse: ClientInterceptor = () => {
      throw new RpcError(Code.UNAUTHENTICATED, 'no token');
    };
    const { echo } = clients([refuse]);
    for (const kind of KINDS) expect([kind, (await drive(echo, kind, { message: 'm' })).status]).toEqual([kind, 'UNAUTHENTICATED']);
  });

  it.each(['ClientStream', 'Bidi'] as const)(
    '%s: a request stream that throws (an interceptor’s) fails the call with its error and cancels it on the server',
    async (kind) => {
      const breaking: ClientInterceptor = (call, next) =>
        next({
          ...call,
          requests: (async function* () {
            for await (const m of call.requests) {
              yield m;
              await until(() => server.peers.length === 1, 5000, 'the call reached the server');
              throw new RpcError(Code.ABORTED, 'the request stream broke');
            }
          })(),
        });
      const { echo } = clients([breaking]);
      const call = kind === 'ClientStream' ? echo.ClientStream() : echo.Bidi();
      await call.write({ message: 'first', delay_ms: 5000 });
      const outcome = await (
        kind === 'ClientStream'
          ? (call as ReturnType<typeof echo.ClientStream>).response
          : (async () => {
              for await (const _ of call as ReturnType<typeof echo.Bidi>) void _;
            })()
      ).catch((e: unknown) => e);
      expect(outcome).toMatchObject({ code: Code.ABORTED, rawMessage: 'the request stream broke' });
      await until(() => server.observed.aborts.length > 0, 5000, 'the handler saw the cancellation');
      expect(server.observed.aborts[0]).toMatchObject({ method: kind, reason: expect.objectContaining({ code: Code.CANCELLED }) });
    },
  );

  it.each(KINDS)('%s: an onHeader that throws fails the call with its error and cancels it', async (kind) => {
    const { echo } = clients();
    const onHeader = () => {
      throw new RpcError(Code.FAILED_PRECONDITION, 'did not like the headers');
    };
    const outcome = await drive(echo, kind, { message: 'm', count: 1, delay_ms: 5000 }, { onHeader, metadata: { 'x-echo-send': 'headers now' } });
    expect(outcome.status).toBe('FAILED_PRECONDITION');
  });

  it.each(KINDS)('%s: an onTrailer that throws fails the call with its error, even one that ended OK', async (kind) => {
    const { echo } = clients();
    const onTrailer = () => {
      throw new Error('did not like the trailers');
    };
    const outcome = await drive(echo, kind, { message: 'm', count: 1 }, { onTrailer });
    expect(outcome.status).toBe('UNKNOWN');
  });
});

describe('answers a client cannot take as they are (a bare HTTP/2 server)', () => {
  let cleanups: (() => unknown)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
    cleanups = [];
  });

  async function against(respond: (call: RawCall) => void) {
    const server = await misbehavingServer(respond);
    const c = connect([echoClient], { echo: { target: `127.0.0.1:${server.port}` } });
    cleanups.push(() => server.close(), c.close);
    return resolve(c.container, echoClient.token);
  }

  it.each(KINDS)('%s: a response that is not an EchoReply ends INTERNAL', async (kind) => {
    const echo = await against(({ stream }) => {
      stream.respond(responseHeaders(), { waitForTrailers: true });
      stream.write(grpcFrame(Buffer.from([0xff, 0xff, 0xff, 0xff])));
      sendStatus(stream, Code.OK);
    });
    expect((await drive(echo, kind, { message: 'm' })).status).toBe('INTERNAL');
  });

  const compressed = (payload: Buffer): Buffer => Buffer.concat([Buffer.from([1, 0, 0, 0, payload.length]), payload]);
  const body = Echo.methods.get('Unary')!.definition.responseSerialize({ message: 'hi', index: 0 });
  it.each<[string, Record<string, string>, Buffer]>([
    ['an encoding the client does not support (snappy)', { 'grpc-encoding': 'snappy' }, compressed(body)],
    ['the compressed flag under identity', {}, compressed(body)],
    ['gzip that is not gzip', { 'grpc-encoding': 'gzip' }, compressed(Buffer.from('not gzip at all'))],
  ])('a response compressed with %s ends every kind INTERNAL (grpc-js alone: UNKNOWN without a message)', async (_what, headers, frame) => {
    const echo = await against(({ stream }) => {
      stream.respond(responseHeaders(headers), { waitForTrailers: true });
      stream.write(frame);
      sendStatus(stream, Code.OK);
    });
    for (const kind of KINDS) expect([kind, (await drive(echo, kind, { message: 'm' })).status]).toEqual([kind, 'INTERNAL']);
  });

  it.each<[string, string]>([
    ['99 (outside the set)', '99'],
    ['not a number', 'abc'],
  ])('a grpc-status of %s ends every kind UNKNOWN', async (_what, value) => {
    const echo = await against(({ stream }) => {
      stream.respond(responseHeaders(), { waitForTrailers: true });
      stream.once('wantTrailers', () => stream.sendTrailers({ 'grpc-status': value, 'grpc-message': 'odd' }));
      stream.end();
    });
    for (const kind of KINDS) expect([kind, (await drive(echo, kind, { message: 'm' })).status]).toEqual([kind, 'UNKNOWN']);
  });
});

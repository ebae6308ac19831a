import * as path from 'node:path';
import { codeName, resolve, type Code } from '@switchboard/core';
import { Echo, freePort, runTsChild, until } from '@switchboard/test-support';
import { defineClient, type CallOptions } from '../src/index';
import { connect } from './chain';
import { KINDS, drive, type Drive, type Outcome } from './drive-call';
import { echoServer } from './echo-server';

const echoClient = defineClient('echo', Echo);
type Server = Awaited<ReturnType<typeof echoServer>>;

describe('every kind of call, ended early every way, fails with a status and crashes nothing', () => {
  let server: Server;
  let closers: (() => void)[] = [];
  beforeEach(async () => {
    server = await echoServer();
  });
  afterEach(async () => {
    for (const close of closers) close();
    closers = [];
    await server.close();
  });

  /** The cancellations the handlers saw, once each by method and code (a streaming handler may note one twice). */
  const seenByHandlers = () => [...new Set(server.observed.aborts.map((a) => `${a.method} ${codeName((a.reason as { code: Code }).code)}`))];

  function echo(target = `127.0.0.1:${server.port}`) {
    const c = connect([echoClient], { echo: { target } });
    closers.push(c.close);
    return resolve(c.container, echoClient.token);
  }

  /** Waits until the server has received one more call than it had when this was made. */
  function serverHasTheCall(): () => Promise<void> {
    const before = server.peers.length;
    return () => until(() => server.peers.length > before, 5000, 'the call reached the server');
  }

  const sleeping = { message: 'zz', count: 1, delay_ms: 10_000 };
  type Case = [string, string, Partial<typeof sleeping> & { fail?: string }, () => CallOptions];
  const ends: Case[] = [
    ['a deadline already past (Date)', 'DEADLINE_EXCEEDED', { message: 'late' }, () => ({ deadline: new Date(Date.now() - 1000) })],
    ['a deadline already past (deadlineMs below 0)', 'DEADLINE_EXCEEDED', { message: 'late' }, () => ({ deadlineMs: -1 })],
    ['a deadline that passes during the call', 'DEADLINE_EXCEEDED', sleeping, () => ({ deadlineMs: 200 })],
    ['an abort before the start', 'CANCELLED', { message: 'never' }, () => ({ signal: AbortSignal.abort() })],
    ['a server error', 'NOT_FOUND', { message: 'bad', count: 1, fail: 'NOT_FOUND' }, () => ({})],
  ];
  const table = KINDS.flatMap((kind) => ends.map(([what, status, request, options]) => [kind, what, status, request, options] as const));

  it.each(table)('%s: %s ends %s', async (kind, _what, status, request, options) => {
    const outcome = await drive(echo(), kind, request, options());
    expect(outcome.status).toBe(status);
    // A write either was taken before the end or rejects with the call's status.
    expect(outcome.writes.filter((w) => w !== 'taken' && w !== status)).toEqual([]);
  });

  // grpc-js reports a deadline already past in a process.nextTick: made from a timer (or at the top of a
  // script), a call runs that before any promise continuation, so its listeners must be on it at once.
  it.each(KINDS)('%s: made from a timer with its deadline already past, ends DEADLINE_EXCEEDED', async (kind) => {
    const stub = echo();
    await stub.Unary({ message: 'connect first: no name resolution to wait for' });
    const outcome = await new Promise<Outcome>((made) =>
      setTimeout(() => made(drive(stub, kind, { message: 'late' }, { deadline: new Date(Date.now() - 1000) })), 0),
    );
    expect(outcome.status).toBe('DEADLINE_EXCEEDED');
  });

  it.each(KINDS)('%s: an abort during the call ends CANCELLED, and the server sees the cancellation', async (kind) => {
    const controller = new AbortController();
    const reached = serverHasTheCall();
    const during = async () => {
      await reached();
      controller.abort();
    };
    const outcome = await drive(echo(), kind, sleeping, { signal: controller.signal }, { during });
    expect(outcome.status).toBe('CANCELLED');
    await until(() => server.observed.aborts.length > 0, 5000, 'the handler saw the cancellation');
    expect(seenByHandlers()).toEqual([`${kind} CANCELLED`]);
  });

  it.each(KINDS)('%s: a refused connection ends UNAVAILABLE', async (kind) => {
    const outcome = await drive(echo(`127.0.0.1:${await freePort()}`), kind, { message: 'nobody' });
    expect(outcome.status).toBe('UNAVAILABLE');
    expect(outcome.writes.filter((w) => w !== 'taken' && w !== 'UNAVAILABLE')).toEqual([]);
  });

  it.each(['ServerStream', 'Bidi'] as const)(
    '%s: a consumer that leaves after the first response ends it without an error, and the server sees CANCELLED',
    async (kind) => {
      const how: Drive = { leaveAfter: 1 };
      const outcome = await drive(echo(), kind, { message: 'more', count: 100, delay_ms: 20 }, {}, how);
      expect([outcome.status, outcome.responses]).toEqual(['OK', 1]);
      await until(() => server.observed.aborts.length > 0, 5000, 'the handler saw the cancellation');
      expect(seenByHandlers()).toEqual([`${kind} CANCELLED`]);
    },
  );

  // An abort's reason is the caller's business: whatever it is, the call is CANCELLED (an RpcError or a TimeoutError keeps its meaning).
  const reasons: [string, string, () => unknown][] = [
    ["abort('bye')", 'CANCELLED', () => 'bye'],
    ['abort(42)', 'CANCELLED', () => 42],
    ['abort()', 'CANCELLED', () => undefined],
    ["abort(new Error('stop'))", 'CANCELLED', () => new Error('stop')],
    ["abort(new DOMException('t', 'TimeoutError'))", 'DEADLINE_EXCEEDED', () => new DOMException('t', 'TimeoutError')],
    ["abort({ code: 0, details: 'fine' }) (an OK status)", 'CANCELLED', () => ({ code: 0, details: 'fine' })],
  ];
  const byReason = KINDS.flatMap((kind) => reasons.map(([what, status, reason]) => [kind, what, status, reason] as const));

  it.each(byReason)('%s: %s before the start ends %s', async (kind, _what, status, reason) => {
    const controller = new AbortController();
    controller.abort(reason());
    const outcome = await drive(echo(), kind, { message: 'never' }, { signal: controller.signal });
    expect(outcome.status).toBe(status);
  });

  it.each(byReason)('%s: %s during the call ends %s', async (kind, _what, status, reason) => {
    const controller = new AbortController();
    const reached = serverHasTheCall();
    const during = async () => {
      await reached();
      controller.abort(reason());
    };
    const outcome = await drive(echo(), kind, sleeping, { signal: controller.signal }, { during });
    expect(outcome.status).toBe(status);
  });
});

describe('a fresh process whose calls start on cold channels (name resolution pending)', () => {
  let server: Server;
  beforeAll(async () => {
    server = await echoServer();
  });
  afterAll(() => server.close());

  it('fails every kind × early end with its status, made at the top of the script and from a timer, and exits 0', async () => {
    const run = await runTsChild(path.join(__dirname, 'cold-call.ts'), { port: server.port, refused: await freePort() });
    const expected = ['top', 'timer'].flatMap((made) =>
      KINDS.flatMap((kind) => [
        `${made} ${kind} deadline already past: DEADLINE_EXCEEDED`,
        `${made} ${kind} 1 ms deadline, sleeping server: DEADLINE_EXCEEDED`,
        `${made} ${kind} abort('bye') before the start: CANCELLED`,
        `${made} ${kind} server error: NOT_FOUND`,
        `${made} ${kind} connection refused: UNAVAILABLE`,
      ]),
    );
    expect({ code: run.code, lines: run.stdout.trim().split('\n'), stderr: run.stderr }).toEqual({ code: 0, lines: expected.sort(), stderr: '' });
  });
});

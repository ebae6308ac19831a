import { resolve } from '@switchboard/core';
import { Echo, freePort } from '@switchboard/test-support';
import { defineClient, type CallOptions } from '../src/index';
import { connect } from './chain';
import { KINDS, drive } from './drive-call';
import { echoServer } from './echo-server';

const echoClient = defineClient('echo', Echo);

describe('waitForReady against a target that refuses connections', () => {
  let cleanups: (() => unknown)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
    cleanups = [];
  });

  function echo(port: number, config: object = {}) {
    const c = connect([echoClient], { echo: { target: `127.0.0.1:${port}`, ...config } });
    cleanups.push(c.close);
    return resolve(c.container, echoClient.token);
  }

  it('waits to the deadline, every kind: DEADLINE_EXCEEDED after 1 s, not UNAVAILABLE', async () => {
    const stub = echo(await freePort(), { waitForReady: true });
    const outcomes = await Promise.all(KINDS.map((kind) => drive(stub, kind, { message: 'm' }, { deadlineMs: 1000 })));
    expect(outcomes.map((o) => o.status)).toEqual(['DEADLINE_EXCEEDED', 'DEADLINE_EXCEEDED', 'DEADLINE_EXCEEDED', 'DEADLINE_EXCEEDED']);
  });

  it.each<[string, string, object, CallOptions]>([
    ['off (the default)', 'UNAVAILABLE', {}, {}],
    ['set per method', 'DEADLINE_EXCEEDED', { methods: { Unary: { waitForReady: true } } }, {}],
    ['off for the method, on for the client', 'UNAVAILABLE', { waitForReady: true, methods: { Unary: { waitForReady: false } } }, {}],
    ['set per call', 'DEADLINE_EXCEEDED', {}, { waitForReady: true }],
    ['off per call, on for the client', 'UNAVAILABLE', { waitForReady: true }, { waitForReady: false }],
  ])('waitForReady %s: a unary call ends %s', async (_what, status, config, options) => {
    const stub = echo(await freePort(), config);
    expect((await drive(stub, 'Unary', { message: 'm' }, { deadlineMs: 1000, ...options })).status).toBe(status);
  });

  it('gives the waiting call to a server that starts listening on the port during the wait', async () => {
    const port = await freePort();
    const stub = echo(port);
    let settled = false;
    const waiting = stub.Unary({ message: 'waited' }, { waitForReady: true, deadlineMs: 20_000 }).finally(() => (settled = true));
    // A call on the same channel that does not wait fails: the channel has seen the refusal, and the other still waits.
    expect((await drive(stub, 'Unary', { message: 'in a hurry' })).status).toBe('UNAVAILABLE');
    expect(settled).toBe(false);
    const server = await echoServer(port);
    cleanups.push(() => server.close());
    await expect(waiting).resolves.toMatchObject({ message: 'waited' });
    expect(server.peers).toHaveLength(1);
  });
});

import * as http2 from 'node:http2';
import * as grpc from '@grpc/grpc-js';
import { grpcFrame, rawCall, until } from '@switchboard/test-support';
import { startEchoWithPeers } from './echo-with-peers';
import { unary, type EchoHarness } from './harness';
import { FrameType, H2Error, PREFACE, RawConnection, emptyMessage, grpcRequestHeaders, headerBlock, headersFrames } from './raw-frames';

const UNARY = '/switchboard.test.Echo/Unary';

describe('the handshake timeout', () => {
  let h: EchoHarness & { peers: string[] };
  afterEach(() => h.close());

  it('closes each of 100 connections that never send the preface, and one that sends only its 24 octets, while calls go on', async () => {
    h = await startEchoWithPeers({ handshakeTimeoutMs: 300 });
    const silent = await Promise.all(Array.from({ length: 100 }, () => RawConnection.open(h.port)));
    const prefaceOnly = await RawConnection.open(h.port);
    prefaceOnly.write(PREFACE);
    const handshaken = await RawConnection.handshake(h.port);
    // A call on another connection while they wait.
    await expect(unary(h.client, 'Unary', { message: 'meanwhile' })).resolves.toMatchObject({ message: 'meanwhile' });

    await Promise.all([...silent, prefaceOnly].map((c) => c.whenClosed()));
    // The server closed them: none of them wrote a byte after connecting, and each got the server's SETTINGS first.
    for (const c of [...silent, prefaceOnly]) expect(c.frames[0]?.type).toBe(FrameType.SETTINGS);
    // A connection that sent the preface and SETTINGS is past the handshake and stays.
    expect(handshaken.closed).toBe(false);
    handshaken.write(headersFrames(1, headerBlock(grpcRequestHeaders(UNARY))));
    handshaken.write(emptyMessage(1));
    await until(() => handshaken.ended(1));
    expect(handshaken.rstCode(1)).toBeUndefined();
    handshaken.destroy();
    await expect(unary(h.client, 'Unary', { message: 'after' })).resolves.toMatchObject({ message: 'after' });
  });
});

describe('connection idle and age limits', () => {
  let h: EchoHarness & { peers: string[] };
  afterEach(() => h.close());

  it('sends GOAWAY NO_ERROR to a connection idle past maxConnectionIdleMs; the grpc-js client reconnects for its next call', async () => {
    h = await startEchoWithPeers({ maxConnectionIdleMs: 300 });
    const raw = await RawConnection.handshake(h.port);
    raw.write(Buffer.concat([headersFrames(1, headerBlock(grpcRequestHeaders(UNARY))), emptyMessage(1)]));
    await until(() => raw.ended(1));
    await raw.whenClosed();
    // Node sends one GOAWAY on close() and repeats it as the session ends.
    expect(raw.goaways().length).toBeGreaterThan(0);
    for (const goaway of raw.goaways()) expect(goaway).toEqual({ code: H2Error.NO_ERROR, lastStreamId: 1, debug: '' });

    await unary(h.client, 'Unary', { message: 'first' });
    const channel = h.client.getChannel();
    await until(() => channel.getConnectivityState(false) === grpc.connectivityState.IDLE, 3000, 'the client saw its connection go');
    await expect(unary(h.client, 'Unary', { message: 'second' })).resolves.toMatchObject({ message: 'second' });
    const [first, second] = h.peers.slice(-2);
    expect(h.peers).toHaveLength(3); // the raw call, then the client's two
    expect(second).not.toBe(first);
  });

  it('keeps an idle connection open when maxConnectionIdleMs is 0, past a shorter one on another server', async () => {
    h = await startEchoWithPeers({ maxConnectionIdleMs: 0 });
    const other = await startEchoWithPeers({ maxConnectionIdleMs: 300 });
    const kept = await RawConnection.handshake(h.port);
    const closed = await RawConnection.handshake(other.port);
    await closed.whenClosed();
    expect(kept.closed).toBe(false);
    expect(kept.goaways()).toEqual([]);
    kept.destroy();
    await other.close();
  });

  it('sends GOAWAY at maxConnectionAgeMs; a call in flight on that connection finishes within the grace', async () => {
    h = await startEchoWithPeers({ maxConnectionAgeMs: 300, maxConnectionAgeGraceMs: 5000 });
    const events: string[] = [];
    const call = rawCall(h.port, UNARY, grpcFrame(Buffer.from([0x18, 0xe8, 0x07]))); // delay_ms: 1000
    call.stream.session?.on('goaway', (code: number) => events.push(`goaway ${code}`));
    call.stream.on('close', () => events.push('call closed'));
    const response = await call.response;
    call.close();
    expect(response.status).toBe(grpc.status.OK);
    // grpc-js sends GOAWAY for any stream, then one naming the last; the call ends after both.
    expect(new Set(events)).toEqual(new Set([`goaway ${http2.constants.NGHTTP2_NO_ERROR}`, 'call closed']));
    expect(events[0]).toBe(`goaway ${http2.constants.NGHTTP2_NO_ERROR}`);
    expect(events.at(-1)).toBe('call closed');
    await expect(unary(h.client, 'Unary', { message: 'after' })).resolves.toMatchObject({ message: 'after' });
  });

  it('cuts a call still running when the grace after the age GOAWAY ends, and serves on', async () => {
    h = await startEchoWithPeers({ maxConnectionAgeMs: 200, maxConnectionAgeGraceMs: 200 });
    const call = rawCall(h.port, UNARY, grpcFrame(Buffer.from([0x18, 0x88, 0x27]))); // delay_ms: 5000
    const outcome = await call.response.then(
      (r) => `status ${r.status}`,
      (e: Error) => e.message,
    );
    call.close();
    expect(outcome).not.toBe(`status ${grpc.status.OK}`);
    await until(() => h.observed.aborts.length === 1);
    expect(h.observed.aborts[0]?.method).toBe('Unary');
    await expect(unary(h.client, 'Unary', { message: 'after' })).resolves.toMatchObject({ message: 'after' });
  });
});

describe('a handshake timeout past what a timer can wait', () => {
  it('is read as no timeout, not as one that fires at once', async () => {
    const h = await startEchoWithPeers({ handshakeTimeoutMs: 2 ** 31 });
    try {
      const silent = await RawConnection.open(h.port);
      // Node would run an overlong timer after 1 ms (and close every connection); a call takes longer than that.
      await until(() => silent.frames.length > 0);
      await expect(unary(h.client, 'Unary', { message: 'meanwhile' }, { deadlineMs: 2000 })).resolves.toMatchObject({ message: 'meanwhile' });
      expect(silent.closed).toBe(false);
      silent.destroy();
    } finally {
      await h.close();
    }
  });
});

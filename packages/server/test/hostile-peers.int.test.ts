import { grpcFrame, until } from '@switchboard/test-support';
import { startEchoWithPeers } from './echo-with-peers';
import { unary, type EchoHarness } from './harness';
import { ACK, END_STREAM, FrameType, H2Error, RawConnection, emptyMessage, frame, grpcRequestHeaders, headerBlock, headersFrames } from './raw-frames';

const path = (method: string): string => `/switchboard.test.Echo/${method}`;

/** A raw connection past the handshake, the server's SETTINGS acknowledged. */
async function acked(port: number): Promise<RawConnection> {
  const c = await RawConnection.handshake(port);
  await until(() => c.frames.some((f) => f.type === FrameType.SETTINGS && (f.flags & ACK) === 0));
  c.write(frame(FrameType.SETTINGS, ACK, 0));
  await c.roundTrip();
  return c;
}

function request(streamId: number, method: string, message = Buffer.alloc(0)): Buffer {
  return Buffer.concat([
    headersFrames(streamId, headerBlock(grpcRequestHeaders(path(method)))),
    frame(FrameType.DATA, END_STREAM, streamId, grpcFrame(message)),
  ]);
}

describe('hostile peers', () => {
  let h: EchoHarness & { peers: string[] };
  afterEach(async () => {
    await expect(unary(h.client, 'Unary', { message: 'still serving' })).resolves.toMatchObject({ message: 'still serving' });
    await h.close();
  });

  it('closes a connection that starts a HEADERS block and never ends it, at maxConnectionIdleMs', async () => {
    h = await startEchoWithPeers({ maxConnectionIdleMs: 300 });
    const c = await acked(h.port);
    c.write(headersFrames(1, headerBlock(grpcRequestHeaders(path('Unary'))), { endHeaders: false }));
    await until(() => c.closed, 3000, 'the connection closed');
    expect(c.goaways()[0]?.code).toBe(H2Error.NO_ERROR);
  });

  it('ends a connection that sends CONTINUATION frames past nghttp2 limit of 8', async () => {
    h = await startEchoWithPeers();
    const c = await acked(h.port);
    const block = headerBlock(grpcRequestHeaders(path('Unary'), [['x-long', 'v'.repeat(200)]]));
    c.write(headersFrames(1, block, { endHeaders: false, maxFrame: 10 }));
    await until(() => c.closed, 3000, 'the connection closed');
    expect(c.goaways()[0]?.code).toBe(H2Error.INTERNAL_ERROR);
  });

  it('answers PINGs sent 100 at a time and read, 2,000 of them, keeping the connection', async () => {
    h = await startEchoWithPeers();
    const c = await acked(h.port);
    const ping = frame(FrameType.PING, 0, 0, Buffer.alloc(8));
    for (let i = 0; i < 20; i++) {
      c.write(Buffer.concat(Array<Buffer>(100).fill(ping)));
      await c.roundTrip();
    }
    expect(c.closed).toBe(false);
    // Each PING answered, the round trips' own PINGs too (one more from acked()).
    expect(c.frames.filter((f) => f.type === FrameType.PING && (f.flags & ACK) !== 0)).toHaveLength(2000 + 20 + 1);
    c.destroy();
  });

  it.each(['PING', 'SETTINGS'] as const)('closes a connection that floods %s frames and never reads the answers', async (type) => {
    h = await startEchoWithPeers();
    const c = await acked(h.port);
    c.socket.pause();
    const flood = Buffer.concat(Array<Buffer>(10_000).fill(frame(FrameType[type], 0, 0, type === 'PING' ? Buffer.alloc(8) : Buffer.alloc(0))));
    for (let i = 0; i < 200 && !c.closed; i++) {
      await new Promise<void>((resolve) => c.socket.write(flood, () => resolve()));
    }
    c.socket.resume();
    await until(() => c.closed, 5000, 'the connection closed');
  });

  it('refuses streams past maxConcurrentStreams before the client acknowledged it, and ends a connection that exceeds it after', async () => {
    h = await startEchoWithPeers({ maxConcurrentStreams: 10 });
    const slow = Buffer.from([0x18, 0xe8, 0x07]); // delay_ms: 1000
    const fifteen = (): Buffer => Buffer.concat(Array.from({ length: 15 }, (_, i) => request(1 + 2 * i, 'Unary', slow)));

    const early = await RawConnection.handshake(h.port);
    early.write(fifteen());
    await until(() => [21, 23, 25, 27, 29].every((id) => early.rstCode(id) !== undefined));
    expect([21, 23, 25, 27, 29].map((id) => early.rstCode(id))).toEqual(Array(5).fill(H2Error.REFUSED_STREAM));
    expect(early.closed).toBe(false);
    early.destroy();

    const late = await acked(h.port);
    late.write(fifteen());
    await until(() => late.closed, 3000, 'the connection closed');
    expect(late.goaways()[0]?.code).toBe(H2Error.INTERNAL_ERROR);
  });

  it('stops producing a server stream its client never reads, within the flow-control window, and goes on when it reads', async () => {
    h = await startEchoWithPeers();
    const c = await acked(h.port);
    c.write(request(1, 'ServerStream', Buffer.from([0x10, 0xc0, 0x84, 0x3d]))); // count: 1,000,000
    await until(() => h.observed.produced > 1000);
    const settle = async (): Promise<number> => {
      for (let i = 0; i < 10; i++) {
        await c.roundTrip();
        await unary(h.client, 'Unary', { message: 'elsewhere' });
      }
      return h.observed.produced;
    };
    // Settled once ten round trips on this connection and ten calls on another change nothing.
    let stalled = await settle();
    for (let previous = -1; stalled !== previous;) [previous, stalled] = [stalled, await settle()];
    const onWire = c.frames.filter((f) => f.type === FrameType.DATA && f.streamId === 1).reduce((n, f) => n + f.payload.length, 0);
    expect(onWire).toBeLessThanOrEqual(65_535);
    expect(stalled * 11).toBeLessThan(2 * 65_535); // each reply is 11 octets framed
    const more = Buffer.alloc(4);
    more.writeUInt32BE(1_000_000);
    c.write(Buffer.concat([frame(FrameType.WINDOW_UPDATE, 0, 1, more), frame(FrameType.WINDOW_UPDATE, 0, 0, more)]));
    await until(() => h.observed.produced > stalled + 10_000);
    c.destroy();
  });

  it('resets (FLOW_CONTROL_ERROR) a request stream sent past its window while the handler does not read; the connection serves on', async () => {
    h = await startEchoWithPeers();
    const c = await acked(h.port);
    c.write(headersFrames(1, headerBlock(grpcRequestHeaders(path('ClientStream')))));
    c.write(frame(FrameType.DATA, 0, 1, grpcFrame(Buffer.from([0x18, 0x90, 0x4e])))); // delay_ms: 10000, then no more reading
    const empties = frame(FrameType.DATA, 0, 1, Buffer.alloc(16_384)); // 3,276 empty messages each
    for (let i = 0; i < 8; i++) c.write(empties);
    await until(() => c.rstCode(1) !== undefined);
    expect(c.rstCode(1)).toBe(H2Error.FLOW_CONTROL_ERROR);
    c.write(Buffer.concat([headersFrames(3, headerBlock(grpcRequestHeaders(path('Unary')))), emptyMessage(3)]));
    await until(() => c.ended(3));
    expect(c.rstCode(3)).toBeUndefined();
    expect(c.goaways()).toEqual([]);
    c.destroy();
  });
});

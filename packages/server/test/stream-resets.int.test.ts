import * as grpc from '@grpc/grpc-js';
import { until } from '@switchboard/test-support';
import { startEchoWithPeers } from './echo-with-peers';
import { unary, type EchoHarness } from './harness';
import { FrameType, H2Error, RawConnection, frame, grpcRequestHeaders, headerBlock, headersFrames } from './raw-frames';

/** Starts a long server stream, reads its first reply and cancels it; resolves with the status the client saw. */
function leaveEarly(client: EchoHarness['client']): Promise<grpc.status> {
  return new Promise((resolve) => {
    const call = client['ServerStream']!({ message: 'long', count: 1_000_000, delay_ms: 1 }) as grpc.ClientReadableStream<unknown>;
    call.once('data', () => call.cancel());
    call.on('error', (error: grpc.ServiceError) => resolve(error.code));
    call.on('end', () => resolve(grpc.status.OK));
  });
}

describe('a client that cancels many streams', () => {
  let h: EchoHarness & { peers: string[] };
  afterEach(() => h.close());

  it('leaves 2,000 server streams early on one connection while unary calls run on it: every unary call succeeds', async () => {
    h = await startEchoWithPeers();
    await unary(h.client, 'Unary', { message: 'connected' });
    const leftWith: grpc.status[] = [];
    let left = 0;
    const leaving = async (): Promise<void> => {
      while (left < 2000) {
        left++;
        leftWith.push(await leaveEarly(h.client));
      }
    };
    let leavingDone = false;
    const unaries: Promise<string>[] = [];
    const calling = async (): Promise<void> => {
      for (let i = 0; !leavingDone; i++) {
        const call = unary<{ message: string }>(h.client, 'Unary', { message: `u${i}`, delay_ms: 2 }).then(
          (r) => r.message,
          (e: grpc.ServiceError) => `failed: ${grpc.status[e.code]} ${e.details}`,
        );
        unaries.push(call);
        await call;
      }
    };
    const callers = Promise.all(Array.from({ length: 4 }, calling));
    try {
      await Promise.all(Array.from({ length: 10 }, leaving));
    } finally {
      leavingDone = true;
      await callers;
    }

    expect(leftWith.filter((code) => code !== grpc.status.CANCELLED)).toEqual([]);
    const results = await Promise.all(unaries);
    expect(results.filter((r) => r.startsWith('failed'))).toEqual([]);
    expect(results.length).toBeGreaterThan(100);
    await until(() => h.observed.aborts.filter((a) => a.method === 'ServerStream').length === 2000);
    // More resets than nghttp2 takes on one connection: the client was moved to a new one in good order.
    expect(new Set(h.peers).size).toBeGreaterThan(1);
    await expect(unary(h.client, 'Unary', { message: 'after' })).resolves.toMatchObject({ message: 'after' });
  }, 30_000);

  it('stops a peer that only opens and resets streams: GOAWAY NO_ERROR well before 1,000 resets, then the connection closed', async () => {
    h = await startEchoWithPeers();
    const c = await RawConnection.handshake(h.port);
    const block = headerBlock(grpcRequestHeaders('/switchboard.test.Echo/Unary'));
    const cancel = Buffer.alloc(4);
    cancel.writeUInt32BE(H2Error.CANCEL);
    let streamId = 1;
    // In batches, each read by the server (a PING round trip) before the next.
    while (c.goaways().length === 0 && streamId < 2 * 2000) {
      const batch: Buffer[] = [];
      for (let i = 0; i < 50; i++, streamId += 2) batch.push(headersFrames(streamId, block), frame(FrameType.RST_STREAM, 0, streamId, cancel));
      c.write(Buffer.concat(batch));
      await c.roundTrip();
    }
    await until(() => c.closed, 5000, 'the connection closed');
    const [goaway] = c.goaways();
    expect(goaway?.code).toBe(H2Error.NO_ERROR);
    // One stream per reset: the GOAWAY came after about 500 of them, short of nghttp2's 1,000.
    expect(goaway!.lastStreamId).toBeGreaterThan(2 * 400);
    expect(goaway!.lastStreamId).toBeLessThan(2 * 1000);
    await expect(unary(h.client, 'Unary', { message: 'after' })).resolves.toMatchObject({ message: 'after' });
  });
});

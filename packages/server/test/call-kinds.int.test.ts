import type * as grpc from '@grpc/grpc-js';
import { Echo, grpcFrame, rawCall } from '@switchboard/test-support';
import { collect, startEcho, unary, type EchoHarness } from './harness';

describe('a Switchboard server serves every call kind', () => {
  let h: EchoHarness;
  beforeEach(async () => {
    h = await startEcho();
  });
  afterEach(() => h.close());

  it('answers a unary call', async () => {
    await expect(unary(h.client, 'Unary', { message: 'hi' })).resolves.toMatchObject({ message: 'hi' });
  });

  it('streams server responses in order', async () => {
    const stream = h.client['ServerStream']!({ message: 'x', count: 5 }) as grpc.ClientReadableStream<{ index: number }>;
    const replies = await collect(stream);
    expect(replies.map((r) => r.index)).toEqual([0, 1, 2, 3, 4]);
  });

  it('reads a client stream to its end', async () => {
    const reply = await new Promise<{ message: string; index: number }>((resolve, reject) => {
      const call = (h.client['ClientStream'] as (cb: grpc.requestCallback<{ message: string; index: number }>) => grpc.ClientWritableStream<object>)(
        (error, value) => (error ? reject(error) : resolve(value!)),
      );
      for (const message of ['a', 'b', 'c']) call.write({ message });
      call.end();
    });
    expect(reply).toMatchObject({ message: 'a,b,c', index: 3 });
  });

  it('answers each bidi message as it arrives', async () => {
    const call = h.client['Bidi']!() as grpc.ClientDuplexStream<object, { message: string }>;
    const seen: string[] = [];
    const done = new Promise<void>((resolve, reject) => {
      call.on('data', (m: { message: string }) => {
        seen.push(m.message);
        if (seen.length < 3) call.write({ message: `m${seen.length}` });
        else call.end();
      });
      call.on('end', resolve);
      call.on('error', reject);
    });
    call.write({ message: 'm0' });
    await done;
    expect(seen).toEqual(['m0', 'm1', 'm2']);
  });

  it('keeps a fast producer in step with a reader that stops reading', async () => {
    // The grpc-js client drains the socket even when paused, so the slow reader is a bare HTTP/2 peer.
    const request = Echo.methods.get('ServerStream')!.definition.requestSerialize({ message: 'bulk', count: 2000, payload: Buffer.alloc(16 * 1024, 1) });
    const raw = rawCall(h.port, '/switchboard.test.Echo/ServerStream', grpcFrame(request));
    raw.stream.pause();
    await new Promise((r) => setTimeout(r, 500));
    const producedWhilePaused = h.observed.produced;
    raw.close();
    // 2000 × 16 KiB is 32 MiB; HTTP/2 flow control and the stream's buffer hold it to a few hundred KiB.
    expect(producedWhilePaused).toBeGreaterThan(0);
    expect(producedWhilePaused).toBeLessThan(100);
  });
});

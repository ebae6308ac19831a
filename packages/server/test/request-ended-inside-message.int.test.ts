import * as grpc from '@grpc/grpc-js';
import { Echo, grpcFrame, rawExchange } from '@switchboard/test-support';
import { startEcho, unary, type EchoHarness } from './harness';

const serialize = (request: object): Buffer => Echo.methods.get('Unary')!.definition.requestSerialize(request);
const frame = (message: string): Buffer => grpcFrame(serialize({ message }));
/** The first `keep` bytes of a message's frame: END_STREAM comes inside it. */
const cut = (message: string, keep: number): Buffer => frame(message).subarray(0, keep);

describe('a request stream that ends inside a message (grpc-js would drop the partial message and go on)', () => {
  let h: EchoHarness;
  beforeEach(async () => {
    h = await startEcho();
  });
  afterEach(async () => {
    // The server still serves whatever came before.
    await expect(unary(h.client, 'Unary', { message: 'still serving' })).resolves.toMatchObject({ message: 'still serving' });
    await h.close();
  });

  const send = (method: string, ...frames: Buffer[]) => rawExchange(h.port, `/switchboard.test.Echo/${method}`, Buffer.concat(frames));

  it('ends a client stream with INTERNAL, not OK with the messages before it', async () => {
    const response = await send('ClientStream', frame('a'), frame('b'), cut('cut short', 9));
    expect([response.status, response.message]).toEqual([grpc.status.INTERNAL, 'the request stream ended inside a message']);
    expect(h.observed.completed).toEqual([]);
  });

  it('ends a client stream cut inside the 5-byte length prefix with INTERNAL', async () => {
    expect((await send('ClientStream', frame('a'), Buffer.from([0, 0, 0]))).status).toBe(grpc.status.INTERNAL);
  });

  it('ends a bidi call with INTERNAL', async () => {
    const response = await send('Bidi', frame('a'), cut('b', 4));
    expect(response.status).toBe(grpc.status.INTERNAL);
  });

  it('answers a unary call whose message is followed by a partial one with INTERNAL, without running the handler', async () => {
    expect((await send('Unary', frame('whole'), cut('partial', 6))).status).toBe(grpc.status.INTERNAL);
  });

  it('answers a server-streaming call whose message is followed by a partial one with INTERNAL', async () => {
    const response = await send('ServerStream', grpcFrame(serialize({ message: 'x', count: 3 })), cut('partial', 6));
    expect([response.status, response.body.length]).toEqual([grpc.status.INTERNAL, 0]);
  });

  it('still completes a client stream that ends between messages', async () => {
    const response = await send('ClientStream', frame('a'), frame('b'));
    expect(response.status).toBe(grpc.status.OK);
    expect(h.observed.completed).toEqual(['ClientStream']);
  });

  it('is answered UNIMPLEMENTED by grpc-js when a unary call’s only message is cut short, before any handler (grpc-go: INTERNAL)', async () => {
    const response = await send('Unary', cut('only', 7));
    expect(response.status).toBe(grpc.status.UNIMPLEMENTED);
    expect(response.message).toMatch(/no request message/i);
  });
});

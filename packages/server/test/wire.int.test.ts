import * as zlib from 'node:zlib';
import * as grpc from '@grpc/grpc-js';
import { Echo, grpcFrame, rawCall } from '@switchboard/test-support';
import { startEcho, unary, type EchoHarness } from './harness';

const serialize = (request: object): Buffer => Echo.methods.get('Unary')!.definition.requestSerialize(request);

describe('bad input on the wire ends in the right status and the server keeps serving', () => {
  let h: EchoHarness;
  beforeEach(async () => {
    h = await startEcho({ config: { maxReceiveMessageBytes: 1024 } });
  });
  afterEach(() => h.close());

  it('answers an unknown method and an unknown service with UNIMPLEMENTED', async () => {
    for (const path of ['/switchboard.test.Echo/Nope', '/no.Such/Service']) {
      const raw = rawCall(h.port, path, grpcFrame(serialize({ message: 'x' })));
      const response = await raw.response;
      raw.close();
      expect(response.status).toBe(grpc.status.UNIMPLEMENTED);
    }
    await expect(unary(h.client, 'Unary', { message: 'still here' })).resolves.toMatchObject({ message: 'still here' });
  });

  it('answers request bytes that are not the message with INTERNAL', async () => {
    const raw = rawCall(h.port, '/switchboard.test.Echo/Unary', grpcFrame(Buffer.from([0xff, 0xff, 0xff])));
    const response = await raw.response;
    raw.close();
    expect(response.status).toBe(grpc.status.INTERNAL);
    await expect(unary(h.client, 'Unary', { message: 'ok' })).resolves.toMatchObject({ message: 'ok' });
  });

  it('answers a message over maxReceiveMessageBytes with RESOURCE_EXHAUSTED', async () => {
    await expect(unary(h.client, 'Unary', { payload: Buffer.alloc(4096) })).rejects.toMatchObject({
      code: grpc.status.RESOURCE_EXHAUSTED,
    });
    await expect(unary(h.client, 'Unary', { payload: Buffer.alloc(100) })).resolves.toBeDefined();
  });

  it('accepts gzip and deflate requests', async () => {
    for (const [encoding, compress] of [
      ['gzip', zlib.gzipSync],
      ['deflate', zlib.deflateSync],
    ] as const) {
      const raw = rawCall(h.port, '/switchboard.test.Echo/Unary', grpcFrame(compress(serialize({ message: encoding })), true), {
        'grpc-encoding': encoding,
      });
      const response = await raw.response;
      raw.close();
      expect(response.status).toBe(grpc.status.OK);
      expect(response.body.subarray(5).toString()).toContain(encoding);
    }
  });

  it('accepts compressed requests from a grpc-js client', async () => {
    const gz = await startEcho({ clientOptions: { 'grpc.default_compression_algorithm': 2 } });
    try {
      await expect(unary(gz.client, 'Unary', { message: 'zipped', payload: Buffer.alloc(2000, 7) })).resolves.toMatchObject({ message: 'zipped' });
    } finally {
      await gz.close();
    }
  });

  it('answers an unknown grpc-encoding with UNIMPLEMENTED', async () => {
    const raw = rawCall(h.port, '/switchboard.test.Echo/Unary', grpcFrame(serialize({ message: 'x' }), true), {
      'grpc-encoding': 'snappy',
    });
    const response = await raw.response;
    raw.close();
    expect(response.status).toBe(grpc.status.UNIMPLEMENTED);
  });
});

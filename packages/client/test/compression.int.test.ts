import * as http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import * as zlib from 'node:zlib';
import { resolve } from '@switchboard/core';
import { Lab } from '../../../testing/lab/lab-service';
import { defineClient } from '../src/index';
import { connect } from './chain';

const zipClient = defineClient('zip', Lab);
const flaky = Lab.methods.get('Flaky')!.definition;

interface Seen {
  encoding: string | undefined;
  acceptEncoding: string | undefined;
  compressedFlag: number;
  request: unknown;
}

/** A bare HTTP/2 gRPC server: records what arrived on the wire and answers Flaky with attempts = 1. */
async function wirePeer(): Promise<{ port: number; seen: Seen[]; close(): Promise<void> }> {
  const seen: Seen[] = [];
  const server = http2.createServer();
  server.on('stream', (stream, headers) => {
    const chunks: Buffer[] = [];
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('end', () => {
      const body = Buffer.concat(chunks);
      const flag = body.readUInt8(0);
      const payload = body.subarray(5, 5 + body.readUInt32BE(1));
      seen.push({
        encoding: headers['grpc-encoding'] as string | undefined,
        acceptEncoding: headers['grpc-accept-encoding'] as string | undefined,
        compressedFlag: flag,
        request: flaky.requestDeserialize(flag === 1 ? zlib.gunzipSync(payload) : payload),
      });
      const reply = flaky.responseSerialize({ attempts: 1 });
      const frame = Buffer.alloc(5);
      frame.writeUInt32BE(reply.length, 1);
      stream.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true });
      stream.on('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0' }));
      stream.end(Buffer.concat([frame, reply]));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { port: (server.address() as AddressInfo).port, seen, close: () => new Promise((r) => server.close(() => r())) };
}

describe('request compression, as an independent HTTP/2 peer sees it', () => {
  it('sends grpc-encoding: gzip and gzip-compressed messages when configured', async () => {
    const peer = await wirePeer();
    const c = connect([zipClient], { zip: { target: `127.0.0.1:${peer.port}`, compression: 'gzip' } });
    try {
      await expect(resolve(c.container, zipClient.token).Flaky({ key: 'k'.repeat(200) })).resolves.toEqual({ attempts: 1 });
      expect(peer.seen).toEqual([{ encoding: 'gzip', acceptEncoding: expect.stringContaining('gzip') as string, compressedFlag: 1, request: expect.objectContaining({ key: 'k'.repeat(200) }) as object }]);
    } finally {
      c.close();
      await peer.close();
    }
  });

  it('sends uncompressed messages with identity', async () => {
    const peer = await wirePeer();
    const c = connect([zipClient], { zip: { target: `127.0.0.1:${peer.port}`, compression: 'identity' } });
    try {
      await resolve(c.container, zipClient.token).Flaky({ key: 'plain' });
      expect(peer.seen[0]).toMatchObject({ compressedFlag: 0, request: expect.objectContaining({ key: 'plain' }) as object });
      expect(peer.seen[0]?.encoding ?? 'identity').toBe('identity');
    } finally {
      c.close();
      await peer.close();
    }
  });
});

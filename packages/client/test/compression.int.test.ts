import * as http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import * as zlib from 'node:zlib';
import { resolve } from '@switchboard/core';
import type { MethodDefinition } from '@grpc/proto-loader';
import { Echo, Lab } from '@switchboard/test-support';
import { defineClient } from '../src/index';
import { connect } from './chain';

const zipClient = defineClient('zip', Lab);
const zipEcho = defineClient('zipEcho', Echo);

/** What the peer answers each method it knows with. */
const ANSWERS = new Map<string, [MethodDefinition<object, object>, object]>(
  [
    [Lab.methods.get('Flaky')!, { attempts: 1 }] as const,
    [Echo.methods.get('ClientStream')!, { message: 'ok' }] as const,
    [Echo.methods.get('Bidi')!, { message: 'ok' }] as const,
  ].map(([method, answer]) => [method.path, [method.definition, answer]]),
);

interface Seen {
  encoding: string | undefined;
  acceptEncoding: string | undefined;
  /** The compressed flag of each message, in order. */
  compressedFlags: number[];
  requests: unknown[];
}

/** A bare HTTP/2 gRPC server: records every message that arrived on the wire, then answers with one message. */
async function wirePeer(): Promise<{ port: number; seen: Seen[]; close(): Promise<void> }> {
  const seen: Seen[] = [];
  const server = http2.createServer();
  server.on('stream', (stream, headers) => {
    const chunks: Buffer[] = [];
    const [definition, answer] = ANSWERS.get(headers[':path'] as string)!;
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('end', () => {
      const body = Buffer.concat(chunks);
      const entry: Seen = {
        encoding: headers['grpc-encoding'] as string | undefined,
        acceptEncoding: headers['grpc-accept-encoding'] as string | undefined,
        compressedFlags: [],
        requests: [],
      };
      for (let at = 0; at < body.length; at += 5 + body.readUInt32BE(at + 1)) {
        const flag = body.readUInt8(at);
        const payload = body.subarray(at + 5, at + 5 + body.readUInt32BE(at + 1));
        entry.compressedFlags.push(flag);
        const inflate = headers['grpc-encoding'] === 'deflate' ? zlib.inflateSync : zlib.gunzipSync;
        entry.requests.push(definition.requestDeserialize(flag === 1 ? inflate(payload) : payload));
      }
      seen.push(entry);
      const reply = definition.responseSerialize(answer);
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
  it.each([
    ['gzip', 'g'],
    ['deflate', 'd'],
  ])('sends grpc-encoding: %s and messages compressed with it when configured', async (compression, letter) => {
    const peer = await wirePeer();
    const c = connect([zipClient], { zip: { target: `127.0.0.1:${peer.port}`, compression } });
    try {
      await expect(resolve(c.container, zipClient.token).Flaky({ key: letter.repeat(200) })).resolves.toEqual({ attempts: 1 });
      expect(peer.seen).toEqual([
        {
          encoding: compression,
          acceptEncoding: expect.stringContaining(compression) as string,
          compressedFlags: [1],
          requests: [expect.objectContaining({ key: letter.repeat(200) })],
        },
      ]);
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
      expect(peer.seen[0]).toMatchObject({ compressedFlags: [0], requests: [expect.objectContaining({ key: 'plain' })] });
      expect(peer.seen[0]?.encoding ?? 'identity').toBe('identity');
    } finally {
      c.close();
      await peer.close();
    }
  });

  it('sends one message uncompressed on a gzip stream when written with { compress: false }, on both stream kinds', async () => {
    const peer = await wirePeer();
    const c = connect([zipEcho], { zipEcho: { target: `127.0.0.1:${peer.port}`, compression: 'gzip' } });
    try {
      const echo = resolve(c.container, zipEcho.token);
      const upload = echo.ClientStream();
      await upload.write({ message: 'first' });
      await upload.write({ message: 'second' }, { compress: false });
      await upload.write({ message: 'third' }, { compress: true });
      upload.end();
      await expect(upload.response).resolves.toMatchObject({ message: 'ok' });

      const both = echo.Bidi();
      await both.write({ message: 'plain' }, { compress: false });
      await both.write({ message: 'zipped' });
      both.end();
      for await (const reply of both) expect(reply).toMatchObject({ message: 'ok' });

      expect(peer.seen.map((s) => [s.encoding, s.compressedFlags, s.requests.map((r) => (r as { message: string }).message)])).toEqual([
        ['gzip', [1, 0, 1], ['first', 'second', 'third']],
        ['gzip', [0, 1], ['plain', 'zipped']],
      ]);
    } finally {
      c.close();
      await peer.close();
    }
  });
});

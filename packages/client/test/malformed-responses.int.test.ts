import * as http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import { Code, RpcError, resolve } from '@switchboard/core';
import { Echo, type EchoReply } from '@switchboard/test-support';
import { connect } from './chain';
import { defineClient } from '../src/define-client';

const echoClient = defineClient('echo', Echo);
const replyBytes = (reply: EchoReply): Buffer => Echo.methods.get('Unary')!.definition.responseSerialize(reply);
const hex = (text: string): Buffer => Buffer.from(text.replace(/\s+/g, ''), 'hex');

function frame(message: Buffer): Buffer {
  const head = Buffer.alloc(5);
  head.writeUInt32BE(message.length, 1);
  return Buffer.concat([head, message]);
}

/**
 * A gRPC server made with Node's bare HTTP/2 server, the one peer that sends
 * whatever bytes a test gives it: each call, once its request has ended, is
 * answered with the next body of `bodies` (as it goes on the wire) and OK
 * trailers.
 */
async function rawServer(bodies: Buffer[]) {
  const server = http2.createServer();
  const sessions = new Set<http2.ServerHttp2Session>();
  server.on('session', (session) => {
    sessions.add(session);
    session.once('close', () => sessions.delete(session));
  });
  server.on('stream', (stream) => {
    stream.on('error', () => undefined);
    stream.resume();
    stream.once('end', () => {
      stream.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true });
      stream.once('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0' }));
      stream.end(bodies.shift() ?? Buffer.alloc(0));
    });
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  return {
    target: `127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((done) => {
        for (const session of sessions) session.destroy();
        server.close(() => done());
      }),
  };
}

type RawServer = Awaited<ReturnType<typeof rawServer>>;

/** EchoReply bytes proto-loader alone reads as some other reply (field 1 `message` is a string). */
const DAMAGED: [name: string, bytes: Buffer][] = [
  ['a string whose length runs past the end (0a 05 61 62)', hex('0a 05 61 62')],
  ['a string that is not UTF-8 (0a 02 c3 28)', hex('0a 02 c3 28')],
  ['the string field sent as a varint (08 05 …)', hex('08 05 61 62 63 64 65')],
];

describe('a Switchboard client given a damaged response message by a raw HTTP/2 server', () => {
  let server: RawServer;
  let close: () => void;
  afterEach(async () => {
    close();
    await server.close();
  });

  async function stub(bodies: Buffer[]) {
    server = await rawServer(bodies);
    const c = connect([echoClient], { echo: { target: server.target } });
    close = c.close;
    return resolve(c.container, echoClient.token);
  }

  it.each(DAMAGED)('rejects a unary call with INTERNAL, and the next call on the client succeeds: %s', async (_name, bytes) => {
    const echo = await stub([frame(bytes), frame(replyBytes({ message: 'fine' }))]);
    const error = (await echo.Unary({ message: 'x' }).catch((e: unknown) => e)) as RpcError;
    expect(error).toBeInstanceOf(RpcError);
    expect(error.code).toBe(Code.INTERNAL);
    expect(error.message).toMatch(/invalid switchboard\.test\.EchoReply/);
    await expect(echo.Unary({ message: 'y' })).resolves.toMatchObject({ message: 'fine' });
  });

  it('ends a server stream with INTERNAL after the good responses before the damaged one', async () => {
    const echo = await stub([Buffer.concat([frame(replyBytes({ message: 'good', index: 0 })), frame(DAMAGED[0]![1])])]);
    const received: unknown[] = [];
    const error = await (async () => {
      for await (const reply of echo.ServerStream({ count: 2 })) received.push(reply);
    })().catch((e: unknown) => e);
    expect(received).toEqual([expect.objectContaining({ message: 'good', index: 0 })]);
    expect(error).toMatchObject({ code: Code.INTERNAL });
  });
});

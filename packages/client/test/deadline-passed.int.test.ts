import * as http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import { resolve } from '@switchboard/core';
import { Echo } from '@switchboard/test-support';
import { defineClient } from '../src/index';
import { connect } from './chain';
import { KINDS, drive } from './drive-call';

const echoClient = defineClient('echo', Echo);

describe('a call whose deadline passed before it started', () => {
  let server: http2.Http2Server;
  let streams: string[];
  let closers: (() => void)[] = [];
  beforeEach(async () => {
    streams = [];
    // A raw HTTP/2 peer that counts the streams it is sent and answers each UNIMPLEMENTED (trailers only).
    server = http2.createServer();
    server.on('stream', (stream, headers) => {
      streams.push(String(headers[':path']));
      stream.respond({ ':status': 200, 'content-type': 'application/grpc', 'grpc-status': '12' }, { endStream: true });
    });
    await new Promise<void>((listening) => server.listen(0, '127.0.0.1', listening));
  });
  afterEach(async () => {
    for (const close of closers) close();
    closers = [];
    await new Promise((closed) => server.close(closed));
  });

  function echo() {
    const c = connect([echoClient], { echo: { target: `127.0.0.1:${(server.address() as AddressInfo).port}` } });
    closers.push(c.close);
    return resolve(c.container, echoClient.token);
  }

  // A stream opened only to be reset at once: the reset can be held back past a GOAWAY that drops the
  // stream's HEADERS, and then reaches the server for a stream it never saw, a connection error (RFC 9113 §6.4).
  it.each(KINDS)('%s: ends DEADLINE_EXCEEDED without opening a stream on the connection', async (kind) => {
    const stub = echo();
    expect((await drive(stub, kind, { message: 'connect first' })).status).toBe('UNIMPLEMENTED');
    expect((await drive(stub, kind, { message: 'late' }, { deadline: new Date(Date.now() - 1000) })).status).toBe('DEADLINE_EXCEEDED');
    // A later call's HEADERS follow anything the late call put on the connection.
    expect((await drive(stub, kind, { message: 'after' })).status).toBe('UNIMPLEMENTED');
    expect(streams).toEqual([`/switchboard.test.Echo/${kind}`, `/switchboard.test.Echo/${kind}`]);
  });
});

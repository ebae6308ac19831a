import * as http2 from 'node:http2';
import * as net from 'node:net';

/** One call as the misbehaving server received it. */
export interface RawCall {
  /** The request's `:path`, e.g. `/switchboard.test.Echo/Unary`. */
  readonly path: string;
  readonly stream: http2.ServerHttp2Stream;
  /** The request messages received so far, unframed. */
  readonly requests: Buffer[];
  /** Resolves when the client half-closes (or the stream goes away). */
  readonly halfClosed: Promise<void>;
}

/** A gRPC server written on bare `node:http2`: it answers however `respond` says, including what gRPC forbids. */
export interface MisbehavingServer {
  readonly port: number;
  /** Every call received, in order. */
  readonly calls: RawCall[];
  close(): Promise<void>;
}

/** One gRPC length-prefixed message: flag 0, a 4-byte big-endian length, the bytes. */
export function grpcFrame(message: Buffer | Uint8Array): Buffer {
  const frame = Buffer.alloc(5 + message.length);
  frame.writeUInt32BE(message.length, 1);
  Buffer.from(message.buffer, message.byteOffset, message.length).copy(frame, 5);
  return frame;
}

/** Response headers of a gRPC answer (HTTP 200, application/grpc). */
export function responseHeaders(extra: http2.OutgoingHttpHeaders = {}): http2.OutgoingHttpHeaders {
  return { ':status': 200, 'content-type': 'application/grpc', ...extra };
}

/** Sends `grpc-status` (and `grpc-message`) as trailers and ends the stream. */
export function sendStatus(stream: http2.ServerHttp2Stream, code: number, message = ''): void {
  stream.once('wantTrailers', () =>
    stream.sendTrailers({ 'grpc-status': String(code), ...(message === '' ? {} : { 'grpc-message': encodeURIComponent(message) }) }),
  );
  stream.end();
}

/**
 * Starts a server on 127.0.0.1:0 that hands every stream to `respond`, with
 * the request messages collected as they arrive. Streams and sessions still
 * open are destroyed by `close()`.
 */
export async function misbehavingServer(respond: (call: RawCall) => void): Promise<MisbehavingServer> {
  const calls: RawCall[] = [];
  const sessions = new Set<http2.ServerHttp2Session>();
  const server = http2.createServer();
  server.on('session', (session) => {
    sessions.add(session);
    session.on('error', () => undefined);
    session.on('close', () => sessions.delete(session));
  });
  server.on('stream', (stream, headers) => {
    stream.on('error', () => undefined);
    const requests: Buffer[] = [];
    let pending = Buffer.alloc(0);
    stream.on('data', (chunk: Buffer) => {
      pending = Buffer.concat([pending, chunk]);
      while (pending.length >= 5 && pending.length >= 5 + pending.readUInt32BE(1)) {
        const length = pending.readUInt32BE(1);
        requests.push(pending.subarray(5, 5 + length));
        pending = pending.subarray(5 + length);
      }
    });
    const halfClosed = new Promise<void>((resolve) => {
      stream.once('end', resolve);
      stream.once('close', resolve);
    });
    const call: RawCall = { path: String(headers[':path']), stream, requests, halfClosed };
    calls.push(call);
    respond(call);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    calls,
    close: () =>
      new Promise<void>((resolve) => {
        for (const session of sessions) session.destroy();
        server.close(() => resolve());
      }),
  };
}

const PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n');
const SETTINGS = 0x4;
const HEADERS = 0x1;
const RST_STREAM = 0x3;
/** HPACK for `:status: 200` (static entry 8) and `content-type: application/grpc` (a literal with static name 31, not indexed). */
const RESPONSE_HEADERS = Buffer.concat([Buffer.from([0x88, 0x0f, 0x10, 16]), Buffer.from('application/grpc')]);

function frame(type: number, flags: number, stream: number, payload: Buffer = Buffer.alloc(0)): Buffer {
  const head = Buffer.alloc(9);
  head.writeUIntBE(payload.length, 0, 3);
  head[3] = type;
  head[4] = flags;
  head.writeUInt32BE(stream, 5);
  return Buffer.concat([head, payload]);
}

/**
 * A server that speaks just enough HTTP/2, frame by frame, to answer every
 * stream with response headers and then RST_STREAM with `code`, after the
 * client's request has ended or not. (`node:http2` cannot: once the client
 * has half-closed, its `close(code)` ends the stream cleanly instead.)
 */
export async function headersThenReset(code: number): Promise<{ readonly port: number; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.on('close', () => sockets.delete(socket));
    socket.write(frame(SETTINGS, 0, 0));
    let pending = Buffer.alloc(0);
    let prefaceSeen = false;
    socket.on('data', (chunk: Buffer) => {
      pending = Buffer.concat([pending, chunk]);
      if (!prefaceSeen) {
        if (pending.length < PREFACE.length) return;
        pending = pending.subarray(PREFACE.length);
        prefaceSeen = true;
      }
      while (pending.length >= 9 && pending.length >= 9 + pending.readUIntBE(0, 3)) {
        const length = pending.readUIntBE(0, 3);
        const [type, flags] = [pending[3], pending[4]];
        const stream = pending.readUInt32BE(5) & 0x7fffffff;
        pending = pending.subarray(9 + length);
        if (type === SETTINGS && ((flags ?? 0) & 0x1) === 0) socket.write(frame(SETTINGS, 0x1, 0));
        if (type === HEADERS) {
          const rst = Buffer.alloc(4);
          rst.writeUInt32BE(code);
          socket.write(Buffer.concat([frame(HEADERS, 0x4, stream, RESPONSE_HEADERS), frame(RST_STREAM, 0, stream, rst)]));
        }
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

import * as http2 from 'node:http2';

/** A gRPC length-prefixed message: flag byte, 4-byte big-endian length, bytes. */
export function grpcFrame(message: Buffer | Uint8Array, compressed = false): Buffer {
  const head = Buffer.alloc(5);
  head.writeUInt8(compressed ? 1 : 0, 0);
  head.writeUInt32BE(message.length, 1);
  return Buffer.concat([head, message]);
}

export interface RawResponse {
  headers: http2.IncomingHttpHeaders;
  trailers: http2.IncomingHttpHeaders;
  body: Buffer;
  /** grpc-status from the trailers, or from headers for a trailers-only response. */
  status: number;
  message: string;
}

/**
 * A gRPC call made with Node's bare HTTP/2 client: an independent peer that
 * lets a test send bytes grpc-js would never send and stop reading at will.
 */
export function rawCall(
  port: number,
  path: string,
  body: Buffer,
  headers: Record<string, string> = {},
): { stream: http2.ClientHttp2Stream; response: Promise<RawResponse>; close(): void } {
  const session = http2.connect(`http://127.0.0.1:${port}`);
  session.on('error', () => undefined);
  const stream = session.request({
    ':method': 'POST',
    ':path': path,
    'content-type': 'application/grpc',
    te: 'trailers',
    ...headers,
  });
  stream.end(body);
  const response = new Promise<RawResponse>((resolve, reject) => {
    let responseHeaders: http2.IncomingHttpHeaders = {};
    let trailers: http2.IncomingHttpHeaders = {};
    const chunks: Buffer[] = [];
    stream.on('response', (h) => (responseHeaders = h));
    stream.on('trailers', (t) => (trailers = t));
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('error', reject);
    stream.on('close', () => {
      const source = trailers['grpc-status'] !== undefined ? trailers : responseHeaders;
      resolve({
        headers: responseHeaders,
        trailers,
        body: Buffer.concat(chunks),
        status: Number(source['grpc-status']),
        message: decodeURIComponent(String(source['grpc-message'] ?? '')),
      });
    });
  });
  return { stream, response, close: () => session.destroy() };
}

/** One whole call with Node's bare HTTP/2 client: sends `body`, ends the stream, resolves to what came back, closes. */
export async function rawExchange(port: number, path: string, body: Buffer, headers: Record<string, string> = {}): Promise<RawResponse> {
  const call = rawCall(port, path, body, headers);
  try {
    return await call.response;
  } finally {
    call.close();
  }
}

import type * as http2 from 'node:http2';

/**
 * Makes every `authorization` field of a request reach grpc-js's metadata.
 * Node's HTTP/2 server keeps only the first field of a header it deems
 * single-valued (`authorization` among them) and drops the rest silently, so
 * a call carrying two tokens would be verified on the first while a proxy in
 * front may have checked the other. With every field kept, the
 * authentication interceptor refuses such a call (UNAUTHENTICATED). The
 * listener is prepended: grpc-js reads the headers in its own 'stream'
 * listener. @internal
 */
export function keepRepeatedAuthorization(http2Server: http2.Http2Server | http2.Http2SecureServer): void {
  http2Server.prependListener('stream', (_stream: unknown, headers: http2.IncomingHttpHeaders, _flags: number, rawHeaders: string[]) => {
    let values: string[] | undefined;
    for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
      if (rawHeaders[i] === 'authorization') (values ??= []).push(rawHeaders[i + 1]!);
    }
    if (values !== undefined && values.length > 1) (headers as Record<string, unknown>)['authorization'] = values;
  });
}

import { rawCall, type RawResponse } from '../../../testing/raw-http2';

/** One whole call with Node's bare HTTP/2 client: sends `body`, ends the stream, resolves to what came back. */
export async function rawExchange(port: number, path: string, body: Buffer, headers: Record<string, string> = {}): Promise<RawResponse> {
  const call = rawCall(port, path, body, headers);
  try {
    return await call.response;
  } finally {
    call.close();
  }
}

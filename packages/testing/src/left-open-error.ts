import type { OpenChannel } from './open-channels';

/**
 * What `TestServer.close()` rejects with when a test left a call or a
 * connection open; the server is shut down all the same.
 */
export class LeftOpenError extends Error {
  override readonly name = 'LeftOpenError';

  constructor(
    /** The server's `host:port`. */
    readonly address: string,
    /** `client call /pkg.Service/Method ×1`, `server call /pkg.Service/Method ×2`. */
    readonly calls: readonly string[],
    /** grpc-js channels of this process to the server that nobody closed. */
    readonly channels: readonly OpenChannel[],
  ) {
    const parts: string[] = [];
    if (calls.length > 0) parts.push(`calls left open: ${calls.join(', ')} (end, cancel or read every call to its end before close())`);
    if (channels.length > 0) {
      const list = channels.map((c) => `${c.target} (${c.state}, ${c.calls} call${c.calls === 1 ? '' : 's'})`).join(', ');
      parts.push(`clients left open: ${list} (close every client you make, or make it with server.client())`);
    }
    super(`the test server on ${address} was closed with ${parts.join('; ')}`);
  }
}

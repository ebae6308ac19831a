import * as net from 'node:net';

/**
 * A TCP port on 127.0.0.1 that nothing listens on: bound, then closed at
 * once. Free a moment ago, so a connection to it is refused until someone
 * binds it.
 */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer().once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as net.AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

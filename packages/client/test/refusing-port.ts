import * as net from 'node:net';

/** A port nothing listens on: bound on 127.0.0.1, then closed. */
export async function refusingPort(): Promise<number> {
  const probe = net.createServer();
  await new Promise<void>((done) => probe.listen(0, '127.0.0.1', done));
  const { port } = probe.address() as net.AddressInfo;
  await new Promise<void>((done) => probe.close(() => done()));
  return port;
}

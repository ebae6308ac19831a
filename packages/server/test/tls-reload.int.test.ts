import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tls from 'node:tls';
import * as grpc from '@grpc/grpc-js';
import type { ServerConfig } from '@switchboard/core';
import { SwitchboardServer } from '../src/switchboard-server';
import { createEchoService, echoProto, makeCertificates, type TestCertificates } from '@switchboard/test-support';
import { memoryLogger, testServerConfig, unary, type EchoHarness } from './harness';

type Tls = ServerConfig['server']['tls'];

let certs: TestCertificates;
beforeAll(() => {
  certs = makeCertificates();
});
afterAll(() => certs.remove());

let server: SwitchboardServer | undefined;
const clients: grpc.Client[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  await server?.shutdown(0);
  server = undefined;
});

async function startTls(settings: Partial<Tls>): Promise<{ port: number; lines: Record<string, unknown>[] }> {
  const Echo = createEchoService({ aborts: [], produced: 0 });
  const { logger, lines } = memoryLogger();
  const base: Tls = { certFile: '', keyFile: '', caFile: '', clientAuth: 'none', watchIntervalMs: 20 };
  server = new SwitchboardServer({ config: testServerConfig({ tls: { ...base, ...settings } }), logger });
  server.addService(new Echo());
  return { port: await server.listen(), lines };
}

function ourClient(port: number, credentials: grpc.ChannelCredentials, options: grpc.ChannelOptions = {}): EchoHarness['client'] {
  const pkg = grpc.loadPackageDefinition(echoProto.definition) as unknown as { switchboard: { test: { Echo: grpc.ServiceClientConstructor } } };
  const client = new pkg.switchboard.test.Echo(`127.0.0.1:${port}`, credentials, options);
  clients.push(client);
  return client as EchoHarness['client'];
}

/** The common name of the certificate a new TLS connection to `port` is given. */
function servedName(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ host: '127.0.0.1', port, servername: '', ALPNProtocols: ['h2'], rejectUnauthorized: false }, () => {
      const name = socket.getPeerCertificate().subject.CN;
      socket.destroy();
      resolve(String(name));
    });
    socket.once('error', reject);
  });
}

async function untilServed(port: number, name: string): Promise<void> {
  const end = Date.now() + 5000;
  let seen = await servedName(port);
  while (seen !== name) {
    if (Date.now() > end) throw new Error(`new connections still get '${seen}', not '${name}'`);
    await new Promise((r) => setTimeout(r, 10));
    seen = await servedName(port);
  }
}

/** Copies of the server's certificate and key at fixed paths, to rotate in place. */
function rotatable(): { certFile: string; keyFile: string; rotate(cert: string, key: string): void } {
  const dir = fs.mkdtempSync(path.join(certs.dir, 'rotating-'));
  const certFile = path.join(dir, 'tls.crt');
  const keyFile = path.join(dir, 'tls.key');
  fs.copyFileSync(certs.serverCert, certFile);
  fs.copyFileSync(certs.serverKey, keyFile);
  return {
    certFile,
    keyFile,
    rotate(cert, key) {
      fs.copyFileSync(cert, certFile);
      fs.copyFileSync(key, keyFile);
    },
  };
}

describe('server.tls files rotated on disk', () => {
  it('are used by new connections while a stream on an old connection finishes', async () => {
    const files = rotatable();
    const { port, lines } = await startTls({ certFile: files.certFile, keyFile: files.keyFile });
    expect(await servedName(port)).toBe('server');
    const ca = fs.readFileSync(certs.caCert);
    const before = ourClient(port, grpc.credentials.createSsl(ca));
    const stream = before['Bidi']!() as grpc.ClientDuplexStream<{ message: string }, { message: string; index: number }>;
    const replies: string[] = [];
    let firstReply: () => void = () => undefined;
    const answered = new Promise<void>((resolve) => (firstReply = resolve));
    stream.on('data', (reply: { message: string }) => {
      replies.push(reply.message);
      firstReply();
    });
    const ended = new Promise<grpc.StatusObject>((resolve) => stream.on('status', resolve));
    stream.write({ message: 'before' });
    // The stream's connection is made with the old certificate before anything rotates.
    await answered;

    files.rotate(certs.namedCert, certs.namedKey);
    await untilServed(port, 'named');
    expect(lines.some((l) => l['msg'] === 'server.tls: certificate re-read; new connections use it')).toBe(true);

    stream.write({ message: 'after' });
    stream.end();
    expect((await ended).code).toBe(grpc.status.OK);
    expect(replies).toEqual(['before', 'after']);

    // The new certificate names switchboard.test only: a client that checks for that name is answered.
    const after = ourClient(port, grpc.credentials.createSsl(ca), { 'grpc.ssl_target_name_override': 'switchboard.test' });
    await expect(unary(after, 'Unary', { message: 'new cert' })).resolves.toMatchObject({ message: 'new cert' });
  });

  it('keep the current certificate while the new files are not a valid set, and take them once they are', async () => {
    const files = rotatable();
    const { port, lines } = await startTls({ certFile: files.certFile, keyFile: files.keyFile });
    fs.copyFileSync(certs.namedCert, files.certFile); // the key still belongs to the old certificate
    const end = Date.now() + 5000;
    while (!lines.some((l) => l['msg'] === 'server.tls: the files changed but are not a valid set; keeping the current certificate')) {
      if (Date.now() > end) throw new Error('no warning about the half-rotated files');
      await new Promise((r) => setTimeout(r, 10));
    }
    expect(await servedName(port)).toBe('server');
    fs.copyFileSync(certs.namedKey, files.keyFile);
    await untilServed(port, 'named');
  });

  it('are not re-read with watchIntervalMs 0', async () => {
    const files = rotatable();
    const { port, lines } = await startTls({ certFile: files.certFile, keyFile: files.keyFile, watchIntervalMs: 0 });
    files.rotate(certs.namedCert, certs.namedKey);
    // A server that watches sees the change within its 20 ms interval: give it many times that.
    const watching = rotatable();
    const control = new SwitchboardServer({
      config: testServerConfig({ tls: { certFile: watching.certFile, keyFile: watching.keyFile, caFile: '', clientAuth: 'none', watchIntervalMs: 20 } }),
      logger: memoryLogger().logger,
    });
    try {
      const controlPort = await control.listen();
      watching.rotate(certs.namedCert, certs.namedKey);
      await untilServed(controlPort, 'named');
    } finally {
      await control.shutdown(0);
    }
    expect(await servedName(port)).toBe('server');
    expect(lines.some((l) => String(l['msg']).startsWith('server.tls:'))).toBe(false);
  });
});

describe('a server with clientAuth request', () => {
  const request = (): Partial<Tls> => ({ certFile: certs.serverCert, keyFile: certs.serverKey, caFile: certs.caCert, clientAuth: 'request' });

  it('answers a client without a certificate and a client with one', async () => {
    const { port } = await startTls(request());
    const ca = fs.readFileSync(certs.caCert);
    const bare = ourClient(port, grpc.credentials.createSsl(ca));
    await expect(unary(bare, 'Unary', { message: 'no cert' })).resolves.toMatchObject({ message: 'no cert' });
    const withCert = ourClient(port, grpc.credentials.createSsl(ca, fs.readFileSync(certs.clientKey), fs.readFileSync(certs.clientCert)));
    await expect(unary(withCert, 'Unary', { message: 'with cert' })).resolves.toMatchObject({ message: 'with cert' });
  });
});

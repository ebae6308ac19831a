import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { SwitchboardError, type ServerConfig } from '@switchboard/core';
import { SwitchboardServer } from '../src/switchboard-server';
import {
  assertPeerAvailable,
  createEchoService,
  echoProto,
  freePort,
  makeCertificates,
  PEER_PYTHON,
  runProcess,
  type TestCertificates,
} from '@switchboard/test-support';
import { memoryLogger, testServerConfig, unary, type EchoHarness } from './harness';

type Tls = ServerConfig['server']['tls'];
const PLAIN: Tls = { certFile: '', keyFile: '', caFile: '', clientAuth: 'none', watchIntervalMs: 0 };
const TLS_ECHO = path.join(__dirname, '../../../testing/peer/tls_echo.py');

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

async function startTls(tls: Partial<Tls>): Promise<number> {
  const Echo = createEchoService({ aborts: [], produced: 0 });
  server = new SwitchboardServer({ config: testServerConfig({ tls: { ...PLAIN, ...tls } }), logger: memoryLogger().logger });
  server.addService(new Echo());
  return server.listen();
}

function ourClient(port: number, credentials: grpc.ChannelCredentials): EchoHarness['client'] {
  const pkg = grpc.loadPackageDefinition(echoProto.definition) as unknown as { switchboard: { test: { Echo: grpc.ServiceClientConstructor } } };
  const client = new pkg.switchboard.test.Echo(`127.0.0.1:${port}`, credentials);
  clients.push(client);
  return client as EchoHarness['client'];
}

async function python(port: number, args: Record<string, string>): Promise<{ reply?: string; code?: string; details?: string }> {
  assertPeerAvailable();
  const run = await runProcess(PEER_PYTHON, [TLS_ECHO, `127.0.0.1:${port}`, JSON.stringify(args)], {
    timeoutMs: 20_000,
    env: { PATH: process.env['PATH'] ?? '', PYTHONDONTWRITEBYTECODE: '1' },
  });
  if (run.code !== 0) throw new Error(`tls_echo.py exited ${run.code}:\n${run.stderr}`);
  return (JSON.parse(run.stdout.trim().split('\n').pop()!) as { result: { reply?: string; code?: string; details?: string } }).result;
}

/** Whether anything accepts TCP connections on 127.0.0.1:`port`. */
function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

describe('a server with server.tls', () => {
  it('answers python3-grpcio over TLS, verified against the CA', async () => {
    const port = await startTls({ certFile: certs.serverCert, keyFile: certs.serverKey });
    expect(await python(port, { caFile: certs.caCert })).toEqual({ reply: 'over tls' });
  });

  it('is refused by python3-grpcio that trusts another CA', async () => {
    const port = await startTls({ certFile: certs.serverCert, keyFile: certs.serverKey });
    expect(await python(port, { caFile: certs.otherCaCert })).toMatchObject({ code: 'UNAVAILABLE' });
  });

  it('does not answer a plaintext client', async () => {
    const port = await startTls({ certFile: certs.serverCert, keyFile: certs.serverKey });
    const client = ourClient(port, grpc.credentials.createInsecure());
    await expect(unary(client, 'Unary', { message: 'plain' }, { deadlineMs: 5000 })).rejects.toMatchObject({ code: grpc.status.UNAVAILABLE });
  });
});

describe('a server with clientAuth require (mTLS)', () => {
  const mtls = (): Partial<Tls> => ({ certFile: certs.serverCert, keyFile: certs.serverKey, caFile: certs.caCert, clientAuth: 'require' });

  it('refuses python3-grpcio without a client certificate and answers it with one', async () => {
    const port = await startTls(mtls());
    expect(await python(port, { caFile: certs.caCert })).toMatchObject({ code: 'UNAVAILABLE' });
    expect(await python(port, { caFile: certs.caCert, certFile: certs.clientCert, keyFile: certs.clientKey })).toEqual({ reply: 'over tls' });
  });

  it('refuses our client without a client certificate and answers it with one', async () => {
    const port = await startTls(mtls());
    const ca = fs.readFileSync(certs.caCert);
    const bare = ourClient(port, grpc.credentials.createSsl(ca));
    await expect(unary(bare, 'Unary', { message: 'no cert' }, { deadlineMs: 5000 })).rejects.toMatchObject({ code: grpc.status.UNAVAILABLE });
    const withCert = ourClient(port, grpc.credentials.createSsl(ca, fs.readFileSync(certs.clientKey), fs.readFileSync(certs.clientCert)));
    await expect(unary(withCert, 'Unary', { message: 'with cert' })).resolves.toMatchObject({ message: 'with cert' });
  });
});

describe('server.tls files are checked before anything listens', () => {
  async function refused(tls: Partial<Tls>): Promise<string> {
    const port = await freePort();
    server = new SwitchboardServer({ config: testServerConfig({ port, tls: { ...PLAIN, ...tls } }), logger: memoryLogger().logger });
    const error = await server.listen().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(SwitchboardError);
    expect((error as SwitchboardError).code).toBe('SB_ERR_CONFIG');
    expect(await accepts(port)).toBe(false);
    return (error as Error).message;
  }

  it('names the key and the file when a file cannot be read', async () => {
    const missing = path.join(certs.dir, 'missing.pem');
    expect(await refused({ certFile: missing, keyFile: certs.serverKey })).toMatch(`server.tls.certFile: cannot read ${missing}: ENOENT`);
  });

  it('names both files when the key does not match the certificate', async () => {
    expect(await refused({ certFile: certs.serverCert, keyFile: certs.strayKey })).toBe(
      `SB_ERR_CONFIG: server.tls.keyFile: the key in ${certs.strayKey} does not match the certificate in ${certs.serverCert} (server.tls.certFile)`,
    );
  });

  it('names the file and the date when the certificate has expired', async () => {
    expect(await refused({ certFile: certs.expiredCert, keyFile: certs.expiredKey })).toBe(
      `SB_ERR_CONFIG: server.tls.certFile: the certificate in ${certs.expiredCert} expired on Jan  2 00:00:00 2020 GMT`,
    );
  });

  it('names a key file that holds no key', async () => {
    expect(await refused({ certFile: certs.serverCert, keyFile: certs.serverCert })).toMatch(
      `server.tls.keyFile: ${certs.serverCert} holds no PEM private key`,
    );
  });

  it('requires caFile for clientAuth require', async () => {
    expect(await refused({ certFile: certs.serverCert, keyFile: certs.serverKey, clientAuth: 'require' })).toMatch(
      'server.tls.caFile: required by clientAuth "require"',
    );
  });

  it('requires keyFile with certFile', async () => {
    expect(await refused({ certFile: certs.serverCert })).toMatch('server.tls.keyFile: required when certFile is set');
  });
});

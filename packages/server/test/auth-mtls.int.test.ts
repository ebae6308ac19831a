import * as fs from 'node:fs';
import * as grpc from '@grpc/grpc-js';
import { defineModule, type ServerConfig } from '@switchboard/core';
import { startServer, type RunningServer } from '../src/start-server';
import { type EchoReply, makeCertificates, type TestCertificates } from '@switchboard/test-support';
import { WhoAmI, clientCertificate, echoClient, identityOf, serverStream } from './auth-fixtures';
import { memoryLogger, unary, type EchoHarness } from './harness';

type Tls = ServerConfig['server']['tls'];

let certs: TestCertificates;
let billing: { cert: string; key: string };
beforeAll(() => {
  certs = makeCertificates();
  billing = clientCertificate(
    certs,
    'billing',
    '/O=Acme/CN=billing',
    'URI:spiffe://acme.test/ns/prod/sa/billing,DNS:billing.acme.test,email:billing@acme.test,IP:10.0.0.7',
  );
});
afterAll(() => certs.remove());

let running: RunningServer | undefined;
const clients: grpc.Client[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  await running?.shutdown(0);
  running = undefined;
});

async function start(clientAuth: Tls['clientAuth']): Promise<number> {
  running = await startServer({
    modules: [defineModule({ name: 'whoami', services: [WhoAmI] })],
    logger: memoryLogger().logger,
    config: {
      argv: [],
      env: {},
      configDir: null,
      values: {
        tree: { server: { port: 0, tls: { certFile: certs.serverCert, keyFile: certs.serverKey, caFile: certs.caCert, clientAuth } } },
        origin: 'test',
      },
    },
  });
  return running.port;
}

function client(port: number, certificate?: { cert: string; key: string }): EchoHarness['client'] {
  const ca = fs.readFileSync(certs.caCert);
  const credentials = certificate
    ? grpc.credentials.createSsl(ca, fs.readFileSync(certificate.key), fs.readFileSync(certificate.cert))
    : grpc.credentials.createSsl(ca);
  const c = echoClient(port, credentials);
  clients.push(c);
  return c;
}

describe('a client certificate (mTLS)', () => {
  it("puts the certificate's subject and alternative names on ctx.identity", async () => {
    const port = await start('require');
    const identity = identityOf(await unary<EchoReply>(client(port, billing), 'Unary', { message: '' }));
    expect(identity).toEqual({
      subject: 'O=Acme,CN=billing',
      names: ['O=Acme,CN=billing', 'billing', 'spiffe://acme.test/ns/prod/sa/billing', 'billing.acme.test', 'billing@acme.test'],
      scopes: [],
      roles: [],
      certificate: expect.objectContaining({
        subject: 'O=Acme,CN=billing',
        subjectFields: { O: 'Acme', CN: 'billing' },
        issuer: 'CN=ca',
        uris: ['spiffe://acme.test/ns/prod/sa/billing'],
        dnsNames: ['billing.acme.test'],
        emails: ['billing@acme.test'],
        ipAddresses: ['10.0.0.7'],
        fingerprint256: expect.stringMatching(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/),
      }),
    });
  });

  it('admits a guarded method by a SPIFFE id in subjects', async () => {
    const port = await start('require');
    const replies = await serverStream(client(port, billing), { count: 2 });
    expect(replies.map((r) => r.message)).toEqual(['O=Acme,CN=billing', 'O=Acme,CN=billing']);
  });

  it('is denied a guarded method its names are not in (PERMISSION_DENIED)', async () => {
    const port = await start('require');
    const other = { cert: certs.clientCert, key: certs.clientKey };
    await expect(serverStream(client(port, other), { count: 1 })).rejects.toMatchObject({ code: grpc.status.PERMISSION_DENIED });
  });

  it('keeps a DNS name that holds a comma one name: a forged ", URI:spiffe://…" inside it is no SPIFFE id (CVE-2021-44532)', async () => {
    const forger = clientCertificate(certs, 'forger', '/CN=forger', '@alt\n[alt]\nDNS.1 = evil.test, URI:spiffe://acme.test/ns/prod/sa/billing');
    const port = await start('require');
    expect(identityOf(await unary<EchoReply>(client(port, forger), 'Unary', { message: '' }))).toMatchObject({
      names: ['CN=forger', 'forger', 'evil.test, URI:spiffe://acme.test/ns/prod/sa/billing'],
      certificate: { uris: [], dnsNames: ['evil.test, URI:spiffe://acme.test/ns/prod/sa/billing'] },
    });
    await expect(serverStream(client(port, forger), { count: 1 })).rejects.toMatchObject({ code: grpc.status.PERMISSION_DENIED });
  });

  it('gives no identity, with clientAuth request, to a client that sends no certificate', async () => {
    const port = await start('request');
    expect(identityOf(await unary<EchoReply>(client(port), 'Unary', { message: '' }))).toBeNull();
    await expect(serverStream(client(port), { count: 1 })).rejects.toMatchObject({ code: grpc.status.UNAUTHENTICATED });
  });

  it('gives no identity, with clientAuth request, to a certificate from another CA, whatever names it holds', async () => {
    const stranger = clientCertificate(certs, 'stranger', '/O=Acme/CN=billing', 'URI:spiffe://acme.test/ns/prod/sa/billing', 'other-ca');
    const port = await start('request');
    expect(identityOf(await unary<EchoReply>(client(port, stranger), 'Unary', { message: '' }))).toBeNull();
    await expect(serverStream(client(port, stranger), { count: 1 })).rejects.toMatchObject({ code: grpc.status.UNAUTHENTICATED });
  });

  it('gives an identity, with clientAuth request, to a client that sends one', async () => {
    const port = await start('request');
    expect(identityOf(await unary<EchoReply>(client(port, billing), 'Unary', { message: '' }))).toMatchObject({ subject: 'O=Acme,CN=billing' });
  });
});

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Container } from 'inversify';
import { Code, SwitchboardError, loadConfig, resolve, schemaDefaults, serverConfigSchema, type ServerConfig } from '@switchboard/core';
import { SwitchboardServer } from '@switchboard/server';
import pino from 'pino';
import { createEchoService, createLabService, Echo, Lab, type LastHop, makeCertificates, type TestCertificates } from '@switchboard/test-support';
import { clientsSchema, createClient, defineClient, registerClients, type CreateClientOptions } from '../src/index';

type ServerTls = ServerConfig['server']['tls'];

let certs: TestCertificates;
beforeAll(() => {
  certs = makeCertificates();
});
afterAll(() => certs.remove());

// Closed last to first: clients, then servers.
const open: (() => unknown)[] = [];
afterEach(async () => {
  while (open.length > 0) await open.pop()!();
});

async function tlsServer(tls: Partial<ServerTls>): Promise<number> {
  const config = {
    ...schemaDefaults(serverConfigSchema).server,
    port: 0,
    tls: { certFile: certs.serverCert, keyFile: certs.serverKey, caFile: '', clientAuth: 'none' as const, watchIntervalMs: 0, ...tls },
  };
  const server = new SwitchboardServer({ config, logger: pino({ level: 'silent' }) });
  const EchoService = createEchoService({ aborts: [], produced: 0 });
  const LabService = createLabService('lab', new Map<string, LastHop>());
  server.addService(new EchoService());
  server.addService(new LabService());
  const port = await server.listen();
  open.push(() => server.shutdown(0));
  return port;
}

function echo(port: number, tls: Partial<CreateClientOptions['tls']>, target = `127.0.0.1:${port}`) {
  const client = createClient(Echo, { target, tls, waitForReady: false, deadlineMs: 5000 });
  open.push(client.close);
  return client;
}

const mtls = (): Partial<ServerTls> => ({ caFile: certs.caCert, clientAuth: 'require' });

describe('a client with tls', () => {
  it('calls a Switchboard TLS server, verifying it against caFile', async () => {
    const port = await tlsServer({});
    await expect(echo(port, { caFile: certs.caCert }).Unary({ message: 'tls' })).resolves.toMatchObject({ message: 'tls' });
  });

  it('fails UNAVAILABLE when the server is not signed by caFile', async () => {
    const port = await tlsServer({});
    await expect(echo(port, { caFile: certs.otherCaCert }).Unary({ message: 'x' })).rejects.toMatchObject({ code: Code.UNAVAILABLE });
  });

  it('fails UNAVAILABLE without tls against a TLS server', async () => {
    const port = await tlsServer({});
    await expect(echo(port, {}).Unary({ message: 'x' })).rejects.toMatchObject({ code: Code.UNAVAILABLE });
  });

  it('presents its certificate to an mTLS server, which refuses the same client without one', async () => {
    const port = await tlsServer(mtls());
    await expect(echo(port, { caFile: certs.caCert }).Unary({ message: 'x' })).rejects.toMatchObject({ code: Code.UNAVAILABLE });
    const withCert = echo(port, { caFile: certs.caCert, certFile: certs.clientCert, keyFile: certs.clientKey });
    await expect(withCert.Unary({ message: 'mtls' })).resolves.toMatchObject({ message: 'mtls' });
  });

  it("checks the server's certificate against serverName instead of the target's host", async () => {
    const port = await tlsServer({ certFile: certs.namedCert, keyFile: certs.namedKey });
    await expect(echo(port, { caFile: certs.caCert }).Unary({ message: 'x' })).rejects.toMatchObject({ code: Code.UNAVAILABLE });
    const named = echo(port, { caFile: certs.caCert, serverName: 'switchboard.test' });
    await expect(named.Unary({ message: 'named' })).resolves.toMatchObject({ message: 'named' });
  });
});

describe('clients registered from config', () => {
  const echoClient = defineClient('tls-echo', Echo);
  const labClient = defineClient('tls-lab', Lab);

  it('take clientDefaults.tls, and a client with its own certificate gets its own channel', async () => {
    const port = await tlsServer(mtls());
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sb-client-tls-'));
    open.push(() => fs.rmSync(dir, { recursive: true, force: true }));
    const target = `127.0.0.1:${port}`;
    fs.writeFileSync(
      path.join(dir, 'default.json'),
      JSON.stringify({
        clientDefaults: { tls: { caFile: certs.caCert } },
        clients: { 'tls-echo': { target, tls: { certFile: certs.clientCert, keyFile: certs.clientKey } }, 'tls-lab': { target } },
      }),
    );
    const config = loadConfig({ ...serverConfigSchema, ...clientsSchema([echoClient, labClient]) }, { argv: [], env: {}, configDir: dir });
    const container = new Container();
    const runtime = registerClients(container, config, [echoClient, labClient]);
    open.push(() => runtime.close());
    expect(runtime.layout).toEqual([
      [`dns:///${target}`, ['tls-echo']],
      [`dns:///${target}`, ['tls-lab']],
    ]);
    await expect(resolve(container, echoClient.token).Unary({ message: 'own cert' })).resolves.toMatchObject({ message: 'own cert' });
    // Same CA from clientDefaults (the handshake gets as far as the client certificate), but no certificate of its own.
    await expect(resolve(container, labClient.token).Flaky({ key: 'k', failures: 0 })).rejects.toMatchObject({ code: Code.UNAVAILABLE });
  });
});

describe('clients.<name>.tls files are checked before a channel is made', () => {
  function refused(tls: Partial<CreateClientOptions['tls']>): string {
    try {
      createClient(Echo, { target: '127.0.0.1:1', tls });
    } catch (error) {
      expect(error).toBeInstanceOf(SwitchboardError);
      expect((error as SwitchboardError).code).toBe('SB_ERR_CONFIG');
      return (error as Error).message;
    }
    throw new Error('expected an SB_ERR_CONFIG');
  }

  it('names the key and the file that cannot be read', () => {
    const missing = path.join(certs.dir, 'missing.pem');
    expect(refused({ caFile: missing })).toMatch(`clients.Echo.tls.caFile: cannot read ${missing}: ENOENT`);
  });

  it('names both files when the key does not match the certificate', () => {
    expect(refused({ caFile: certs.caCert, certFile: certs.clientCert, keyFile: certs.strayKey })).toBe(
      `SB_ERR_CONFIG: clients.Echo.tls.keyFile: the key in ${certs.strayKey} does not match the certificate in ${certs.clientCert} (clients.Echo.tls.certFile)`,
    );
  });

  it('names an expired client certificate', () => {
    expect(refused({ caFile: certs.caCert, certFile: certs.expiredCert, keyFile: certs.expiredKey })).toBe(
      `SB_ERR_CONFIG: clients.Echo.tls.certFile: the certificate in ${certs.expiredCert} expired on Jan  2 00:00:00 2020 GMT`,
    );
  });

  it('requires keyFile with certFile', () => {
    expect(refused({ certFile: certs.clientCert })).toBe('SB_ERR_CONFIG: clients.Echo.tls.keyFile: required when certFile is set');
  });
});

import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tls from 'node:tls';
import * as grpc from '@grpc/grpc-js';
import { SwitchboardError, defineModule, type ServerConfig } from '@switchboard/core';
import { SwitchboardServer } from '../src/switchboard-server';
import { startServer, type RunningServer } from '../src/start-server';
import { createEchoService, type EchoReply, makeCertificates, type TestCertificates, until } from '@switchboard/test-support';
import { WhoAmI, clientCertificate, echoClient, identityOf, serverStream } from './auth-fixtures';
import { memoryLogger, testServerConfig, unary, type EchoHarness } from './harness';

type Tls = ServerConfig['server']['tls'];
const PLAIN: Tls = { certFile: '', keyFile: '', caFile: '', clientAuth: 'none', watchIntervalMs: 0 };

let certs: TestCertificates;
let billing: { cert: string; key: string };
beforeAll(() => {
  certs = makeCertificates();
  billing = clientCertificate(certs, 'billing', '/O=Acme/CN=billing', 'URI:spiffe://acme.test/ns/prod/sa/billing');
});
afterAll(() => certs.remove());

function openssl(args: string[]): void {
  const run = spawnSync('openssl', args, { cwd: certs.dir, encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`openssl ${args.join(' ')} failed:\n${run.stderr}`);
}

/** A second server certificate for 127.0.0.1, signed by the test CA, with common name `name`. */
function serverCertificate(name: string): { cert: string; key: string } {
  fs.writeFileSync(path.join(certs.dir, `${name}.ext`), 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n');
  openssl([
    'req',
    '-new',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:P-256',
    '-nodes',
    '-keyout',
    `${name}.key`,
    '-out',
    `${name}.csr`,
    '-subj',
    `/CN=${name}`,
  ]);
  openssl([
    'x509',
    '-req',
    '-in',
    `${name}.csr`,
    '-CA',
    'ca.pem',
    '-CAkey',
    'ca.key',
    '-CAcreateserial',
    '-days',
    '2',
    '-extfile',
    `${name}.ext`,
    '-out',
    `${name}.pem`,
  ]);
  return { cert: path.join(certs.dir, `${name}.pem`), key: path.join(certs.dir, `${name}.key`) };
}

const servers: SwitchboardServer[] = [];
let running: RunningServer | undefined;
const clients: grpc.Client[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  for (const s of servers.splice(0)) await s.shutdown(0);
  await running?.shutdown(0);
  running = undefined;
});

async function startTls(settings: Partial<Tls>): Promise<{ port: number; lines: Record<string, unknown>[] }> {
  const Echo = createEchoService({ aborts: [], produced: 0 });
  const { logger, lines } = memoryLogger();
  const server = new SwitchboardServer({ config: testServerConfig({ tls: { ...PLAIN, ...settings } }), logger });
  servers.push(server);
  server.addService(new Echo());
  return { port: await server.listen(), lines };
}

/** The identity server (WhoAmI) with clientAuth `clientAuth` and caFile `caFile`. */
async function startWhoAmI(clientAuth: Tls['clientAuth'], caFile = certs.caCert): Promise<number> {
  running = await startServer({
    modules: [defineModule({ name: 'whoami', services: [WhoAmI] })],
    logger: memoryLogger().logger,
    config: {
      argv: [],
      env: {},
      configDir: null,
      values: { tree: { server: { port: 0, tls: { certFile: certs.serverCert, keyFile: certs.serverKey, caFile, clientAuth } } }, origin: 'test' },
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

const whoAmI = async (c: EchoHarness['client']): Promise<unknown> =>
  unary<EchoReply>(c, 'Unary', { message: '' }, { deadlineMs: 5000 }).then(
    (reply) => identityOf(reply),
    (error: grpc.ServiceError) => ({ code: grpc.status[error.code] }),
  );

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
  let seen = '';
  const check = (): boolean => seen === name;
  const end = Date.now() + 10_000;
  for (seen = await servedName(port); !check(); seen = await servedName(port)) {
    if (Date.now() > end) throw new Error(`new connections still get '${seen}', not '${name}'`);
    await until(() => true);
  }
}

describe('client certificates that must give no identity', () => {
  it('an expired certificate signed by the trusted CA: no identity with clientAuth request, refused with require', async () => {
    const expired = { cert: certs.expiredCert, key: certs.expiredKey };
    expect(await whoAmI(client(await startWhoAmI('request'), expired))).toBeNull();
    await running!.shutdown(0);
    expect(await whoAmI(client(await startWhoAmI('require'), expired))).toEqual({ code: 'UNAVAILABLE' });
  });

  it("a self-signed certificate copying a trusted one's subject and SPIFFE id: no identity with request, refused with require", async () => {
    fs.writeFileSync(path.join(certs.dir, 'copycat.ext'), 'subjectAltName=URI:spiffe://acme.test/ns/prod/sa/billing\nextendedKeyUsage=clientAuth\n');
    openssl(
      ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'copycat.key', '-out', 'copycat.pem'].concat([
        '-subj',
        '/O=Acme/CN=billing',
        '-days',
        '2',
        '-addext',
        'subjectAltName=URI:spiffe://acme.test/ns/prod/sa/billing',
      ]),
    );
    const copycat = { cert: path.join(certs.dir, 'copycat.pem'), key: path.join(certs.dir, 'copycat.key') };
    const port = await startWhoAmI('request');
    expect(await whoAmI(client(port, copycat))).toBeNull();
    await expect(serverStream(client(port, copycat), { count: 1 })).rejects.toMatchObject({ code: grpc.status.UNAUTHENTICATED });
    expect(await whoAmI(client(port, billing))).toMatchObject({ subject: 'O=Acme,CN=billing' });
    await running!.shutdown(0);
    expect(await whoAmI(client(await startWhoAmI('require'), copycat))).toEqual({ code: 'UNAVAILABLE' });
  });

  it('a certificate from the trusted CA for servers only (extendedKeyUsage serverAuth): no identity with request, refused with require', async () => {
    const serverOnly = { cert: certs.serverCert, key: certs.serverKey };
    expect(await whoAmI(client(await startWhoAmI('request'), serverOnly))).toBeNull();
    await running!.shutdown(0);
    expect(await whoAmI(client(await startWhoAmI('require'), serverOnly))).toEqual({ code: 'UNAVAILABLE' });
  });

  it('a DNS name holding a quote and a comma stays one DNS name: no forged SPIFFE id', async () => {
    const quoted = clientCertificate(certs, 'quoted', '/CN=quoted', '@alt\n[alt]\nDNS.1 = a\\"b, URI:spiffe://acme.test/ns/prod/sa/billing');
    const port = await startWhoAmI('require');
    expect(await whoAmI(client(port, quoted))).toMatchObject({
      certificate: { uris: [], dnsNames: ['a"b, URI:spiffe://acme.test/ns/prod/sa/billing'] },
    });
    await expect(serverStream(client(port, quoted), { count: 1 })).rejects.toMatchObject({ code: grpc.status.PERMISSION_DENIED });
  });

  it('a certificate rotated on the client side is the identity of new connections; the old connection keeps its own', async () => {
    const rotated = clientCertificate(certs, 'rotated', '/CN=rotated', 'URI:spiffe://acme.test/ns/prod/sa/rotated');
    const port = await startWhoAmI('require');
    const before = client(port, billing);
    expect(await whoAmI(before)).toMatchObject({ subject: 'O=Acme,CN=billing' });
    const after = client(port, rotated);
    expect(await whoAmI(after)).toMatchObject({ subject: 'CN=rotated' });
    expect(await whoAmI(before)).toMatchObject({ subject: 'O=Acme,CN=billing' });
  });
});

/**
 * An independent TLS 1.2 client (openssl s_client, ALPN h2, client certificate
 * `certificate`) that asks to renegotiate once connected: the one way to change
 * a client certificate inside a connection. Resolves to what it printed once
 * the connection is over.
 */
function renegotiatingClient(port: number, certificate: { cert: string; key: string }): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const args = ['s_client', '-connect', `127.0.0.1:${port}`, '-tls1_2', '-alpn', 'h2', '-CAfile', certs.caCert];
    const child = spawn('openssl', [...args, '-cert', certificate.cert, '-key', certificate.key], { stdio: ['pipe', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`openssl s_client still connected after 10 s: the server did not end the renegotiating connection\n${output}`));
    }, 10_000);
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
    // s_client reads its commands once the handshake is done; "R" renegotiates. stdin stays open: its end would close the connection.
    child.stdin.write('R\n');
  });
}

/** A Kubernetes secret volume: `tls.crt` and `tls.key` → `..data/…` → `..<version>/…`, swapped by renaming a new `..data`. */
function secretVolume(): { certFile: string; keyFile: string; swap(cert: string, key: string): void } {
  const volume = fs.mkdtempSync(path.join(certs.dir, 'volume-'));
  let version = 0;
  const publish = (cert: string, key: string): string => {
    const name = `..v${++version}`;
    fs.mkdirSync(path.join(volume, name));
    fs.copyFileSync(cert, path.join(volume, name, 'tls.crt'));
    fs.copyFileSync(key, path.join(volume, name, 'tls.key'));
    return name;
  };
  fs.symlinkSync(publish(certs.serverCert, certs.serverKey), path.join(volume, '..data'));
  fs.symlinkSync('..data/tls.crt', path.join(volume, 'tls.crt'));
  fs.symlinkSync('..data/tls.key', path.join(volume, 'tls.key'));
  return {
    certFile: path.join(volume, 'tls.crt'),
    keyFile: path.join(volume, 'tls.key'),
    swap(cert, key) {
      const name = publish(cert, key);
      fs.symlinkSync(name, path.join(volume, '..data_tmp'));
      fs.renameSync(path.join(volume, '..data_tmp'), path.join(volume, '..data'));
    },
  };
}

describe('a client renegotiating its TLS 1.2 connection (to present another certificate mid-connection)', () => {
  it('has the connection closed by the server, which goes on serving others with their own identity', async () => {
    const port = await startWhoAmI('require');
    const run = await renegotiatingClient(port, billing);
    expect(run.output).toContain('RENEGOTIATING');
    expect(run.code).not.toBe(0);
    expect(await whoAmI(client(port, billing))).toMatchObject({ subject: 'O=Acme,CN=billing' });
  });
});

describe('server.tls files replaced the way operators replace them', () => {
  it('a Kubernetes ..data symlink swap is seen through the symlinks and served to new connections', async () => {
    const volume = secretVolume();
    const { port } = await startTls({ certFile: volume.certFile, keyFile: volume.keyFile, watchIntervalMs: 20 });
    expect(await servedName(port)).toBe('server');
    volume.swap(certs.namedCert, certs.namedKey);
    await untilServed(port, 'named');
  });

  it('files deleted keep the current certificate (warned), and files recreated are served', async () => {
    const dir = fs.mkdtempSync(path.join(certs.dir, 'deleted-'));
    const certFile = path.join(dir, 'tls.crt');
    const keyFile = path.join(dir, 'tls.key');
    fs.copyFileSync(certs.serverCert, certFile);
    fs.copyFileSync(certs.serverKey, keyFile);
    const { port, lines } = await startTls({ certFile, keyFile, watchIntervalMs: 20 });
    fs.rmSync(certFile);
    fs.rmSync(keyFile);
    await until(() => lines.some((l) => String(l['msg']).startsWith('server.tls: the files changed but are not a valid set')), 10_000, 'a warning');
    expect(await servedName(port)).toBe('server');
    fs.copyFileSync(certs.namedKey, keyFile);
    fs.copyFileSync(certs.namedCert, certFile);
    await untilServed(port, 'named');
  });

  it('watchIntervalMs 1 under calls: every call succeeds through several rotations', async () => {
    const dir = fs.mkdtempSync(path.join(certs.dir, 'fast-'));
    const certFile = path.join(dir, 'tls.crt');
    const keyFile = path.join(dir, 'tls.key');
    const put = (cert: string, key: string): void => {
      // Atomic per file (rename), the pair briefly mismatched: the server must keep a valid set throughout.
      fs.copyFileSync(key, `${keyFile}.tmp`);
      fs.copyFileSync(cert, `${certFile}.tmp`);
      fs.renameSync(`${keyFile}.tmp`, keyFile);
      fs.renameSync(`${certFile}.tmp`, certFile);
    };
    const second = serverCertificate('second');
    put(certs.serverCert, certs.serverKey);
    const { port } = await startTls({ certFile, keyFile, watchIntervalMs: 1 });
    let stop = false;
    let calls = 0;
    const load = async (): Promise<void> => {
      while (!stop) {
        // A new channel per call: each makes a new TLS connection, with whichever certificate is current.
        const c = grpc.credentials.createSsl(fs.readFileSync(certs.caCert));
        const each = echoClient(port, c);
        try {
          await unary(each, 'Unary', { message: 'x' }, { deadlineMs: 5000 });
          calls++;
        } finally {
          each.close();
        }
      }
    };
    const loaders = [load(), load()];
    for (let round = 0; round < 4; round++) {
      put(round % 2 === 0 ? second.cert : certs.serverCert, round % 2 === 0 ? second.key : certs.serverKey);
      await untilServed(port, round % 2 === 0 ? 'second' : 'server');
    }
    stop = true;
    await Promise.all(loaders);
    expect(calls).toBeGreaterThan(0);
  }, 60_000);
});

describe('many TLS servers in one process', () => {
  it('leave no fs.watchFile listener behind once 50 have started and stopped', async () => {
    for (let i = 0; i < 50; i++) {
      const { port } = await startTls({ certFile: certs.serverCert, keyFile: certs.serverKey, watchIntervalMs: 1000 });
      expect(port).toBeGreaterThan(0);
      await servers.pop()!.shutdown(0);
    }
    // fs.watchFile shares one StatWatcher per path: watching the same file returns it, with every listener still on it.
    const probe = (): void => undefined;
    const watcher = fs.watchFile(certs.serverCert, { persistent: false, interval: 1000 }, probe) as unknown as NodeJS.EventEmitter;
    try {
      expect(watcher.listenerCount('change')).toBe(1);
    } finally {
      fs.unwatchFile(certs.serverCert, probe);
    }
  });

  it('a server shut down before its listen() finished refuses to listen and leaves no watcher either', async () => {
    const Echo = createEchoService({ aborts: [], produced: 0 });
    const server = new SwitchboardServer({
      config: testServerConfig({ tls: { ...PLAIN, certFile: certs.namedCert, keyFile: certs.namedKey, watchIntervalMs: 1000 } }),
      logger: memoryLogger().logger,
    });
    server.addService(new Echo());
    const listening = server.listen();
    await server.shutdown(0);
    expect(await listening.then(String, (e: Error) => e.message)).toMatch('SB_ERR_LISTEN: the server was shut down while binding 127.0.0.1:0');
    const probe = (): void => undefined;
    const watcher = fs.watchFile(certs.namedCert, { persistent: false, interval: 1000 }, probe) as unknown as NodeJS.EventEmitter;
    try {
      expect(watcher.listenerCount('change')).toBe(1);
    } finally {
      fs.unwatchFile(certs.namedCert, probe);
      await server.shutdown(0);
    }
  });
});

describe('key and CA files operators really have', () => {
  async function refused(settings: Partial<Tls>): Promise<string> {
    const error = await startTls(settings).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(SwitchboardError);
    return (error as Error).message;
  }

  it('a key encrypted with a passphrase is a config error saying so and how to decrypt it', async () => {
    openssl(['pkey', '-in', 'server.key', '-aes256', '-passout', 'pass:s3cret', '-out', 'server.enc.key']);
    const keyFile = path.join(certs.dir, 'server.enc.key');
    expect(await refused({ certFile: certs.serverCert, keyFile })).toBe(
      `SB_ERR_CONFIG: server.tls.keyFile: ${keyFile} holds a private key encrypted with a passphrase, which is not supported; ` +
        `decrypt it (openssl pkey -in ${keyFile} -out <file>) and keep the file readable by this process only`,
    );
  });

  it('a CA bundle whose first certificate has expired still trusts the valid ones after it (a CA rotation)', async () => {
    const bundle = path.join(certs.dir, 'bundle-expired-first.pem');
    fs.writeFileSync(bundle, Buffer.concat([fs.readFileSync(certs.expiredCert), fs.readFileSync(certs.otherCaCert), fs.readFileSync(certs.caCert)]));
    const port = await startWhoAmI('require', bundle);
    expect(await whoAmI(client(port, billing))).toMatchObject({ subject: 'O=Acme,CN=billing' });
  });

  it('a CA bundle in which every certificate has expired is a config error naming the file', async () => {
    const bundle = path.join(certs.dir, 'bundle-all-expired.pem');
    fs.writeFileSync(bundle, fs.readFileSync(certs.expiredCert));
    expect(await refused({ certFile: certs.serverCert, keyFile: certs.serverKey, caFile: bundle, clientAuth: 'require' })).toMatch(
      `SB_ERR_CONFIG: server.tls.caFile: every certificate in ${bundle} is outside its validity period`,
    );
  });

  it('a CA bundle with a block that is not a certificate is a config error naming the file and the block', async () => {
    const bundle = path.join(certs.dir, 'bundle-garbage.pem');
    fs.writeFileSync(bundle, `${fs.readFileSync(certs.caCert, 'utf8')}-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydGlmaWNhdGU=\n-----END CERTIFICATE-----\n`);
    expect(await refused({ certFile: certs.serverCert, keyFile: certs.serverKey, caFile: bundle, clientAuth: 'require' })).toMatch(
      `SB_ERR_CONFIG: server.tls.caFile: certificate 2 in ${bundle} is not a certificate`,
    );
  });
});

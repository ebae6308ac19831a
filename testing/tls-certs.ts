import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/** PEM files made by {@link makeCertificates}, by path. */
export interface TestCertificates {
  readonly dir: string;
  /** The test CA. */
  readonly caCert: string;
  /** A second CA that signed nothing here. */
  readonly otherCaCert: string;
  /** Server certificate for 127.0.0.1, ::1 and localhost, signed by the test CA. */
  readonly serverCert: string;
  readonly serverKey: string;
  /** Server certificate for switchboard.test only, signed by the test CA. */
  readonly namedCert: string;
  readonly namedKey: string;
  /** Client certificate signed by the test CA. */
  readonly clientCert: string;
  readonly clientKey: string;
  /** A certificate signed by the test CA that expired in 2020. */
  readonly expiredCert: string;
  readonly expiredKey: string;
  /** A key that matches none of the certificates. */
  readonly strayKey: string;
  remove(): void;
}

/** Throws, naming the Debian package, when `openssl` is not on PATH. */
export function assertOpensslAvailable(): void {
  if (spawnSync('openssl', ['version'], { stdio: 'ignore' }).status !== 0) {
    throw new Error(
      'the TLS tests make their certificates with the openssl command, which is not on PATH: ' +
        "install Debian's openssl package (`bash scripts/install-test-deps.sh` from the repository root, or `apt-get install -y openssl`)",
    );
  }
}

function openssl(dir: string, args: string[]): void {
  const run = spawnSync('openssl', args, { cwd: dir, encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`openssl ${args.join(' ')} failed:\n${run.stderr}`);
}

const EC = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];

/** A CA, server, client, expired and mismatched material in a new temporary folder. */
export function makeCertificates(): TestCertificates {
  assertOpensslAvailable();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'switchboard-tls-'));
  const ca = (name: string) => openssl(dir, ['req', '-x509', ...EC, '-keyout', `${name}.key`, '-out', `${name}.pem`, '-subj', `/CN=${name}`, '-days', '2']);
  ca('ca');
  ca('other-ca');
  fs.mkdirSync(path.join(dir, 'db'));
  fs.writeFileSync(path.join(dir, 'db', 'index.txt'), '');
  fs.writeFileSync(path.join(dir, 'db', 'serial'), '01\n');
  fs.writeFileSync(
    path.join(dir, 'ca.cnf'),
    [
      '[ca]',
      'default_ca = test',
      '[test]',
      'database = db/index.txt',
      'new_certs_dir = db',
      'serial = db/serial',
      'default_md = sha256',
      'policy = any',
      'copy_extensions = copy',
      'unique_subject = no',
      '[any]',
      'commonName = supplied',
    ].join('\n'),
  );
  const leaf = (name: string, extensions: string[], dates: string[] = ['-days', '2']) => {
    openssl(dir, ['req', '-new', ...EC, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${name}`, ...extensions.flatMap((e) => ['-addext', e])]);
    openssl(dir, [
      'ca',
      '-batch',
      '-notext',
      '-config',
      'ca.cnf',
      '-cert',
      'ca.pem',
      '-keyfile',
      'ca.key',
      '-in',
      `${name}.csr`,
      '-out',
      `${name}.pem`,
      ...dates,
    ]);
  };
  leaf('server', ['subjectAltName=IP:127.0.0.1,IP:::1,DNS:localhost', 'extendedKeyUsage=serverAuth']);
  leaf('named', ['subjectAltName=DNS:switchboard.test', 'extendedKeyUsage=serverAuth']);
  leaf('client', ['extendedKeyUsage=clientAuth']);
  leaf('expired', ['subjectAltName=IP:127.0.0.1'], ['-startdate', '20200101000000Z', '-enddate', '20200102000000Z']);
  openssl(dir, ['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', 'stray.key']);
  const at = (file: string) => path.join(dir, file);
  return {
    dir,
    caCert: at('ca.pem'),
    otherCaCert: at('other-ca.pem'),
    serverCert: at('server.pem'),
    serverKey: at('server.key'),
    namedCert: at('named.pem'),
    namedKey: at('named.key'),
    clientCert: at('client.pem'),
    clientKey: at('client.key'),
    expiredCert: at('expired.pem'),
    expiredKey: at('expired.key'),
    strayKey: at('stray.key'),
    remove: () => fs.rmSync(dir, { recursive: true, force: true }),
  };
}

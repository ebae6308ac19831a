import { X509Certificate, createPrivateKey, type KeyObject } from 'node:crypto';
import * as grpc from '@grpc/grpc-js';
import { readFileSync } from 'node:fs';
import { SwitchboardError } from './switchboard-error';

/**
 * Reads the first certificate of a PEM file, checked to be in its validity
 * period at `now`. Errors are SB_ERR_CONFIG naming the config key `path` and
 * the file.
 * @internal
 */
export function readCertificate(path: string, file: string, now: Date = new Date()): { pem: Buffer; certificate: X509Certificate } {
  const pem = readPem(path, file);
  let certificate: X509Certificate;
  try {
    certificate = new X509Certificate(pem);
  } catch (error) {
    throw configError(`${path}: ${file} holds no PEM certificate: ${(error as Error).message}`, error);
  }
  if (new Date(certificate.validTo) < now) throw configError(`${path}: the certificate in ${file} expired on ${certificate.validTo}`);
  if (new Date(certificate.validFrom) > now) throw configError(`${path}: the certificate in ${file} is not valid before ${certificate.validFrom}`);
  return { pem, certificate };
}

/**
 * Every certificate of a PEM bundle (a CA file), each parsed, keeping those in
 * their validity period at `now`. A bundle may hold an expired certificate
 * beside valid ones (a CA rotation leaves the old CA in for a while): it is
 * left out, and only a bundle with no valid certificate is an error. Errors
 * are SB_ERR_CONFIG naming the config key `path`, the file and, for a block
 * that does not parse, its position. `pem` holds the valid certificates only.
 * @internal
 */
export function readCertificateBundle(path: string, file: string, now: Date = new Date()): { pem: Buffer; certificates: X509Certificate[] } {
  const blocks = readPem(path, file).toString('latin1').match(PEM_CERTIFICATE) ?? [];
  if (blocks.length === 0) throw configError(`${path}: ${file} holds no PEM certificate`);
  const parsed = blocks.map((block, index) => {
    try {
      return { block, certificate: new X509Certificate(block) };
    } catch (error) {
      throw configError(`${path}: certificate ${index + 1} in ${file} is not a certificate: ${(error as Error).message}`, error);
    }
  });
  const valid = parsed.filter(({ certificate }) => inPeriod(certificate, now));
  if (valid.length === 0) {
    const periods = parsed.map(({ certificate }) => `${certificate.subject.replace(/\n/g, ',')}: ${certificate.validFrom} to ${certificate.validTo}`);
    throw configError(`${path}: every certificate in ${file} is outside its validity period (${periods.join('; ')})`);
  }
  return { pem: Buffer.from(valid.map(({ block }) => `${block}\n`).join(''), 'latin1'), certificates: valid.map(({ certificate }) => certificate) };
}

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[^-]*-----END CERTIFICATE-----/g;

function inPeriod(certificate: X509Certificate, now: Date): boolean {
  return new Date(certificate.validFrom) <= now && now <= new Date(certificate.validTo);
}

/** A PEM private key, parsed; errors as {@link readCertificate}'s. @internal */
export function readPrivateKey(path: string, file: string): { pem: Buffer; key: KeyObject } {
  const pem = readPem(path, file);
  // PKCS#8 "ENCRYPTED PRIVATE KEY", or a traditional key with "Proc-Type: 4,ENCRYPTED".
  if (/-----BEGIN ENCRYPTED PRIVATE KEY-----|Proc-Type: *4, *ENCRYPTED/.test(pem.toString('latin1'))) {
    throw configError(
      `${path}: ${file} holds a private key encrypted with a passphrase, which is not supported; ` +
        `decrypt it (openssl pkey -in ${file} -out <file>) and keep the file readable by this process only`,
    );
  }
  try {
    return { pem, key: createPrivateKey(pem) };
  } catch (error) {
    throw configError(`${path}: ${file} holds no PEM private key: ${(error as Error).message}`, error);
  }
}

/**
 * A certificate and the private key that goes with it, each read and checked,
 * `at` being the config section holding `certFile` and `keyFile`.
 * @internal
 */
export function readKeyPair(at: string, files: { certFile: string; keyFile: string }, now: Date = new Date()): { cert: Buffer; key: Buffer } {
  const { pem: cert, certificate } = readCertificate(`${at}.certFile`, files.certFile, now);
  const { pem: key, key: privateKey } = readPrivateKey(`${at}.keyFile`, files.keyFile);
  if (!certificate.checkPrivateKey(privateKey)) {
    throw configError(`${at}.keyFile: the key in ${files.keyFile} does not match the certificate in ${files.certFile} (${at}.certFile)`);
  }
  return { cert, key };
}

/** A client's TLS as config gives it: PEM files by path, empty for none. */
export interface ClientTlsFiles {
  /** What the server's certificate must chain to; empty trusts the system's roots. */
  readonly caFile: string;
  /** A client certificate (mTLS), with keyFile. */
  readonly certFile: string;
  readonly keyFile: string;
  /** The name the server's certificate must carry, and the :authority sent, instead of the target's host. */
  readonly serverName: string;
}

/** What a channel is made with for a client's {@link ClientTlsFiles}. @internal */
export interface ChannelSecurity {
  readonly credentials: grpc.ChannelCredentials;
  /** Channel options for `serverName`. */
  readonly options: grpc.ChannelOptions;
}

/**
 * The credentials of a channel whose TLS config section is `at`
 * (`clients.orders.tls`): plaintext when every key is empty, else TLS (with a
 * client certificate when certFile and keyFile are set). Every file is read
 * and checked here, before a channel exists, with errors as
 * {@link readCertificate}'s. @internal
 */
export function channelSecurity(at: string, tls: ClientTlsFiles, now: Date = new Date()): ChannelSecurity {
  if (tls.caFile === '' && tls.certFile === '' && tls.keyFile === '' && tls.serverName === '') {
    return { credentials: grpc.credentials.createInsecure(), options: {} };
  }
  if ((tls.certFile === '') !== (tls.keyFile === '')) {
    const [set, unset] = tls.certFile === '' ? ['keyFile', 'certFile'] : ['certFile', 'keyFile'];
    throw configError(`${at}.${unset}: required when ${set} is set`);
  }
  const ca = tls.caFile === '' ? null : readCertificateBundle(`${at}.caFile`, tls.caFile, now).pem;
  const pair = tls.certFile === '' ? undefined : readKeyPair(at, tls, now);
  // grpc-js checks the server's certificate against, and sends as :authority, these names when set.
  const options: grpc.ChannelOptions =
    tls.serverName === '' ? {} : { 'grpc.ssl_target_name_override': tls.serverName, 'grpc.default_authority': tls.serverName };
  return { credentials: grpc.credentials.createSsl(ca, pair?.key ?? null, pair?.cert ?? null), options };
}

function readPem(path: string, file: string): Buffer {
  try {
    return readFileSync(file);
  } catch (error) {
    throw configError(`${path}: cannot read ${file}: ${(error as Error).message}`, error);
  }
}

function configError(message: string, cause?: unknown): SwitchboardError {
  return new SwitchboardError('SB_ERR_CONFIG', message, cause === undefined ? undefined : { cause });
}

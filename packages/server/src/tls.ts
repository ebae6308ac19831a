import { X509Certificate, createPrivateKey, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import * as grpc from '@grpc/grpc-js';
import { SwitchboardError, type ServerConfig } from '@switchboard/core';

/** The `server.tls` config section. */
export type ServerTlsConfig = ServerConfig['server']['tls'];

/**
 * The credentials `listen()` binds with: plaintext when `certFile` and
 * `keyFile` are empty, else TLS, and mTLS with `clientAuth: 'require'`.
 * Every file is read and checked first (readable, PEM, key matching the
 * certificate, certificate in its validity period), so a wrong file is an
 * SB_ERR_CONFIG naming the key and the file, and nothing listens.
 *
 * @example
 * server.bindAsync(address, serverCredentials(config.server.tls), callback);
 */
export function serverCredentials(tls: ServerTlsConfig, now: Date = new Date()): grpc.ServerCredentials {
  const at = 'server.tls';
  if (tls.certFile === '' && tls.keyFile === '') {
    if (tls.caFile !== '' || tls.clientAuth !== 'none') {
      throw configError(`${at}.certFile: required when caFile or clientAuth is set (both certFile and keyFile empty serve plaintext)`);
    }
    return grpc.ServerCredentials.createInsecure();
  }
  for (const key of ['certFile', 'keyFile'] as const) {
    if (tls[key] === '') throw configError(`${at}.${key}: required when ${key === 'certFile' ? 'keyFile' : 'certFile'} is set`);
  }
  if (tls.clientAuth === 'require' && tls.caFile === '') {
    throw configError(`${at}.caFile: required by clientAuth "require" (the certificates client certificates must chain to)`);
  }
  if (tls.clientAuth === 'none' && tls.caFile !== '') {
    throw configError(`${at}.caFile: used only to verify client certificates, which clientAuth "none" does not ask for; set clientAuth "require" or leave caFile empty`);
  }
  const { pem: cert, certificate } = readCertificate(`${at}.certFile`, tls.certFile, now);
  const { pem: key, key: privateKey } = readPrivateKey(`${at}.keyFile`, tls.keyFile);
  if (!certificate.checkPrivateKey(privateKey)) {
    throw configError(`${at}.keyFile: the key in ${tls.keyFile} does not match the certificate in ${tls.certFile} (${at}.certFile)`);
  }
  const ca = tls.caFile === '' ? null : readCertificate(`${at}.caFile`, tls.caFile, now).pem;
  return grpc.ServerCredentials.createSsl(ca, [{ cert_chain: cert, private_key: key }], tls.clientAuth === 'require');
}

/** Reads a PEM file, or throws SB_ERR_CONFIG naming the config key and the file. */
function readPem(path: string, file: string): Buffer {
  try {
    return readFileSync(file);
  } catch (error) {
    throw configError(`${path}: cannot read ${file}: ${(error as Error).message}`, error);
  }
}

/** The first certificate of a PEM file, checked to be in its validity period at `now`. */
function readCertificate(path: string, file: string, now: Date): { pem: Buffer; certificate: X509Certificate } {
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

/** A PEM private key, parsed. */
function readPrivateKey(path: string, file: string): { pem: Buffer; key: KeyObject } {
  const pem = readPem(path, file);
  try {
    return { pem, key: createPrivateKey(pem) };
  } catch (error) {
    throw configError(`${path}: ${file} holds no PEM private key: ${(error as Error).message}`, error);
  }
}

function configError(message: string, cause?: unknown): SwitchboardError {
  return new SwitchboardError('SB_ERR_CONFIG', message, cause === undefined ? undefined : { cause });
}

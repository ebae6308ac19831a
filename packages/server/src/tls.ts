import * as grpc from '@grpc/grpc-js';
import { SwitchboardError, readCertificate, readKeyPair, type ServerConfig } from '@switchboard/core';

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
    throw configError(
      `${at}.caFile: used only to verify client certificates, which clientAuth "none" does not ask for; set clientAuth "require" or leave caFile empty`,
    );
  }
  const { cert, key } = readKeyPair(at, tls, now);
  const ca = tls.caFile === '' ? null : readCertificate(`${at}.caFile`, tls.caFile, now).pem;
  return grpc.ServerCredentials.createSsl(ca, [{ cert_chain: cert, private_key: key }], tls.clientAuth === 'require');
}

function configError(message: string, cause?: unknown): SwitchboardError {
  return new SwitchboardError('SB_ERR_CONFIG', message, cause === undefined ? undefined : { cause });
}

import { X509Certificate, createPrivateKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import * as grpc from '@grpc/grpc-js';
import { SwitchboardError } from '@switchboard/core';
import type { ClientTlsConfig } from './client-config';

/** What a channel is made with for one client's `tls`. @internal */
export interface ChannelSecurity {
  readonly credentials: grpc.ChannelCredentials;
  /** Channel options for `serverName`. */
  readonly options: grpc.ChannelOptions;
}

/**
 * The credentials of client `name`: plaintext when every `tls` key is empty,
 * else TLS (with a client certificate when certFile and keyFile are set).
 * Every file is read and checked here, before a channel exists: a file that
 * cannot be read, holds no PEM, a key that does not match its certificate or
 * a certificate outside its validity period is an SB_ERR_CONFIG naming the
 * key and the file. @internal
 */
export function channelSecurity(name: string, tls: ClientTlsConfig, now: Date = new Date()): ChannelSecurity {
  const at = `clients.${name}.tls`;
  if (tls.caFile === '' && tls.certFile === '' && tls.keyFile === '' && tls.serverName === '') {
    return { credentials: grpc.credentials.createInsecure(), options: {} };
  }
  if ((tls.certFile === '') !== (tls.keyFile === '')) {
    const [set, unset] = tls.certFile === '' ? ['keyFile', 'certFile'] : ['certFile', 'keyFile'];
    throw configError(`${at}.${unset}: required when ${set} is set`);
  }
  const ca = tls.caFile === '' ? null : pemFile(`${at}.caFile`, tls.caFile, 'certificate', now).pem;
  let pair: { key: Buffer; cert: Buffer } | undefined;
  if (tls.certFile !== '') {
    const cert = pemFile(`${at}.certFile`, tls.certFile, 'certificate', now);
    const key = pemFile(`${at}.keyFile`, tls.keyFile, 'private key', now);
    if (!cert.certificate!.checkPrivateKey(createPrivateKey(key.pem))) {
      throw configError(`${at}.keyFile: the key in ${tls.keyFile} does not match the certificate in ${tls.certFile} (${at}.certFile)`);
    }
    pair = { key: key.pem, cert: cert.pem };
  }
  // grpc-js checks the server's certificate against, and sends as :authority, these names when set.
  const options: grpc.ChannelOptions =
    tls.serverName === '' ? {} : { 'grpc.ssl_target_name_override': tls.serverName, 'grpc.default_authority': tls.serverName };
  return { credentials: grpc.credentials.createSsl(ca, pair?.key ?? null, pair?.cert ?? null), options };
}

/** Reads and parses a PEM file; a certificate must be in its validity period at `now`. */
function pemFile(path: string, file: string, kind: 'certificate' | 'private key', now: Date): { pem: Buffer; certificate?: X509Certificate } {
  let pem: Buffer;
  try {
    pem = readFileSync(file);
  } catch (error) {
    throw configError(`${path}: cannot read ${file}: ${(error as Error).message}`, error);
  }
  try {
    if (kind === 'private key') {
      createPrivateKey(pem);
      return { pem };
    }
    const certificate = new X509Certificate(pem);
    if (new Date(certificate.validTo) < now) throw configError(`${path}: the certificate in ${file} expired on ${certificate.validTo}`);
    if (new Date(certificate.validFrom) > now) throw configError(`${path}: the certificate in ${file} is not valid before ${certificate.validFrom}`);
    return { pem, certificate };
  } catch (error) {
    if (error instanceof SwitchboardError) throw error;
    throw configError(`${path}: ${file} holds no PEM ${kind}: ${(error as Error).message}`, error);
  }
}

function configError(message: string, cause?: unknown): SwitchboardError {
  return new SwitchboardError('SB_ERR_CONFIG', message, cause === undefined ? undefined : { cause });
}

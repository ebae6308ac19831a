import * as grpc from '@grpc/grpc-js';
import { SwitchboardError, readCertificate, readKeyPair } from '@switchboard/core';
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
  const ca = tls.caFile === '' ? null : readCertificate(`${at}.caFile`, tls.caFile, now).pem;
  const pair = tls.certFile === '' ? undefined : readKeyPair(at, tls, now);
  // grpc-js checks the server's certificate against, and sends as :authority, these names when set.
  const options: grpc.ChannelOptions =
    tls.serverName === '' ? {} : { 'grpc.ssl_target_name_override': tls.serverName, 'grpc.default_authority': tls.serverName };
  return { credentials: grpc.credentials.createSsl(ca, pair?.key ?? null, pair?.cert ?? null), options };
}

function configError(message: string, cause?: unknown): SwitchboardError {
  return new SwitchboardError('SB_ERR_CONFIG', message, cause === undefined ? undefined : { cause });
}

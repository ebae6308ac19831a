import { SwitchboardError, readCertificateBundle, readKeyPair } from '@switchboard/core';
import type { IOptions } from 'etcd3';

/** `resolvers.etcd.tls`: the CA etcd's certificate must chain to, and a client certificate for etcd's `--client-cert-auth`. */
export interface EtcdTlsConfig {
  readonly caFile: string;
  readonly certFile: string;
  readonly keyFile: string;
}

/**
 * etcd3's `credentials` for `resolvers.etcd`: undefined for `http://`
 * endpoints, or for `https://` ones with no files (etcd3 then trusts the
 * system's roots); else the files, read and checked (readable, PEM, key
 * matching its certificate, in its validity period) so that a wrong one is
 * an SB_ERR_CONFIG naming the key and the file.
 * @internal
 */
export function etcdCredentials(
  config: { readonly endpoints: readonly string[]; readonly tls: EtcdTlsConfig },
  now: Date = new Date(),
): IOptions['credentials'] {
  const at = 'resolvers.etcd.tls';
  const { caFile, certFile, keyFile } = config.tls;
  const secure = config.endpoints.some((url) => url.startsWith('https:'));
  if (caFile === '' && certFile === '' && keyFile === '') return undefined;
  if (!secure) {
    const key = caFile !== '' ? 'caFile' : certFile !== '' ? 'certFile' : 'keyFile';
    throw configError(`${at}.${key}: set, but resolvers.etcd.endpoints are http:// (${config.endpoints.join(', ')}); use https:// URLs for TLS`);
  }
  if ((certFile === '') !== (keyFile === '')) {
    const [set, unset] = certFile === '' ? ['keyFile', 'certFile'] : ['certFile', 'keyFile'];
    throw configError(`${at}.${unset}: required when ${set} is set`);
  }
  const pair = certFile === '' ? undefined : readKeyPair(at, { certFile, keyFile }, now);
  const ca = caFile === '' ? undefined : readCertificateBundle(`${at}.caFile`, caFile, now).pem;
  // etcd3 passes these to grpc.credentials.createSsl, whose roots default to the system's when null.
  return { rootCertificate: ca ?? (null as unknown as Buffer), ...(pair ? { privateKey: pair.key, certChain: pair.cert } : {}) };
}

function configError(message: string): SwitchboardError {
  return new SwitchboardError('SB_ERR_CONFIG', message);
}

import * as fs from 'node:fs';
import * as grpc from '@grpc/grpc-js';
import { SwitchboardError, readCertificateBundle, readKeyPair, type Logger, type ServerConfig } from '@switchboard/core';
import type { SecureContextOptions } from 'node:tls';

/** The `server.tls` config section. */
export type ServerTlsConfig = ServerConfig['server']['tls'];

/**
 * The credentials `listen()` binds with: plaintext when `certFile` and
 * `keyFile` are empty, else {@link FileServerCredentials}. Every file is read
 * and checked first (readable, PEM, key matching the certificate,
 * certificate in its validity period), so a wrong file is an SB_ERR_CONFIG
 * naming the key and the file, and nothing listens.
 *
 * @example
 * const credentials = serverCredentials(config.server.tls, logger);
 * server.bindAsync(address, credentials, callback);
 */
export function serverCredentials(tls: ServerTlsConfig, logger: Logger, now: Date = new Date()): grpc.ServerCredentials {
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
  if (tls.clientAuth !== 'none' && tls.caFile === '') {
    throw configError(`${at}.caFile: required by clientAuth "${tls.clientAuth}" (the certificates client certificates must chain to)`);
  }
  if (tls.clientAuth === 'none' && tls.caFile !== '') {
    throw configError(
      `${at}.caFile: used only to verify client certificates, which clientAuth "none" does not ask for; set clientAuth "request" or "require", or leave caFile empty`,
    );
  }
  return new FileServerCredentials(tls, logger, now);
}

/**
 * TLS server credentials read from `server.tls`'s files and, every
 * `watchIntervalMs`, re-read when one of them changed (a rotation by
 * cert-manager, a Kubernetes secret update): new connections get the new
 * certificate, connections already open keep theirs and their calls go on.
 * Files caught mid-rotation (a key that does not match its certificate yet)
 * are logged and the current certificate is kept until they do.
 *
 * Built on grpc-js's own mechanism for changing credentials (a
 * `ServerCredentials` subclass calling `updateSecureContextOptions`, which
 * grpc-js applies with `setSecureContext` to each of its TLS servers).
 */
export class FileServerCredentials extends grpc.ServerCredentials {
  private readonly files: string[];
  private readonly onChange = (current: fs.Stats, previous: fs.Stats): void => {
    if (current.mtimeMs !== previous.mtimeMs || current.ino !== previous.ino || current.size !== previous.size) this.reload();
  };
  private watching = false;

  constructor(
    private readonly tls: ServerTlsConfig,
    private readonly logger: Logger,
    now: Date = new Date(),
  ) {
    // clientAuth "request" asks for a certificate and lets a call without a valid one in; identity
    // is taken only from certificates that verified (the socket's `authorized`).
    super({ requestCert: tls.clientAuth !== 'none', rejectUnauthorized: tls.clientAuth === 'require' }, readContext(tls, now));
    this.files = [tls.certFile, tls.keyFile, ...(tls.caFile === '' ? [] : [tls.caFile])];
  }

  /** Starts checking the files for changes (a no-op with `watchIntervalMs` 0). */
  watch(): void {
    if (this.watching || this.tls.watchIntervalMs === 0) return;
    this.watching = true;
    for (const file of this.files) fs.watchFile(file, { interval: this.tls.watchIntervalMs, persistent: false }, this.onChange);
  }

  /** Stops checking the files. */
  unwatch(): void {
    if (!this.watching) return;
    this.watching = false;
    for (const file of this.files) fs.unwatchFile(file, this.onChange);
  }

  /** Re-reads the files now; keeps the current certificate if they are not a valid set. */
  reload(): boolean {
    let context: SecureContextOptions;
    try {
      context = readContext(this.tls);
    } catch (error) {
      this.logger.warn({ err: error }, 'server.tls: the files changed but are not a valid set; keeping the current certificate');
      return false;
    }
    this.updateSecureContextOptions(context);
    this.logger.info({ certFile: this.tls.certFile }, 'server.tls: certificate re-read; new connections use it');
    return true;
  }

  override _equals(other: grpc.ServerCredentials): boolean {
    return other === this;
  }
}

function readContext(tls: ServerTlsConfig, now: Date = new Date()): SecureContextOptions {
  const at = 'server.tls';
  const { cert, key } = readKeyPair(at, tls, now);
  const ca = tls.caFile === '' ? undefined : readCertificateBundle(`${at}.caFile`, tls.caFile, now).pem;
  return { cert, key, ...(ca ? { ca } : {}) };
}

function configError(message: string, cause?: unknown): SwitchboardError {
  return new SwitchboardError('SB_ERR_CONFIG', message, cause === undefined ? undefined : { cause });
}

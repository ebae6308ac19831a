import type { ClientTlsFiles, ConfigSchema } from '@switchboard/core';

/** `resolvers.lookaside`: how clients and load reporters reach a lookaside balancer. */
export interface LookasideConfig {
  /** TLS of the connections to the balancer: PEM files by path, all empty for plaintext. */
  readonly tls: ClientTlsFiles;
}

/**
 * The convict schema of `resolvers.lookaside`, which every injected client's
 * schema includes and `lookasideReporter` declares: `tls` (`caFile`,
 * `certFile`, `keyFile`, `serverName`) for a balancer that serves TLS.
 *
 * @example
 * // config: { "resolvers": { "lookaside": { "tls": { "caFile": "/etc/tls/ca.pem" } } } }
 */
export const lookasideConfigSchema: ConfigSchema<{ resolvers: { lookaside: LookasideConfig } }> = {
  resolvers: {
    lookaside: {
      tls: {
        caFile: { doc: "PEM certificates the balancer's certificate must chain to; with all tls keys empty, plaintext.", format: String, default: '' },
        certFile: { doc: 'PEM client certificate for a balancer that requires one (mTLS); with keyFile.', format: String, default: '' },
        keyFile: { doc: 'PEM private key of certFile.', format: String, default: '' },
        serverName: { doc: "The name the balancer's certificate is checked against, instead of the target's host.", format: String, default: '' },
      },
    },
  },
};

import { channelSecurity as securityOf, type ChannelSecurity } from '@switchboard/core';
import type { ClientTlsConfig } from './client-config';

export type { ChannelSecurity };

/**
 * The credentials of client `name` from `clients.<name>.tls`: plaintext when
 * every key is empty, else TLS; every file is read and checked here, before a
 * channel exists (an SB_ERR_CONFIG naming the key and the file). @internal
 */
export function channelSecurity(name: string, tls: ClientTlsConfig, now: Date = new Date()): ChannelSecurity {
  return securityOf(`clients.${name}.tls`, tls, now);
}

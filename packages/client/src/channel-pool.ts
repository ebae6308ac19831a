import * as grpc from '@grpc/grpc-js';
import type { ServiceDescriptor } from '@switchboard/core';
import type { ClientConfig } from './client-config';
import { channelSecurity } from './client-tls';
import { balancingConfig, channelOptions, methodConfigs, serviceConfig, type MethodConfigJson } from './service-config';
import { channelTarget } from './target';

/** One configured client, as the pool plans it. */
export interface PooledClient {
  readonly name: string;
  readonly service: ServiceDescriptor<unknown, unknown>;
  readonly config: ClientConfig;
}

interface Group {
  readonly key: string;
  readonly target: string;
  readonly options: grpc.ChannelOptions;
  readonly credentials: grpc.ChannelCredentials;
  readonly balancing: Record<string, object>;
  readonly services: Set<string>;
  readonly methods: MethodConfigJson[];
  readonly clients: string[];
  channel?: grpc.Channel;
}

/**
 * The channels of a process. Clients with the same target and channel
 * settings share one channel, hence one connection, whatever their service:
 * their method configs are merged into the channel's service config. A
 * second client of the same service with other settings gets its own.
 */
export class ChannelPool {
  private readonly groups: Group[] = [];
  private readonly byClient = new Map<string, Group>();

  constructor(clients: readonly PooledClient[]) {
    for (const client of clients) {
      const target = channelTarget(client.config.target);
      const security = channelSecurity(client.name, client.config.tls);
      const options = { ...channelOptions(client.config), ...security.options };
      const balancing = balancingConfig(client.config);
      // Clients with other TLS files never share a channel: its credentials are the first client's.
      const key = JSON.stringify([target, balancing, options, client.config.tls]);
      const methods = methodConfigs(client.service, client.config);
      let group = this.groups.find((g) => g.key === key && !g.services.has(client.service.fullName));
      if (group === undefined) {
        group = { key, target, options, credentials: security.credentials, balancing, services: new Set(), methods: [], clients: [] };
        this.groups.push(group);
      }
      group.services.add(client.service.fullName);
      group.methods.push(...methods);
      group.clients.push(client.name);
      this.byClient.set(client.name, group);
    }
  }

  /** The channel of a client, created on first use. */
  channel(client: string): grpc.Channel {
    const group = this.byClient.get(client);
    if (group === undefined) throw new Error(`no channel planned for client '${client}'`);
    group.channel ??= new grpc.Channel(group.target, group.credentials, {
      ...group.options,
      'grpc.service_config': serviceConfig(group.balancing, group.methods),
    });
    return group.channel;
  }

  /** Which clients share which channel: `[[target, [clients]]]`. */
  get layout(): [string, string[]][] {
    return this.groups.map((g) => [g.target, [...g.clients]]);
  }

  /** Closes every channel: calls still running go on to their end; later calls on its clients fail CANCELLED. */
  close(): void {
    for (const group of this.groups) {
      group.channel?.close();
      group.channel = undefined;
    }
  }
}

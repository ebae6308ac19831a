import type * as grpc from '@grpc/grpc-js';
import type { ServiceDescriptor } from '@switchboard/core';
import { POLICY_NAMES } from '@switchboard/lb';
import { methodPolicy, type ClientConfig, type HedgingConfig, type MethodConfig, type RetryConfig } from './client-config';

/** grpc-js method config, as in gRFC A6 / the service config JSON. */
export interface MethodConfigJson {
  name: { service: string; method?: string }[];
  waitForReady?: boolean;
  retryPolicy?: object;
  hedgingPolicy?: object;
}

const seconds = (ms: number): string => `${(ms / 1000).toFixed(3).replace(/\.?0+$/, '')}s`;

const retryPolicy = (r: RetryConfig) => ({
  maxAttempts: r.maxAttempts,
  initialBackoff: seconds(r.initialBackoffMs),
  maxBackoff: seconds(r.maxBackoffMs),
  backoffMultiplier: r.backoffMultiplier,
  retryableStatusCodes: r.codes.map((c) => c.toUpperCase()),
});

const hedgingPolicy = (h: HedgingConfig) => ({
  maxAttempts: h.maxAttempts,
  hedgingDelay: seconds(h.hedgingDelayMs),
  nonFatalStatusCodes: h.nonFatalCodes.map((c) => c.toUpperCase()),
});

function entry(name: MethodConfigJson['name'], config: ClientConfig, method?: Partial<MethodConfig>): MethodConfigJson {
  const { retry, hedging } = methodPolicy(config, method);
  // Stated for what reads the service config; grpc-js 1.14.7 does not apply it: resolveCall sets it on each call.
  const json: MethodConfigJson = { name, waitForReady: method?.waitForReady ?? config.waitForReady };
  if (retry.maxAttempts > 1) json.retryPolicy = retryPolicy(retry);
  else if (hedging.maxAttempts > 1) json.hedgingPolicy = hedgingPolicy(hedging);
  return json;
}

/**
 * The method configs of one client: one for the service, one per method
 * that overrides something. Deadlines are not here: they are set per call,
 * where the incoming call's deadline is known.
 */
export function methodConfigs(service: ServiceDescriptor<unknown, unknown>, config: ClientConfig): MethodConfigJson[] {
  const list = [entry([{ service: service.fullName }], config)];
  for (const [method, override] of Object.entries(config.methods)) {
    const changes = override.waitForReady != null || (override.retry?.maxAttempts ?? 0) > 0 || (override.hedging?.maxAttempts ?? 0) > 0;
    if (changes) list.push(entry([{ service: service.fullName, method }], config, override));
  }
  return list;
}

/** The channel options of a client, without its method configs. */
export function channelOptions(config: ClientConfig): grpc.ChannelOptions {
  return {
    // Set only to compress: with the option present, grpc-js does more work for every call, even for identity.
    ...(config.compression === 'identity' ? {} : { 'grpc.default_compression_algorithm': { deflate: 1, gzip: 2 }[config.compression] }),
    'grpc.keepalive_time_ms': config.keepalive.timeMs,
    'grpc.keepalive_timeout_ms': config.keepalive.timeoutMs,
    'grpc.keepalive_permit_without_calls': config.keepalive.permitWithoutCalls ? 1 : 0,
    'grpc.max_receive_message_length': config.maxReceiveMessageBytes,
    'grpc.max_send_message_length': config.maxSendMessageBytes,
    'grpc.enable_retries': 1,
    // The config file is the source of truth, not DNS TXT records.
    'grpc.service_config_disable_resolution': 1,
  };
}

/** The `loadBalancingConfig` entry of a client: grpc-js's own policies by name, ours by their registered names. */
export function balancingConfig(config: Pick<ClientConfig, 'balancing' | 'healthCheck'>): Record<string, object> {
  const ours = (POLICY_NAMES as Record<string, string>)[config.balancing];
  if (ours === undefined) return { [config.balancing]: {} };
  return { [ours]: config.healthCheck.enabled ? { healthCheck: { serviceName: config.healthCheck.serviceName } } : {} };
}

/** The `grpc.service_config` of a channel shared by several clients. */
export function serviceConfig(balancing: Record<string, object>, methods: MethodConfigJson[]): string {
  return JSON.stringify({ loadBalancingConfig: [balancing], methodConfig: methods });
}

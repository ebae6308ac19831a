export { createClient } from './create-client';
export type { CreateClientOptions, StandaloneClient } from './create-client';
export { defineClient, clientsSchema } from './define-client';
export type { ClientDeclaration } from './client-declaration';
export { registerClients, closeClients, effectiveClientConfig } from './register-clients';
export type { RegisterClientsOptions, ClientRuntime, ClientsConfig } from './register-clients';
export type { Client, ClientStreamCall, BidiCall } from './stub';
export type { WriteOptions } from './write-flags';
export type { CallOptions } from './call-options';
export { clientConfigSchema, BALANCING_POLICIES, COMPRESSIONS } from './client-config';
export type { ClientConfig, MethodConfig, RetryConfig, HedgingConfig, BalancingPolicy, Compression } from './client-config';

// ---- for extension authors -------------------------------------------------
export { ChannelPool } from './channel-pool';
export type { PooledClient } from './channel-pool';
export { methodConfigs, serviceConfig, channelOptions } from './service-config';
export { channelTarget } from './target';
export { clientMetricsInterceptor } from './client-metrics';

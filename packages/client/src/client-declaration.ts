import type { ConfigSchema, ModuleClient, ServiceDescriptor, Token } from '@switchboard/core';
import type { ClientConfig } from './client-config';
import type { Client } from './stub';

/**
 * A client an app injects, made by `defineClient`: its config name, its
 * service and its typed token. It is a `ModuleClient`, so a module lists it
 * in `clients` and the server adds its config keys, opens it and closes it.
 */
export interface ClientDeclaration<S extends ServiceDescriptor<unknown, unknown> = ServiceDescriptor<unknown, unknown>> extends ModuleClient {
  readonly name: string;
  readonly service: S;
  readonly token: Token<Client<S>>;
  /** The convict schema of `clients.<name>` and the sections every client shares (`clientDefaults`, `clientInterceptors`, `resolvers`). */
  readonly schema: ConfigSchema<{ clients: Record<string, ClientConfig> }>;
}

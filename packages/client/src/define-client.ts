import { createToken, type ConfigSchema, type ServiceDescriptor, type Token } from '@switchboard/core';
import { etcdConfigSchema } from '@switchboard/lb';
import { clientConfigSchema, clientDefaultsSchema, clientInterceptorsSchema, type ClientConfig } from './client-config';
import type { Client } from './stub';

/** A client an app injects: its config name, its service and its typed token. */
export interface ClientDeclaration<S extends ServiceDescriptor<unknown, unknown> = ServiceDescriptor<unknown, unknown>> {
  readonly name: string;
  readonly service: S;
  readonly token: Token<Client<S>>;
  /** The convict schema of `clients.<name>`, to spread into the app's config schema. */
  readonly schema: ConfigSchema<{ clients: Record<string, ClientConfig> }>;
}

/**
 * Declares a client once; the app spreads its `schema` into its config and
 * classes inject it by `token`.
 *
 * @example
 * export const greeterClient = defineClient('greeter', Greeter);
 * class Frontdesk {
 *   constructor(@inject(greeterClient.token) private readonly greeter: Client<typeof Greeter>) {}
 *   hello = () => this.greeter.SayHello({ name: 'Ada' });
 * }
 */
export function defineClient<S extends ServiceDescriptor<unknown, unknown>>(
  name: string,
  service: S,
  defaults: { target?: string } = {},
): ClientDeclaration<S> {
  return {
    name,
    service,
    token: createToken<Client<S>>(`clients/${name}`),
    schema: {
      resolvers: etcdConfigSchema.resolvers,
      clientDefaults: clientDefaultsSchema,
      clientInterceptors: clientInterceptorsSchema,
      clients: { [name]: clientConfigSchema(service, defaults) },
    } as unknown as ClientDeclaration<S>['schema'],
  };
}

/** The config schema of several clients at once. */
export function clientsSchema(declarations: readonly ClientDeclaration[]): ClientDeclaration['schema'] {
  const clients = Object.assign({}, ...declarations.map((d) => (d.schema as unknown as { clients: object }).clients)) as object;
  return {
    resolvers: etcdConfigSchema.resolvers,
    clientDefaults: clientDefaultsSchema,
    clientInterceptors: clientInterceptorsSchema,
    clients,
  } as unknown as ClientDeclaration['schema'];
}

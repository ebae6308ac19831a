import { createToken, type ServiceDescriptor } from '@switchboard/core';
import { etcdConfigSchema, lookasideConfigSchema } from '@switchboard/lb';
import { clientConfigSchema, clientDefaultsSchema, clientInterceptorsSchema } from './client-config';
import type { ClientDeclaration } from './client-declaration';
import type { Client } from './stub';
import { openDeclaredClients } from './register-clients';

/** `resolvers.etcd` and `resolvers.lookaside`, one object shared by every client's schema. */
const RESOLVERS_SCHEMA = { ...etcdConfigSchema.resolvers, ...lookasideConfigSchema.resolvers };

/**
 * Declares a client once, named as its config key (`clients.<name>`); a
 * module lists it in `clients` and its classes inject it by `token`. The
 * server adds its config keys, opens it before the services are made and
 * closes it after the server has stopped. `defaults.target` is the target
 * when the config gives none.
 *
 * @example
 * export const greeterClient = defineClient('greeter', Greeter);
 *
 * \@Service(Frontdesk)
 * class FrontdeskService {
 *   constructor(@inject(greeterClient.token) private readonly greeter: Client<typeof Greeter>) {}
 *   async Welcome(req: WelcomeRequest) {
 *     return this.greeter.SayHello({ name: req.name });
 *   }
 * }
 *
 * export const frontdeskModule = defineModule({ name: 'frontdesk', clients: [greeterClient], services: [FrontdeskService] });
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
    open: openDeclaredClients,
    schema: {
      resolvers: RESOLVERS_SCHEMA,
      clientDefaults: clientDefaultsSchema,
      clientInterceptors: clientInterceptorsSchema,
      clients: { [name]: clientConfigSchema(service, defaults) },
    } as unknown as ClientDeclaration<S>['schema'],
  };
}

/**
 * The config schema of several clients at once: the escape hatch, with
 * `registerClients`, for a program that reads its clients from config
 * files outside a server. A module lists its clients in `clients` instead.
 */
export function clientsSchema(declarations: readonly ClientDeclaration[]): ClientDeclaration['schema'] {
  const clients = Object.assign({}, ...declarations.map((d) => (d.schema as unknown as { clients: object }).clients)) as object;
  return {
    resolvers: RESOLVERS_SCHEMA,
    clientDefaults: clientDefaultsSchema,
    clientInterceptors: clientInterceptorsSchema,
    clients,
  } as unknown as ClientDeclaration['schema'];
}

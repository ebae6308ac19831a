// Type-level tests: `tsc -p tsconfig.json` (the package's typecheck) proves
// what compiles, and each `@ts-expect-error` line proves what does not (an
// expected error that is missing fails the typecheck). The runtime test below
// only checks the values the declarations hold.
import { Service, bindValue, createToken, defineModule, inject, resolve, type CallContext } from '@switchboard/core';
import { Echo, type FlakyReply, type ForwardReply, type ForwardRequest, Lab } from '@switchboard/test-support';
import { defineClient, type Client } from '../src/index';

interface FrontdeskConfig {
  frontdesk: { greeting: string };
}
const frontdeskConfigSchema = { frontdesk: { greeting: { doc: 'What Forward says first.', format: String, default: 'Hello' } } };
const FrontdeskConfigToken = createToken<FrontdeskConfig['frontdesk']>('types/FrontdeskConfig');
const echoClient = defineClient('types-echo', Echo);
const labClient = defineClient('types-lab', Lab);

@Service(Lab)
class FrontdeskService {
  constructor(@inject(echoClient.token) private readonly echo: Client<typeof Echo>) {}

  async Forward(request: ForwardRequest, ctx: CallContext): Promise<ForwardReply> {
    const { message } = await this.echo.Unary({ message: request.id }, { signal: ctx.signal });
    return { remaining_ms: -1, path: [message] };
  }

  async Flaky(): Promise<FlakyReply> {
    return { attempts: 0 };
  }
}

/** Its own config and a client, no casts, `config` inferred as its own keys (this was TS2559 with registerClients in `register`). */
const frontdeskModule = defineModule({
  name: 'frontdesk',
  config: frontdeskConfigSchema,
  clients: [echoClient, labClient],
  services: [FrontdeskService],
  register(container, config) {
    bindValue(container, FrontdeskConfigToken, config.frontdesk);
    const greeting: string = config.frontdesk.greeting;
    const echo: Client<typeof Echo> = resolve(container, echoClient.token);
    void [greeting, echo];
  },
});

/** The same with the config type written out. */
defineModule<FrontdeskConfig>({ name: 'frontdesk-typed', config: frontdeskConfigSchema, clients: [echoClient], services: [FrontdeskService] });

/** What must not compile. Never called: the types are the test. */
export function rejected(): void {
  defineModule({
    name: 'wrong',
    config: frontdeskConfigSchema,
    clients: [echoClient],
    services: [],
    register(container, config) {
      const echo = resolve(container, echoClient.token);
      // @ts-expect-error a misspelt method of the injected stub
      void echo.Unnary({ message: 'x' });
      // @ts-expect-error a request field Echo does not have
      void echo.Unary({ mesage: 'x' });
      // @ts-expect-error a token of one client where another's stub is expected
      const lab: Client<typeof Lab> = resolve(container, echoClient.token);
      // @ts-expect-error binding a client token to another service's stub
      bindValue(container, labClient.token, echo);
      // @ts-expect-error a misspelt key of the module's own config
      void config.frontdsk;
      void lab;
    },
  });
  // @ts-expect-error a service descriptor is not a client: declare it with defineClient
  defineModule({ name: 'descriptor', clients: [Echo], services: [] });

  // @ts-expect-error a misspelt handler (Forwrd) for Lab's Forward
  @Service(Lab)
  class Misspelt {
    async Forwrd(): Promise<ForwardReply> {
      return { remaining_ms: -1, path: [] };
    }
    async Flaky(): Promise<FlakyReply> {
      return { attempts: 0 };
    }
  }
  void Misspelt;
}

describe('a module declaring clients', () => {
  it('holds the declarations it lists, each with its name, token and clients.<name> schema', () => {
    expect(frontdeskModule.clients?.map((c) => c.name)).toEqual(['types-echo', 'types-lab']);
    expect(echoClient.token.name).toBe('clients/types-echo');
    expect(Object.keys((echoClient.schema as { clients: object }).clients)).toEqual(['types-echo']);
  });
});

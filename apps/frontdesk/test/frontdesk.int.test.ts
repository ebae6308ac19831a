import type { Client } from '@switchboard/client';
import { Code, RpcError, defineModule } from '@switchboard/core';
import { type TestServer, injectClientFaults, override, startTestServer } from '@switchboard/testing';
import { Frontdesk, Greeter, frontdeskModule, greeterClient } from '../src/index';

/** greeter's `helloworld.Greeter` as a fake: no greeter server runs in these tests. */
const fakeGreeter: Client<typeof Greeter> = { SayHello: async (request) => ({ message: `fake ${request.name}` }) };

describe('the frontdesk app', () => {
  let server: TestServer;
  afterEach(() => server.close());

  it('answers GetFrontdesk with the greeting, the name and what greeter answers', async () => {
    server = await startTestServer({ modules: [frontdeskModule], overrides: [override(greeterClient.token, fakeGreeter)] });
    await expect(server.client(Frontdesk).GetFrontdesk({ name: 'Ada' })).resolves.toEqual({ message: 'Hello Ada (greeter: fake Ada)' });
  });

  it('fails GetFrontdesk with UNAVAILABLE when greeter cannot be reached', async () => {
    // A fault on the real injected client, before the wire; clients.greeter.interceptors names it.
    const greeterDown = defineModule({
      name: 'greeter-down',
      services: [],
      clientInterceptors: { 'greeter-down': injectClientFaults(Greeter, { SayHello: { fail: new RpcError(Code.UNAVAILABLE, 'connection refused') } }) },
    });
    const config = { clients: { greeter: { interceptors: ['greeter-down'] } } };
    server = await startTestServer({ modules: [frontdeskModule, greeterDown], config });
    await expect(server.client(Frontdesk).GetFrontdesk({ name: 'Ada' })).rejects.toMatchObject({ code: Code.UNAVAILABLE });
  });
});

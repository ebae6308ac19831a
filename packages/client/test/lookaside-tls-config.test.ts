import { Container } from 'inversify';
import { loadConfig, serverConfigSchema } from '@switchboard/core';
import { Lab } from '@switchboard/test-support';
import { clientsSchema, defineClient, registerClients } from '../src/index';

const lab = defineClient('lab', Lab);
const load = (tree: object) =>
  loadConfig({ ...serverConfigSchema, ...clientsSchema([lab]) }, { argv: [], env: {}, configDir: null, values: { tree, origin: 'the test' } });

describe('resolvers.lookaside in a client configuration', () => {
  it('is declared with every client, plaintext by default', () => {
    const config = load({ clients: { lab: { target: 'lookaside://127.0.0.1:1/switchboard.lab.Lab' } } }) as unknown as { resolvers: { lookaside: unknown } };
    expect(config.resolvers.lookaside).toEqual({
      tls: { caFile: '', certFile: '', keyFile: '', serverName: '' },
    });
  });

  it('has its files checked when the clients are registered, naming the key and the file', () => {
    const config = load({
      clients: { lab: { target: 'lookaside://127.0.0.1:1/switchboard.lab.Lab' } },
      resolvers: { lookaside: { tls: { caFile: '/nonexistent/ca.pem' } } },
    });
    expect(() => registerClients(new Container(), config, [lab])).toThrow('resolvers.lookaside.tls.caFile: cannot read /nonexistent/ca.pem');
  });
});

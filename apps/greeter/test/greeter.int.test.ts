import { startTestServer, type TestServer } from '@switchboard/testing';
import { Greeter, greeterModule } from '../src/index';

describe('the greeter app', () => {
  let server: TestServer;
  afterEach(() => server.close());

  it('answers SayHello with Hello <name>', async () => {
    server = await startTestServer({ modules: [greeterModule] });
    await expect(server.client(Greeter).SayHello({ name: 'Ada' })).resolves.toEqual({ message: 'Hello Ada' });
  });
});

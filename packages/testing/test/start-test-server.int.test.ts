import { SwitchboardError, createToken } from '@switchboard/core';
import { override, startTestServer, type TestServer } from '../src/index';
import { MultiplierToken, Numbers, SeenToken, numbersModule } from './fixtures/numbers';

describe('startTestServer', () => {
  let server: TestServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  it('serves the modules on 127.0.0.1 and a free port, to a typed client of the kit', async () => {
    server = await startTestServer({ modules: [numbersModule] });
    expect(server.address).toBe(`127.0.0.1:${server.port}`);
    expect(server.port).toBeGreaterThan(0);
    await expect(server.client(Numbers).Square({ value: 3 })).resolves.toEqual({ value: 18 });
  });

  it('replaces a module binding with the override, and the service gets the fake', async () => {
    server = await startTestServer({ modules: [numbersModule], overrides: [override(MultiplierToken, { factor: 10 })] });
    await expect(server.client(Numbers).Square({ value: 3 })).resolves.toEqual({ value: 90 });
    expect(server.get(MultiplierToken)).toEqual({ factor: 10 });
  });

  it('type-checks an override: the value must have the token type', () => {
    // @ts-expect-error a string factor is not a Multiplier
    expect(override(MultiplierToken, { factor: 'ten' }).token).toBe(MultiplierToken);
  });

  it('refuses to override a token no module binds, naming it, with nothing started', async () => {
    const Clock = createToken<{ now(): number }>('testkit/Clock');
    await expect(startTestServer({ modules: [numbersModule], overrides: [override(Clock, { now: () => 0 })] })).rejects.toThrow(
      /SB_ERR_UNBOUND.*cannot override 'testkit\/Clock': no module binds it/,
    );
  });

  it('takes config as an object, with port forced to 0 and nothing read from the environment', async () => {
    process.env['PORT'] = '1';
    try {
      server = await startTestServer({ modules: [numbersModule], config: { numbers: { offset: 7 }, server: { port: 50051, reflection: false } } });
    } finally {
      delete process.env['PORT'];
    }
    expect(server.running.config).toMatchObject({ numbers: { offset: 7 }, server: { port: 0, reflection: false } });
    expect(server.port).not.toBe(50051);
  });

  it('rejects a wrong config value naming its path, the value and where it came from', async () => {
    const started = startTestServer({ modules: [numbersModule], config: { numbers: { offset: -3 }, server: { health: 'yes' } } });
    await expect(started).rejects.toThrow(SwitchboardError);
    await expect(started).rejects.toThrow(/numbers\.offset: must be an integer of 0 or more: value was -3 \(from startTestServer config\)/);
    await expect(started).rejects.toThrow(/server\.health: must be true or false .*: value was "yes" \(from startTestServer config\)/);
  });

  it('gives the fakes it was given to the test too, through get()', async () => {
    server = await startTestServer({ modules: [numbersModule] });
    await server.client(Numbers).Square({ value: 1 });
    expect(server.get(SeenToken).started).toEqual(['Square']);
  });
});

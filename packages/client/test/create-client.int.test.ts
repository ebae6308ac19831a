import { Code, SwitchboardError, schemaDefaults, serverConfigSchema, type ClientInterceptor } from '@switchboard/core';
import { SwitchboardServer } from '@switchboard/server';
import pino from 'pino';
import { createLabService, Echo, Lab, type LastHop } from '@switchboard/test-support';
import { clientConfigSchema, createClient, type CreateClientOptions } from '../src/index';
import { KINDS, drive } from './drive-call';
import { echoServer } from './echo-server';

describe('a client made with createClient', () => {
  let server: Awaited<ReturnType<typeof echoServer>>;
  // Closed last to first: clients, then servers.
  const open: (() => unknown)[] = [];
  beforeEach(async () => {
    server = await echoServer();
    open.push(server.close);
  });
  afterEach(async () => {
    while (open.length > 0) await open.pop()!();
  });

  function echo(options: Partial<CreateClientOptions> = {}) {
    const client = createClient(Echo, { target: `127.0.0.1:${server.port}`, ...options });
    open.push(client.close);
    return client;
  }

  it('makes all four kinds of call, gzip-compressed, through the interceptors it is given', async () => {
    const seen: string[] = [];
    const record: ClientInterceptor = (call, next) => {
      seen.push(call.method.name);
      return next(call);
    };
    const client = echo({ compression: 'gzip', deadlineMs: 10000, interceptors: [record] });
    const outcomes = [];
    for (const kind of KINDS) outcomes.push(await drive(client, kind, { message: 'm', count: 3 }));
    expect(outcomes.map((o) => [o.status, o.responses])).toEqual([
      ['OK', 1],
      ['OK', 3],
      ['OK', 1],
      ['OK', 1],
    ]);
    expect(seen).toEqual(['Unary', 'ServerStream', 'ClientStream', 'Bidi']);
  });

  it('applies its deadline, and a partial retry policy over the default backoffs and codes', async () => {
    const client = echo({ deadlineMs: 200 });
    await expect(client.Unary({ message: 'slow', delay_ms: 10000 })).rejects.toMatchObject({ code: Code.DEADLINE_EXCEEDED });
    const lab = createClient(Lab, { target: `127.0.0.1:${server.port}`, retry: { maxAttempts: 3 } });
    open.push(lab.close);
    await expect(lab.Flaky({ key: 'twice', failures: 2, code: 'UNAVAILABLE' })).resolves.toEqual({ attempts: 3 });
  });

  it('passes the deadline of the handler it is called in on to the next server', async () => {
    const toLast = createClient(Lab, { target: `127.0.0.1:${server.port}` });
    open.push(toLast.close);
    const seen = new Map<string, LastHop>();
    const first = new SwitchboardServer({ config: { ...schemaDefaults(serverConfigSchema).server, port: 0 }, logger: pino({ level: 'silent' }) });
    const FirstHop = createLabService('first', seen, () => toLast.Forward);
    first.addService(new FirstHop());
    const port = await first.listen();
    open.push(() => first.shutdown(0));
    const caller = createClient(Lab, { target: `127.0.0.1:${port}` });
    open.push(caller.close);
    const reply = await caller.Forward({ hops: 1, id: 'p' }, { deadlineMs: 5000 });
    expect(reply.path).toEqual(['first', 'lab']);
    // -1 would mean the last server saw no deadline.
    expect(reply.remaining_ms).toBeGreaterThan(0);
    expect(reply.remaining_ms).toBeLessThanOrEqual(5000);
  });

  it.each(KINDS)('%s: a call made after close() fails CANCELLED, writes too', async (kind) => {
    const client = echo();
    await client.Unary({ message: 'warm' });
    client.close();
    const outcome = await drive(client, kind, { message: 'too late' });
    expect(outcome.status).toBe('CANCELLED');
    expect(outcome.writes.filter((w) => w !== 'CANCELLED')).toEqual([]);
  });

  it('is closed on its own: another client of the same target goes on working', async () => {
    const one = echo();
    const other = echo();
    await one.Unary({ message: 'a' });
    await other.Unary({ message: 'b' });
    one.close();
    await expect(one.Unary({ message: 'c' })).rejects.toMatchObject({ code: Code.CANCELLED });
    await expect(other.Unary({ message: 'd' })).resolves.toMatchObject({ message: 'd' });
    // a, b and d: the call after close() never left the client.
    expect(server.peers).toHaveLength(3);
  });
});

describe('createClient options', () => {
  function problems(options: object): string {
    const thrown = ((): unknown => {
      try {
        createClient(Echo, options as CreateClientOptions).close();
        return undefined;
      } catch (error) {
        return error;
      }
    })();
    expect(thrown).toBeInstanceOf(SwitchboardError);
    expect((thrown as SwitchboardError).code).toBe('SB_ERR_CONFIG');
    return (thrown as SwitchboardError).message;
  }

  it('are checked as a config file is: the key, the value and what is allowed, all at once', () => {
    const message = problems({ target: '127.0.0.1:1', deadlineMs: -1, compression: 'br', deadLineMs: 5, retry: { maxAttempts: 9 } });
    const from = ' (from createClient options)';
    expect(
      message
        .split('\n')
        .slice(1)
        .map((line) => line.trim()),
    ).toEqual([
      `clients.Echo.deadLineMs: unknown key (value 5); allowed under 'clients.Echo': ${Object.keys(clientConfigSchema(Echo)).join(', ')}${from}`,
      `clients.Echo.deadlineMs: must be a whole number of milliseconds from 0 to 2147483647: value was -1${from}`,
      `clients.Echo.compression: must be one of the possible values: ["identity","deflate","gzip"]: value was "br"${from}`,
      `clients.Echo.retry.maxAttempts: must be an integer from 0 to 5: value was 9${from}`,
    ]);
  });

  it('need a target, and follow the rules across keys', () => {
    expect(problems({})).toContain('clients.Echo.target: required');
    expect(problems({ target: 'etcdd:///echo' })).toContain("clients.Echo.target: unknown scheme 'etcdd'");
    expect(problems({ target: '127.0.0.1:1', retry: { maxAttempts: 3 }, hedging: { maxAttempts: 2 } })).toContain(
      'clients.Echo: retry and hedging are exclusive (gRFC A6)',
    );
  });
});

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { Authorize, Service, defineModule, type AnyAppModule, type CallContext } from '@switchboard/core';
import { Echo, type EchoReply, type EchoRequest } from '@switchboard/test-support';
import { startServer, type RunningServer } from '../src/start-server';
import {
  AUDIENCE,
  GuardedEcho,
  ISSUER,
  WhoAmI,
  bearer,
  bidi,
  clientStream,
  echoClient,
  makeIssuer,
  serverStream,
  trace,
  tracer,
  type TestIssuer,
} from './auth-fixtures';
import { memoryLogger, unary, type EchoHarness } from './harness';

let dir: string;
let issuer: TestIssuer;
beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'switchboard-authorize-'));
  issuer = await makeIssuer(dir);
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

let running: RunningServer | undefined;
let client: EchoHarness['client'] | undefined;
let lines: Record<string, unknown>[] = [];
afterEach(async () => {
  client?.close();
  client = undefined;
  await running?.shutdown(0);
  running = undefined;
  trace.length = 0;
});

async function start(service: AnyAppModule['services'][number], auth = true): Promise<EchoHarness['client']> {
  const memory = memoryLogger();
  lines = memory.lines;
  const module = defineModule({ name: 'echo', services: [service], interceptors: () => [tracer('module')] });
  running = await startServer({
    modules: [module],
    interceptors: [tracer('global')],
    logger: memory.logger,
    config: {
      argv: [],
      env: {},
      configDir: null,
      values: { tree: { server: { port: 0 }, auth: { jwt: auth ? { jwksFile: issuer.jwksFile, issuer: ISSUER, audience: AUDIENCE } : {} } }, origin: 'test' },
    },
  });
  client = echoClient(running.port);
  return client;
}

const code = (promise: Promise<unknown>): Promise<string> =>
  promise.then(
    () => 'OK',
    (error: grpc.ServiceError) => grpc.status[error.code],
  );

describe('@Authorize on a method', () => {
  it('answers a server-streaming call UNAUTHENTICATED without identity, PERMISSION_DENIED for another subject, and serves the right one', async () => {
    const c = await start(WhoAmI);
    expect(await code(serverStream(c, { count: 1 }))).toBe('UNAUTHENTICATED');
    expect(await code(serverStream(c, { count: 1 }, bearer(await issuer.mint({ sub: 'mallory' }))))).toBe('PERMISSION_DENIED');
    expect(trace).not.toContain('handler');
    expect(await serverStream(c, { count: 2 }, bearer(await issuer.mint({ sub: 'alice' })))).toEqual([
      expect.objectContaining({ message: 'alice', index: 0 }),
      expect.objectContaining({ message: 'alice', index: 1 }),
    ]);
  });

  it('guards a client-streaming call by scopes: every listed scope is needed', async () => {
    const c = await start(WhoAmI);
    expect(await code(clientStream(c, ['a']))).toBe('UNAUTHENTICATED');
    expect(await code(clientStream(c, ['a'], bearer(await issuer.mint({ scope: 'echo:read' }))))).toBe('PERMISSION_DENIED');
    expect(await clientStream(c, ['a', 'b'], bearer(await issuer.mint({ scope: 'echo:read echo:write' })))).toMatchObject({ message: 'a,b' });
  });

  it('guards a bidi call by roles and a when predicate, before the handler sees a message', async () => {
    const c = await start(WhoAmI);
    expect(await code(bidi(c, ['x']))).toBe('UNAUTHENTICATED');
    expect(await code(bidi(c, ['x'], bearer(await issuer.mint({ roles: ['viewer'] }))))).toBe('PERMISSION_DENIED');
    expect(trace).not.toContain('handler');
    expect(await bidi(c, ['x', 'y'], bearer(await issuer.mint({ roles: ['viewer', 'admin'] })))).toEqual([
      expect.objectContaining({ message: 'x' }),
      expect.objectContaining({ message: 'y' }),
    ]);
  });

  it('leaves a method without @Authorize open', async () => {
    const c = await start(WhoAmI);
    await expect(unary(c, 'Unary', { message: '' })).resolves.toMatchObject({ message: 'null' });
  });
});

describe('@Authorize with a when predicate', () => {
  @Service(Echo)
  class TenantEcho extends WhoAmI {
    @Authorize({ when: (identity, ctx) => identity.token?.claims['tenant'] === ctx.metadata.get('x-tenant')[0] })
    override async Unary(request: EchoRequest, ctx: CallContext): Promise<EchoReply> {
      return super.Unary(request, ctx);
    }
  }

  it("admits the caller when it returns true and denies it when it returns false, given the identity and the call's context", async () => {
    const c = await start(TenantEcho);
    const call = async (tenant: string): Promise<string> => {
      const metadata = bearer(await issuer.mint({ tenant: 'acme' }));
      metadata.set('x-tenant', tenant);
      return code(unary(c, 'Unary', { message: '' }, { metadata }));
    };
    expect(await call('acme')).toBe('OK');
    expect(await call('globex')).toBe('PERMISSION_DENIED');
  });
});

describe('@Authorize on a class and on a method', () => {
  it('guards every method of the class, and a unary method guarded twice must pass both', async () => {
    const c = await start(GuardedEcho);
    expect(await code(unary(c, 'Unary', { message: '' }))).toBe('UNAUTHENTICATED');
    // The class's rule (scope echo) holds, the method's (subject bob) does not; then the reverse.
    expect(await code(unary(c, 'Unary', { message: '' }, { metadata: bearer(await issuer.mint({ sub: 'alice', scope: 'echo' })) }))).toBe('PERMISSION_DENIED');
    expect(await code(unary(c, 'Unary', { message: '' }, { metadata: bearer(await issuer.mint({ sub: 'bob' })) }))).toBe('PERMISSION_DENIED');
    expect(await code(unary(c, 'Unary', { message: '' }, { metadata: bearer(await issuer.mint({ sub: 'bob', scope: 'echo' })) }))).toBe('OK');
    // ServerStream: the class's rule and its own inherited one (subject alice).
    expect(await code(serverStream(c, { count: 1 }, bearer(await issuer.mint({ sub: 'alice' }))))).toBe('PERMISSION_DENIED');
    expect(await code(serverStream(c, { count: 1 }, bearer(await issuer.mint({ sub: 'alice', scope: 'echo' }))))).toBe('OK');
  });
});

describe('the guard in the interceptor chain', () => {
  it('runs after the global and module interceptors and before the service ones: a refused call reaches neither the service interceptors nor the handler', async () => {
    const c = await start(WhoAmI);
    expect(await code(serverStream(c, { count: 1 }, bearer(await issuer.mint({ sub: 'mallory' }))))).toBe('PERMISSION_DENIED');
    expect(trace).toEqual(['global', 'module']);
    trace.length = 0;
    expect(await code(serverStream(c, { count: 1 }, bearer(await issuer.mint({ sub: 'alice' }))))).toBe('OK');
    expect(trace).toEqual(['global', 'module', 'service', 'handler']);
  });

  it('sends UNAUTHENTICATED for a bad token before any interceptor given to startServer runs', async () => {
    const c = await start(WhoAmI);
    expect(await code(unary(c, 'Unary', { message: '' }, { metadata: bearer('garbage') }))).toBe('UNAUTHENTICATED');
    expect(trace).toEqual([]);
  });
});

describe('guarded methods without an auth source', () => {
  it('answer UNAUTHENTICATED to every caller, token or not, and the start warns naming them', async () => {
    const c = await start(WhoAmI, false);
    expect(await code(serverStream(c, { count: 1 }, bearer(await issuer.mint({ sub: 'alice' }))))).toBe('UNAUTHENTICATED');
    expect(lines).toContainEqual(
      expect.objectContaining({
        level: 40,
        guarded: ['/switchboard.test.Echo/ServerStream', '/switchboard.test.Echo/ClientStream', '/switchboard.test.Echo/Bidi'],
        msg: expect.stringContaining('no auth source is configured') as unknown,
      }),
    );
  });

  it('are logged at start with the sources of identity when one is configured', async () => {
    await start(WhoAmI);
    expect(lines).toContainEqual(
      expect.objectContaining({
        msg: 'guarded methods',
        guarded: expect.arrayContaining(['/switchboard.test.Echo/Bidi']) as unknown,
        identityFrom: ['bearer JWT (auth.jwt)'],
      }),
    );
  });
});

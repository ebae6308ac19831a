import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { Authorize, Code, RpcError, Service, defineModule, observe, type AnyAppModule, type CallContext, type ServerInterceptor } from '@switchboard/core';
import { Echo, type EchoReply, type EchoRequest, grpcFrame, rawExchange } from '@switchboard/test-support';
import { startServer, type RunningServer } from '../src/start-server';
import { AUDIENCE, GuardedEcho, ISSUER, WhoAmI, bearer, clientStream, echoClient, makeIssuer, serverStream, type TestIssuer } from './auth-fixtures';
import { memoryLogger, unary, type EchoHarness } from './harness';

let dir: string;
let issuer: TestIssuer;
beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'switchboard-hostile-guard-'));
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
});

/** Counts the request messages the chain pulls before the guard (a global interceptor sees each one it reads). */
let pulled = 0;
const countRequests: ServerInterceptor = observe({ onRequest: () => void pulled++ });

async function start(service: AnyAppModule['services'][number], server: Record<string, unknown> = {}): Promise<EchoHarness['client']> {
  const memory = memoryLogger();
  lines = memory.lines;
  pulled = 0;
  running = await startServer({
    modules: [defineModule({ name: 'echo', services: [service] })],
    interceptors: [countRequests],
    logger: memory.logger,
    config: {
      argv: [],
      env: {},
      configDir: null,
      values: { tree: { server: { port: 0, ...server }, auth: { jwt: { jwksFile: issuer.jwksFile, issuer: ISSUER, audience: AUDIENCE } } }, origin: 'test' },
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

describe('a client-streaming call without identity to a guarded method', () => {
  let seen = 0;
  @Service(Echo)
  class Counting extends WhoAmI {
    @Authorize()
    override async ClientStream(requests: AsyncIterable<EchoRequest>): Promise<EchoReply> {
      for await (const _ of requests) seen++;
      return { message: String(seen) };
    }
  }

  it('is UNAUTHENTICATED after sending 1,000 messages, and neither the handler nor any interceptor reads one', async () => {
    seen = 0;
    const c = await start(Counting);
    expect(
      await code(
        clientStream(
          c,
          Array.from({ length: 1000 }, (_, i) => `m${i}`),
        ),
      ),
    ).toBe('UNAUTHENTICATED');
    expect(seen).toBe(0);
    expect(pulled).toBe(0);
  });
});

describe('a subclass of a guarded service', () => {
  @Service(Echo)
  class Override extends GuardedEcho {
    // No decorator: the class guard (scope echo) and the parent's method guard (subject bob) still apply.
    override async Unary(request: EchoRequest, ctx: CallContext): Promise<EchoReply> {
      return super.Unary(request, ctx);
    }

    // The parent guarded ServerStream by subject alice; overriding it undecorated keeps that.
    override async *ServerStream(request: EchoRequest, ctx: CallContext): AsyncIterable<EchoReply> {
      yield* super.ServerStream(request, ctx);
    }
  }

  it('keeps the class and method guards on methods it overrides without @Authorize', async () => {
    const c = await start(Override);
    expect(await code(unary(c, 'Unary', { message: '' }))).toBe('UNAUTHENTICATED');
    expect(await code(unary(c, 'Unary', { message: '' }, { metadata: bearer(await issuer.mint({ sub: 'alice', scope: 'echo' })) }))).toBe('PERMISSION_DENIED');
    expect(await code(unary(c, 'Unary', { message: '' }, { metadata: bearer(await issuer.mint({ sub: 'bob', scope: 'echo' })) }))).toBe('OK');
    expect(await code(serverStream(c, { count: 1 }, bearer(await issuer.mint({ sub: 'bob', scope: 'echo' }))))).toBe('PERMISSION_DENIED');
  });
});

describe('an @Authorize when predicate', () => {
  let ran = 0;
  const whenService = (when: (identity: unknown, ctx: CallContext) => boolean | Promise<boolean>): AnyAppModule['services'][number] => {
    @Service(Echo)
    class WithWhen extends WhoAmI {
      @Authorize({ when })
      override async Unary(request: EchoRequest, ctx: CallContext): Promise<EchoReply> {
        ran++;
        return super.Unary(request, ctx);
      }
    }
    return WithWhen;
  };

  it('that throws an Error denies with INTERNAL (its message not sent, logged), and the handler does not run', async () => {
    ran = 0;
    const c = await start(
      whenService(() => {
        throw new Error('lookup table missing at /etc/secret');
      }),
    );
    const error = await unary(c, 'Unary', { message: '' }, { metadata: bearer(await issuer.mint()) }).catch((e: grpc.ServiceError) => e);
    expect(error).toMatchObject({ code: grpc.status.INTERNAL, details: 'Internal server error' });
    expect(ran).toBe(0);
    expect(lines).toContainEqual(expect.objectContaining({ msg: 'handler failed' }));
  });

  it('that throws an RpcError ends the call with it', async () => {
    const c = await start(
      whenService(() => {
        throw new RpcError(Code.RESOURCE_EXHAUSTED, 'quota');
      }),
    );
    expect(await code(unary(c, 'Unary', { message: '' }, { metadata: bearer(await issuer.mint()) }))).toBe('RESOURCE_EXHAUSTED');
  });

  it('that returns a promise is awaited: true admits, false denies', async () => {
    ran = 0;
    const c = await start(whenService(async (_id, ctx) => Promise.resolve(ctx.metadata.get('x-allow')[0] === 'yes')));
    const metadata = (allow: string): grpc.Metadata => {
      const md = bearer(token);
      md.set('x-allow', allow);
      return md;
    };
    const token = await issuer.mint();
    expect(await code(unary(c, 'Unary', { message: '' }, { metadata: metadata('no') }))).toBe('PERMISSION_DENIED');
    expect(ran).toBe(0);
    expect(await code(unary(c, 'Unary', { message: '' }, { metadata: metadata('yes') }))).toBe('OK');
    expect(ran).toBe(1);
  });

  it('whose promise outlives the deadline ends the call with DEADLINE_EXCEEDED on the server, and the handler never runs', async () => {
    ran = 0;
    let resolve: ((admit: boolean) => void) | undefined;
    await start(whenService(() => new Promise<boolean>((r) => (resolve = r))));
    const response = await rawExchange(running!.port, '/switchboard.test.Echo/Unary', grpcFrame(Buffer.alloc(0)), {
      authorization: `Bearer ${await issuer.mint()}`,
      'grpc-timeout': '200m',
    });
    expect(response.status).toBe(grpc.status.DEADLINE_EXCEEDED);
    expect(running!.server.callsInFlight).toBe(0);
    resolve!(true);
    await new Promise((r) => setImmediate(r));
    expect(ran).toBe(0);
  });
});

describe('a guarded call whose deadline is already spent on arrival', () => {
  it('is answered DEADLINE_EXCEEDED, with or without identity, and the handler never runs', async () => {
    let ran = 0;
    @Service(Echo)
    class Guarded extends WhoAmI {
      @Authorize()
      override async Unary(request: EchoRequest, ctx: CallContext): Promise<EchoReply> {
        ran++;
        return super.Unary(request, ctx);
      }
    }
    await start(Guarded);
    for (const headers of [{}, { authorization: `Bearer ${await issuer.mint()}` }] as Record<string, string>[]) {
      const response = await rawExchange(running!.port, '/switchboard.test.Echo/Unary', grpcFrame(Buffer.alloc(0)), { ...headers, 'grpc-timeout': '1n' });
      expect(response.status).toBe(grpc.status.DEADLINE_EXCEEDED);
    }
    expect(ran).toBe(0);
  });
});

describe('health and reflection beside a service guarded as a whole', () => {
  @Service(Echo)
  @Authorize({ scopes: ['never-granted'] })
  class Locked extends WhoAmI {}

  it('stay open to a caller without identity', async () => {
    await start(Locked, { health: true, reflection: true });
    const health = await rawExchange(running!.port, '/grpc.health.v1.Health/Check', grpcFrame(Buffer.alloc(0)));
    expect(health.status).toBe(grpc.status.OK);
    // ServerReflectionRequest { list_services: "" } (field 7).
    const reflection = await rawExchange(running!.port, '/grpc.reflection.v1.ServerReflection/ServerReflectionInfo', grpcFrame(Buffer.from([0x3a, 0x00])));
    expect(reflection.status).toBe(grpc.status.OK);
    expect(reflection.body.toString()).toContain('switchboard.test.Echo');
    expect(await code(unary(echoClient(running!.port), 'Unary', { message: '' }))).toBe('UNAUTHENTICATED');
  });
});

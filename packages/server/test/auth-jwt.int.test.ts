import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { SwitchboardError, defineModule } from '@switchboard/core';
import { UnsecuredJWT, generateKeyPair } from 'jose';
import { startServer, type RunningServer } from '../src/start-server';
import { AUDIENCE, ISSUER, WhoAmI, bearer, echoClient, identityOf, makeIssuer, type TestIssuer } from './auth-fixtures';
import { memoryLogger, unary, type EchoHarness } from './harness';
import { assertPeerAvailable, type EchoReply, PEER_PYTHON, runProcess } from '@switchboard/test-support';

const BEARER_ECHO = path.join(__dirname, '../../../testing/peer/bearer_echo.py');

const whoAmIModule = defineModule({ name: 'whoami', services: [WhoAmI] });

let dir: string;
let issuer: TestIssuer;
beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'switchboard-auth-'));
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

async function start(jwt: Record<string, unknown>): Promise<EchoHarness['client']> {
  const memory = memoryLogger();
  lines = memory.lines;
  running = await startServer({
    modules: [whoAmIModule],
    logger: memory.logger,
    config: {
      argv: [],
      env: {},
      configDir: null,
      values: { tree: { server: { port: 0 }, auth: { jwt: { issuer: ISSUER, audience: AUDIENCE, ...jwt } } }, origin: 'test' },
    },
  });
  client = echoClient(running.port);
  return client;
}

const whoAmI = async (c: EchoHarness['client'], token?: string): Promise<unknown> =>
  identityOf(await unary<EchoReply>(c, 'Unary', { message: '' }, token === undefined ? {} : { metadata: bearer(token) }));

describe('a bearer JWT verified against auth.jwt.jwksFile', () => {
  it("puts the token's subject, issuer, audience, scopes, roles and claims on ctx.identity", async () => {
    const c = await start({ jwksFile: issuer.jwksFile });
    const token = await issuer.mint({ sub: 'alice', scope: 'echo:read echo:write', roles: ['admin'], tenant: 'acme' });
    expect(await whoAmI(c, token)).toMatchObject({
      subject: 'alice',
      names: ['alice'],
      scopes: ['echo:read', 'echo:write'],
      roles: ['admin'],
      token: { subject: 'alice', issuer: ISSUER, audience: [AUDIENCE], claims: { tenant: 'acme', sub: 'alice' } },
    });
  });

  it('reads roles from the claim auth.jwt.rolesClaim names, a dotted path', async () => {
    const c = await start({ jwksFile: issuer.jwksFile, rolesClaim: 'realm_access.roles' });
    const token = await issuer.mint({ realm_access: { roles: ['support', 'admin'] }, scp: ['a', 'b'] });
    expect(await whoAmI(c, token)).toMatchObject({ roles: ['support', 'admin'], scopes: ['a', 'b'] });
  });

  it('leaves ctx.identity undefined for a call without an authorization header, or with another scheme', async () => {
    const c = await start({ jwksFile: issuer.jwksFile });
    expect(await whoAmI(c)).toBeNull();
    const basic = new grpc.Metadata();
    basic.set('authorization', 'Basic YWxpY2U6czNjcmV0');
    expect(identityOf(await unary<EchoReply>(c, 'Unary', { message: '' }, { metadata: basic }))).toBeNull();
  });

  describe('answers UNAUTHENTICATED, with a message that names no key or expected value, to a token', () => {
    const refusals: [string, () => Promise<string>, string][] = [
      ['that has expired', () => issuer.mint({ exp: Math.floor(Date.now() / 1000) - 3600 }), 'the bearer token has expired'],
      ['from another issuer', () => issuer.mint({ iss: 'https://evil.test' }), "the bearer token's iss claim is not accepted"],
      ['for another audience', () => issuer.mint({ aud: 'other-service' }), "the bearer token's aud claim is not accepted"],
      [
        'signed by another key under the trusted kid',
        async () => issuer.mint({}, { key: (await generateKeyPair('ES256')).privateKey }),
        'the bearer token is not signed by a trusted key',
      ],
      ['with a kid the key set does not have', async () => issuer.mint({}, { kid: 'unknown' }), 'the bearer token is not signed by a trusted key'],
      [
        'with alg none',
        async () => new UnsecuredJWT({ sub: 'alice' }).setIssuer(ISSUER).setAudience(AUDIENCE).setExpirationTime('1h').encode(),
        "the bearer token's algorithm is not accepted",
      ],
      ['that is not a JWT', async () => 'not-a-jwt', 'the bearer token is malformed'],
      ['without a subject', () => issuer.mint({ sub: undefined }), 'the bearer token has no subject (sub)'],
    ];
    it.each(refusals)('%s', async (_what, token, message) => {
      const c = await start({ jwksFile: issuer.jwksFile });
      const error = await whoAmI(c, await token()).then(
        () => undefined,
        (e: unknown) => e as grpc.ServiceError,
      );
      expect(error).toMatchObject({ code: grpc.status.UNAUTHENTICATED, details: message });
      expect(lines).toContainEqual(expect.objectContaining({ msg: 'bearer token refused', method: '/switchboard.test.Echo/Unary' }));
    });
  });

  it('refuses a token signed with an algorithm outside auth.jwt.algorithms', async () => {
    const c = await start({ jwksFile: issuer.jwksFile, algorithms: ['RS256'] });
    await expect(whoAmI(c, await issuer.mint())).rejects.toMatchObject({ code: grpc.status.UNAUTHENTICATED });
  });
});

describe('a bearer JWT verified against auth.jwt.jwksUrl', () => {
  let jwksServer: http.Server;
  let fetches = 0;
  let answer: () => [number, string];
  beforeAll(async () => {
    jwksServer = http.createServer((request, response) => {
      fetches++;
      const [status, body] = answer();
      response.writeHead(status, { 'content-type': 'application/json' }).end(body);
    });
    await new Promise<void>((resolve) => jwksServer.listen(0, '127.0.0.1', resolve));
  });
  afterAll(() => new Promise<void>((resolve) => jwksServer.close(() => resolve())));
  const url = (): string => `http://127.0.0.1:${(jwksServer.address() as AddressInfo).port}/.well-known/jwks.json`;

  it('fetches the key set once and verifies every token against it', async () => {
    answer = () => [200, JSON.stringify(issuer.jwks)];
    fetches = 0;
    const c = await start({ jwksUrl: url() });
    expect(await whoAmI(c, await issuer.mint({ sub: 'alice' }))).toMatchObject({ subject: 'alice' });
    expect(await whoAmI(c, await issuer.mint({ sub: 'bob' }))).toMatchObject({ subject: 'bob' });
    expect(fetches).toBe(1);
  });

  it('answers UNAVAILABLE while the key set cannot be fetched', async () => {
    answer = () => [503, 'down'];
    const c = await start({ jwksUrl: url() });
    await expect(whoAmI(c, await issuer.mint())).rejects.toMatchObject({
      code: grpc.status.UNAVAILABLE,
      details: 'the keys to verify the bearer token cannot be fetched now',
    });
  });
});

describe('auth.jwt is checked before anything listens', () => {
  async function refused(jwt: Record<string, unknown>): Promise<string> {
    const error = await start(jwt).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(SwitchboardError);
    expect(running).toBeUndefined();
    return (error as Error).message;
  }

  it('names the file when the key set cannot be read', async () => {
    const missing = path.join(dir, 'missing.json');
    expect(await refused({ jwksFile: missing })).toBe(`SB_ERR_CONFIG: auth.jwt.jwksFile: cannot read ${missing}: ENOENT`);
  });

  it('names the file when it is not JSON', async () => {
    const bad = path.join(dir, 'bad.json');
    fs.writeFileSync(bad, '{"keys": [');
    expect(await refused({ jwksFile: bad })).toMatch(`SB_ERR_CONFIG: auth.jwt.jwksFile: ${bad} is not JSON`);
  });

  it('names the file when it is JSON but not a key set', async () => {
    const bad = path.join(dir, 'not-a-set.json');
    fs.writeFileSync(bad, '{"kty": "EC"}');
    expect(await refused({ jwksFile: bad })).toMatch(`SB_ERR_CONFIG: auth.jwt.jwksFile: ${bad} is not a JSON Web Key Set`);
  });

  it('requires an audience with a key set', async () => {
    expect(await refused({ jwksFile: issuer.jwksFile, audience: '' })).toBe('SB_ERR_CONFIG: auth.jwt.audience: required when jwksFile is set');
  });

  it('refuses algorithms it does not offer, naming the value', async () => {
    expect(await refused({ jwksFile: issuer.jwksFile, algorithms: ['none', 'HS256'] })).toMatch('auth.jwt.algorithms');
  });
});

describe('an independent client (python3-grpcio) sending a bearer token', () => {
  async function python(port: number, token: string): Promise<Record<'Unary' | 'ServerStream', { reply?: unknown; code?: string }>> {
    assertPeerAvailable();
    const run = await runProcess(PEER_PYTHON, [BEARER_ECHO, `127.0.0.1:${port}`, JSON.stringify({ token })], {
      timeoutMs: 20_000,
      env: { PATH: process.env['PATH'] ?? '', PYTHONDONTWRITEBYTECODE: '1' },
    });
    if (run.code !== 0) throw new Error(`bearer_echo.py exited ${run.code}:\n${run.stderr}`);
    return (JSON.parse(run.stdout.trim().split('\n').pop()!) as { result: Record<'Unary' | 'ServerStream', { reply?: unknown; code?: string }> }).result;
  }

  it('is identified by its token and admitted to a guarded method; a bad token is UNAUTHENTICATED', async () => {
    await start({ jwksFile: issuer.jwksFile });
    const good = await python(running!.port, await issuer.mint({ sub: 'alice' }));
    expect(JSON.parse(good.Unary.reply as string)).toMatchObject({ subject: 'alice', token: { issuer: ISSUER } });
    expect(good.ServerStream).toEqual({ reply: ['alice'] });
    const bad = await python(running!.port, await issuer.mint({ iss: 'https://evil.test' }));
    expect(bad).toEqual({
      Unary: { code: 'UNAUTHENTICATED', details: "the bearer token's iss claim is not accepted" },
      ServerStream: expect.objectContaining({ code: 'UNAUTHENTICATED' }),
    });
  });
});

import { KeyObject, createPublicKey, sign } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { defineModule } from '@switchboard/core';
import { SignJWT, base64url, exportJWK, generateKeyPair, type CryptoKey } from 'jose';
import { startServer, type RunningServer } from '../src/start-server';
import { AUDIENCE, ISSUER, WhoAmI, bearer, echoClient, identityOf } from './auth-fixtures';
import { memoryLogger, unary, type EchoHarness } from './harness';
import { assertPeerAvailable, type EchoReply, grpcFrame, PEER_PYTHON, rawExchange, runProcess } from '@switchboard/test-support';

const HEADERS_ECHO = path.join(__dirname, '../../../testing/peer/headers_echo.py');

let dir: string;
/** The trusted key set: one ES256 key, kid `test-key`. */
let jwks: { keys: object[] };
let jwksFile: string;
/** Its private half, to sign tokens with any header and claims. */
let signingKey: CryptoKey;
beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'switchboard-hostile-jwt-'));
  const pair = await generateKeyPair('ES256');
  signingKey = pair.privateKey;
  jwks = { keys: [{ ...(await exportJWK(pair.publicKey)), kid: 'test-key', alg: 'ES256', use: 'sig' }] };
  jwksFile = path.join(dir, 'jwks.json');
  fs.writeFileSync(jwksFile, JSON.stringify(jwks));
});

/** A token signed by the trusted key: subject alice, valid for an hour, unless `extra` says otherwise (`undefined` drops a claim). */
function mint(extra: Record<string, unknown> = {}, header: Record<string, unknown> = {}): Promise<string> {
  const payload = Object.fromEntries(Object.entries(claims({ sub: 'alice', ...extra })).filter(([, v]) => v !== undefined));
  return new SignJWT(payload).setProtectedHeader({ alg: 'ES256', kid: 'test-key', ...header }).sign(signingKey);
}
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

async function start(jwt: Record<string, unknown> = {}, server: Record<string, unknown> = {}): Promise<EchoHarness['client']> {
  const memory = memoryLogger();
  lines = memory.lines;
  running = await startServer({
    modules: [defineModule({ name: 'whoami', services: [WhoAmI] })],
    logger: memory.logger,
    config: {
      argv: [],
      env: {},
      configDir: null,
      values: {
        tree: { server: { port: 0, ...server }, auth: { jwt: { jwksFile: jwksFile, issuer: ISSUER, audience: AUDIENCE, ...jwt } } },
        origin: 'test',
      },
    },
  });
  client = echoClient(running.port);
  return client;
}

/** The outcome of one Unary call: the identity it was given, or its status code name and details. */
async function outcome(c: EchoHarness['client'], metadata = new grpc.Metadata()): Promise<unknown> {
  return unary<EchoReply>(c, 'Unary', { message: '' }, { metadata }).then(
    (reply) => identityOf(reply),
    (error: grpc.ServiceError) => ({ code: grpc.status[error.code], details: error.details }),
  );
}

/** A JWT with any header and payload, validly signed (ES256) by the trusted key: what jose's own signer would refuse to make. */
function handSigned(header: object, payload: object): string {
  const part = (value: object): string => base64url.encode(JSON.stringify(value));
  const input = `${part(header)}.${part(payload)}`;
  const signature = sign('sha256', Buffer.from(input), { key: KeyObject.from(signingKey), dsaEncoding: 'ieee-p1363' });
  return `${input}.${base64url.encode(signature)}`;
}

/** A JWT with the given header and payload, signed (ES256) by the trusted key unless `signature` is given. */
function handMade(header: object, payload: object, signature = 'AAAA'): string {
  const part = (value: object): string => base64url.encode(JSON.stringify(value));
  return `${part(header)}.${part(payload)}.${signature}`;
}

const claims = (extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  iss: ISSUER,
  aud: AUDIENCE,
  sub: 'mallory',
  exp: Math.floor(Date.now() / 1000) + 3600,
  ...extra,
});

async function python(port: number, headers: [string, string][]): Promise<{ reply?: string; code?: string; details?: string }> {
  assertPeerAvailable();
  const run = await runProcess(PEER_PYTHON, [HEADERS_ECHO, `127.0.0.1:${port}`, JSON.stringify({ headers })], {
    timeoutMs: 20_000,
    env: { PATH: process.env['PATH'] ?? '', PYTHONDONTWRITEBYTECODE: '1' },
  });
  if (run.code !== 0) throw new Error(`headers_echo.py exited ${run.code}:\n${run.stderr}`);
  return (JSON.parse(run.stdout.trim().split('\n').pop()!) as { result: { reply?: string; code?: string; details?: string } }).result;
}

describe('a forged token header', () => {
  it('HS256 signed with the public key of the ES256 key set (algorithm confusion) is UNAUTHENTICATED', async () => {
    const c = await start();
    const publicPem = createPublicKey({ key: jwks.keys[0] as never, format: 'jwk' }).export({ type: 'spki', format: 'pem' });
    for (const secret of [Buffer.from(publicPem), Buffer.from(JSON.stringify(jwks.keys[0]))]) {
      const token = await new SignJWT(claims()).setProtectedHeader({ alg: 'HS256', kid: 'test-key' }).sign(secret);
      expect(await outcome(c, bearer(token))).toEqual({ code: 'UNAUTHENTICATED', details: "the bearer token's algorithm is not accepted" });
    }
  });

  it.each([['none'], ['None'], ['NONE'], ['nOnE']])('alg %s with an empty signature is UNAUTHENTICATED', async (alg) => {
    const c = await start();
    expect(await outcome(c, bearer(handMade({ alg }, claims(), '')))).toMatchObject({ code: 'UNAUTHENTICATED' });
  });

  it.each([
    ['a path', '../../../../etc/passwd'],
    ['a file URL', 'file:///etc/passwd'],
    ['a URL', 'http://127.0.0.1:1/jwks'],
    ['4,000 characters long', 'x'.repeat(4000)],
    ['empty', ''],
  ])('a kid that is %s and names no key is UNAUTHENTICATED', async (_what, kid) => {
    const c = await start();
    const token = await mint({ sub: 'mallory' }, { kid });
    expect(await outcome(c, bearer(token))).toEqual({ code: 'UNAUTHENTICATED', details: 'the bearer token is not signed by a trusted key' });
  });

  it('a crit header naming an extension the server does not know is UNAUTHENTICATED, even when validly signed', async () => {
    const c = await start();
    const token = handSigned({ alg: 'ES256', kid: 'test-key', crit: ['x-unknown'], 'x-unknown': 1 }, claims({ sub: 'alice' }));
    expect(await outcome(c, bearer(token))).toEqual({ code: 'UNAUTHENTICATED', details: 'the bearer token is malformed' });
  });

  it('a header nested 1,500 levels deep, just under server.maxMetadataBytes, is UNAUTHENTICATED and the server goes on', async () => {
    const c = await start();
    const nested = JSON.parse('{"a":'.repeat(1500) + '1' + '}'.repeat(1500)) as object;
    const token = handMade({ alg: 'ES256', kid: 'test-key', x: nested }, claims());
    expect(token.length).toBeGreaterThan(12_000);
    expect(await outcome(c, bearer(token))).toMatchObject({ code: 'UNAUTHENTICATED' });
    expect(await outcome(c, bearer(await mint({ sub: 'alice' })))).toMatchObject({ subject: 'alice' });
  });

  it('a 1 MB token within a 2 MB server.maxMetadataBytes is UNAUTHENTICATED (malformed) and the server goes on', async () => {
    const c = await start({}, { maxMetadataBytes: 2 * 1024 * 1024 });
    const token = handMade({ alg: 'ES256', kid: 'test-key', pad: 'x'.repeat(1024 * 1024) }, claims());
    const error = await outcome(c, bearer(token));
    // nghttp2 refuses one field over 64 KiB on the wire whatever the setting: the call fails, never with an identity.
    expect(error).toMatchObject({ code: expect.stringMatching(/^(UNAUTHENTICATED|RESOURCE_EXHAUSTED|INTERNAL|UNAVAILABLE)$/) as unknown });
    const fresh = echoClient(running!.port);
    try {
      expect(await outcome(fresh, bearer(await mint({ sub: 'alice' })))).toMatchObject({ subject: 'alice' });
    } finally {
      fresh.close();
    }
  });
});

describe('forged claims', () => {
  const refusals: [string, Record<string, unknown>, string][] = [
    ['exp as a string', { exp: String(Math.floor(Date.now() / 1000) + 3600) }, "the bearer token's exp claim is not accepted"],
    ['exp null', { exp: null }, "the bearer token's exp claim is not accepted"],
    ['nbf an hour in the future', { nbf: Math.floor(Date.now() / 1000) + 3600 }, "the bearer token's nbf claim is not accepted"],
    ['aud an array without this service', { aud: ['other', 'another'] }, "the bearer token's aud claim is not accepted"],
    ['no iss', { iss: undefined }, "the bearer token's iss claim is not accepted"],
    ['iss differing only in case', { iss: ISSUER.toUpperCase() }, "the bearer token's iss claim is not accepted"],
    ['sub a number', { sub: 42 }, 'the bearer token has no subject (sub)'],
  ];
  it.each(refusals)('%s is UNAUTHENTICATED', async (_what, extra, details) => {
    const c = await start();
    const token = await mint(extra);
    expect(await outcome(c, bearer(token))).toEqual({ code: 'UNAUTHENTICATED', details });
  });

  it('an aud array that names this service among others is accepted', async () => {
    const c = await start();
    const token = await mint({ aud: ['other', AUDIENCE] });
    expect(await outcome(c, bearer(token))).toMatchObject({ subject: 'alice', token: { audience: ['other', AUDIENCE] } });
  });

  it('a token without exp, which would never expire, is UNAUTHENTICATED', async () => {
    const c = await start();
    const noExp = await new SignJWT({ iss: ISSUER, aud: AUDIENCE, sub: 'alice' }).setProtectedHeader({ alg: 'ES256', kid: 'test-key' }).sign(signingKey);
    expect(await outcome(c, bearer(noExp))).toEqual({ code: 'UNAUTHENTICATED', details: "the bearer token's exp claim is not accepted" });
  });
});

describe('the authorization header', () => {
  it.each([
    ['lowercase bearer', (t: string) => `bearer ${t}`],
    ['BEARER', (t: string) => `BEARER ${t}`],
    ['two spaces', (t: string) => `Bearer  ${t}`],
  ])('%s carries the token', async (_what, header) => {
    const c = await start();
    const metadata = new grpc.Metadata();
    metadata.set('authorization', header(await mint()));
    expect(await outcome(c, metadata)).toMatchObject({ subject: 'alice' });
  });

  it.each([
    ['no token', () => 'Bearer'],
    ['two tokens', (t: string) => `Bearer ${t} ${t}`],
    ['a comma-joined second token', (t: string) => `Bearer ${t}, Bearer ${t}`],
  ])('Bearer with %s (sent raw over HTTP/2) is UNAUTHENTICATED, not a call without a token', async (_what, header) => {
    await start();
    const response = await rawExchange(running!.port, '/switchboard.test.Echo/Unary', grpcFrame(Buffer.alloc(0)), { authorization: header(await mint()) });
    expect({ status: response.status, message: response.message }).toEqual({
      status: grpc.status.UNAUTHENTICATED,
      message: 'the authorization header is not "Bearer <token>"',
    });
  });

  it('Bearer with a tab after the scheme reaches no handler as a token: grpc-js drops the value (illegal in metadata), so the call has no identity', async () => {
    await start();
    const response = await rawExchange(running!.port, '/switchboard.test.Echo/Unary', grpcFrame(Buffer.alloc(0)), {
      authorization: `Bearer\u0009${await mint()}`,
    });
    expect(response.status).toBe(grpc.status.OK);
    expect(response.body.subarray(5).toString()).toContain('null');
    const guarded = await rawExchange(running!.port, '/switchboard.test.Echo/ServerStream', grpcFrame(Buffer.alloc(0)), {
      authorization: `Bearer\u0009${await mint()}`,
    });
    expect(guarded.status).toBe(grpc.status.UNAUTHENTICATED);
  });

  it('trailing spaces, sent raw over HTTP/2, do not smuggle a second token or drop the first', async () => {
    await start();
    const token = await mint();
    const response = await rawExchange(running!.port, '/switchboard.test.Echo/Unary', grpcFrame(Buffer.alloc(0)), { authorization: `Bearer ${token}   ` });
    // RFC 9113 §8.2.1 forbids trailing whitespace in a field value; Node passes it on, and the token is read without it.
    expect(response.status).toBe(grpc.status.OK);
  });

  it('twice in one call (python3-grpcio sends both fields) is UNAUTHENTICATED, whichever comes first', async () => {
    await start();
    const good = await mint();
    const forged = await mint({}, { kid: 'unknown' });
    for (const headers of [
      [
        ['authorization', `Bearer ${good}`],
        ['authorization', `Bearer ${forged}`],
      ],
      [
        ['authorization', `Bearer ${forged}`],
        ['authorization', `Bearer ${good}`],
      ],
      [
        ['authorization', 'Basic YWxpY2U6czNjcmV0'],
        ['authorization', `Bearer ${good}`],
      ],
    ] as [string, string][][]) {
      expect(await python(running!.port, headers)).toMatchObject({ code: 'UNAUTHENTICATED' });
    }
  });
});

describe('the same bad token sent 10,000 times', () => {
  it('is refused every time and logged at info at most once per window, the rest at debug', async () => {
    const c = await start();
    const forged = await mint({}, { kid: 'unknown' });
    let refused = 0;
    const worker = async (): Promise<void> => {
      for (let i = 0; i < 100; i++) {
        const result = (await outcome(c, bearer(forged))) as { code?: string };
        if (result.code === 'UNAUTHENTICATED') refused++;
      }
    };
    await Promise.all(Array.from({ length: 100 }, worker));
    expect(refused).toBe(10_000);
    const info = lines.filter((l) => l['level'] === 30 && String(l['msg']).startsWith('bearer token'));
    expect(info.length).toBeLessThanOrEqual(2);
  }, 120_000);
});

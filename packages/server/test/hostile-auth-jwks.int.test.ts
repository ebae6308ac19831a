import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { SwitchboardError, defineModule } from '@switchboard/core';
import { SignJWT, exportJWK, generateKeyPair, type CryptoKey, type JWK } from 'jose';
import { startServer, type RunningServer } from '../src/start-server';
import { AUDIENCE, ISSUER, WhoAmI, bearer, echoClient, identityOf } from './auth-fixtures';
import { memoryLogger, unary, type EchoHarness } from './harness';
import { type EchoReply, grpcFrame, rawExchange } from '@switchboard/test-support';

/** An ES256 key: its public JWK (with kid) and a minter of tokens it signs. */
interface Key {
  readonly jwk: JWK;
  mint(sub?: string): Promise<string>;
}

async function makeKey(kid: string): Promise<Key> {
  const { publicKey, privateKey } = await generateKeyPair('ES256');
  const jwk = { ...(await exportJWK(publicKey)), kid, alg: 'ES256', use: 'sig' };
  return { jwk, mint: (sub = 'alice') => sign(privateKey, kid, sub) };
}

function sign(key: CryptoKey, kid: string, sub: string): Promise<string> {
  return new SignJWT({ iss: ISSUER, aud: AUDIENCE, sub }).setProtectedHeader({ alg: 'ES256', kid }).setIssuedAt().setExpirationTime('1h').sign(key);
}

let dir: string;
let first: Key;
let second: Key;
beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'switchboard-hostile-jwks-'));
  first = await makeKey('first');
  second = await makeKey('second');
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
    modules: [defineModule({ name: 'whoami', services: [WhoAmI] })],
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

async function outcome(c: EchoHarness['client'], token: string, deadlineMs?: number): Promise<unknown> {
  return unary<EchoReply>(c, 'Unary', { message: '' }, { metadata: bearer(token), ...(deadlineMs === undefined ? {} : { deadlineMs }) }).then(
    (reply) => identityOf(reply),
    (error: grpc.ServiceError) => ({ code: grpc.status[error.code], details: error.details }),
  );
}

/** A key-set host on 127.0.0.1:0 whose every answer the test decides. */
class KeySetHost {
  readonly requests: string[] = [];
  handle: (request: http.IncomingMessage, response: http.ServerResponse) => void = (_q, r) => r.writeHead(503).end();
  private readonly server = http.createServer((request, response) => {
    this.requests.push(request.url ?? '');
    this.handle(request, response);
  });

  async listen(): Promise<void> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
  }

  url(file = '/jwks.json'): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}${file}`;
  }

  serve(keys: JWK[]): void {
    this.handle = (_q, r) => r.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys }));
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

let host: KeySetHost;
beforeEach(async () => {
  host = new KeySetHost();
  await host.listen();
});
afterEach(() => host.close());

describe('a key-set URL that answers slower than the call may wait', () => {
  it('ends the call with DEADLINE_EXCEEDED at its deadline, on the server too, while the fetch is still pending', async () => {
    let release: (() => void) | undefined;
    host.handle = (_q, r) => {
      release = () => r.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [first.jwk] }));
    };
    await start({ jwksUrl: host.url() });
    // A raw HTTP/2 client enforces no deadline itself: what comes back is the server's own answer.
    const response = await rawExchange(running!.port, '/switchboard.test.Echo/Unary', grpcFrame(Buffer.alloc(0)), {
      authorization: `Bearer ${await first.mint()}`,
      'grpc-timeout': '300m',
    });
    expect(release).toBeDefined();
    expect(response.status).toBe(grpc.status.DEADLINE_EXCEEDED);
    expect(running!.server.callsInFlight).toBe(0);
    release!();
  });
});

describe('a key-set URL that answers too much', () => {
  const FIFTY_MB = 50 * 1024 * 1024;
  /** Answers the key set padded to 50 MB, chunk by chunk as the client reads; resolves to the bytes the client took. */
  function huge(withLength: boolean): Promise<number> {
    return new Promise((resolve) => {
      host.handle = (_q, r) => {
        const head = Buffer.from(`{"keys":[${JSON.stringify(first.jwk)}],"pad":"`);
        const tail = Buffer.from('"}');
        const chunk = Buffer.alloc(64 * 1024, 'x');
        const total = head.length + FIFTY_MB + tail.length;
        r.writeHead(200, { 'content-type': 'application/json', ...(withLength ? { 'content-length': String(total) } : {}) });
        let sent = 0;
        r.on('close', () => resolve(sent));
        r.write(head);
        const pump = (): void => {
          while (sent < FIFTY_MB) {
            sent += chunk.length;
            if (!r.write(chunk)) return void r.once('drain', pump);
          }
          r.end(tail);
        };
        pump();
      };
    });
  }

  it.each([
    ['with a content-length', true],
    ['chunked, without one', false],
  ])('refuses a 50 MB key set %s (UNAVAILABLE) without reading it all', async (_what, withLength) => {
    const taken = huge(withLength);
    const c = await start({ jwksUrl: host.url() });
    expect(await outcome(c, await first.mint())).toEqual({ code: 'UNAVAILABLE', details: 'the keys to verify the bearer token cannot be fetched now' });
    expect(await taken).toBeLessThan(FIFTY_MB);
  });
});

describe('a key-set URL that redirects', () => {
  it('is not followed: UNAVAILABLE, and the other location is never asked', async () => {
    host.handle = (request, response) => {
      if (request.url === '/jwks.json') response.writeHead(302, { location: '/elsewhere.json' }).end();
      else response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [first.jwk] }));
    };
    const c = await start({ jwksUrl: host.url() });
    expect(await outcome(c, await first.mint())).toMatchObject({ code: 'UNAVAILABLE' });
    expect(host.requests).toEqual(['/jwks.json']);
  });
});

describe('a key-set URL that is down at start', () => {
  it('answers UNAVAILABLE while down and verifies tokens on the next call once it is back', async () => {
    const c = await start({ jwksUrl: host.url() });
    expect(await outcome(c, await first.mint())).toMatchObject({ code: 'UNAVAILABLE' });
    host.serve([first.jwk]);
    expect(await outcome(c, await first.mint())).toMatchObject({ subject: 'alice' });
  });
});

describe('a key-set URL that fails after it has answered', () => {
  it('goes on verifying with the keys fetched last, asking the URL again only after a while, and warns once', async () => {
    host.serve([first.jwk]);
    const c = await start({ jwksUrl: host.url(), jwksCacheMs: 1 });
    expect(await outcome(c, await first.mint())).toMatchObject({ subject: 'alice' });
    host.handle = (_q, r) => r.writeHead(503).end();
    // The cache (1 ms) has expired: this call fetches, fails, and falls back.
    expect(await outcome(c, await first.mint('bob'))).toMatchObject({ subject: 'bob' });
    expect(host.requests.length).toBe(2);
    expect(await outcome(c, await first.mint('carol'))).toMatchObject({ subject: 'carol' });
    expect(host.requests.length).toBe(2);
    expect(await outcome(c, await second.mint())).toMatchObject({ code: 'UNAUTHENTICATED' });
    expect(lines.filter((l) => l['msg'] === 'auth.jwt.jwksUrl: the key set cannot be fetched; using the keys fetched last')).toHaveLength(1);
  });
});

describe('tokens naming kids the key set lacks', () => {
  it('make the server fetch the key set again at most once per cooldown, however many arrive', async () => {
    host.serve([first.jwk]);
    const c = await start({ jwksUrl: host.url() });
    expect(await outcome(c, await first.mint())).toMatchObject({ subject: 'alice' });
    const forger = await generateKeyPair('ES256');
    const results = await Promise.all(Array.from({ length: 50 }, async (_, i) => outcome(c, await sign(forger.privateKey, `kid-${i}`, 'mallory'))));
    for (const result of results) expect(result).toMatchObject({ code: 'UNAUTHENTICATED' });
    expect(host.requests.length).toBe(1);
  });
});

describe('auth.jwt.jwksUrl in config', () => {
  async function refused(jwt: Record<string, unknown>): Promise<string> {
    const error = await start(jwt).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(SwitchboardError);
    expect(running).toBeUndefined();
    return (error as Error).message;
  }

  it('refuses plain http to a host that is not loopback, naming the key and the URL', async () => {
    expect(await refused({ jwksUrl: 'http://issuer.example/jwks.json' })).toMatch(
      "SB_ERR_CONFIG: auth.jwt.jwksUrl: 'http://issuer.example/jwks.json' is plain http to a host that is not loopback",
    );
    expect(await refused({ jwksUrl: 'http://10.0.0.7/jwks.json' })).toMatch('is plain http to a host that is not loopback');
  });

  it('accepts plain http to 127.0.0.1, localhost and ::1, and https anywhere', async () => {
    for (const jwksUrl of ['http://127.0.0.1:1/jwks.json', 'http://localhost:1/jwks.json', 'http://[::1]:1/jwks.json', 'https://issuer.example/jwks.json']) {
      await start({ jwksUrl });
      await running!.shutdown(0);
      running = undefined;
      client?.close();
      client = undefined;
    }
  });

  it('refuses another scheme, both jwksFile and jwksUrl, and an empty issuer', async () => {
    expect(await refused({ jwksUrl: 'file:///etc/jwks.json' })).toMatch("auth.jwt.jwksUrl: 'file:///etc/jwks.json' must be an https URL");
    const file = path.join(dir, 'both.json');
    fs.writeFileSync(file, JSON.stringify({ keys: [first.jwk] }));
    expect(await refused({ jwksUrl: host.url(), jwksFile: file })).toBe('SB_ERR_CONFIG: auth.jwt: set jwksFile or jwksUrl, not both');
    expect(await refused({ jwksFile: file, issuer: '' })).toBe('SB_ERR_CONFIG: auth.jwt.issuer: required when jwksFile is set');
  });
});

describe('auth.jwt.jwksFile changed on disk', () => {
  const write = (file: string, keys: JWK[]): void => {
    // Written beside and renamed over, as an editor or a config-management tool does.
    fs.writeFileSync(`${file}.tmp`, JSON.stringify({ keys }));
    fs.renameSync(`${file}.tmp`, file);
  };

  it('trusts a key added and stops trusting a key removed, without a restart', async () => {
    const file = path.join(dir, 'rotating.json');
    write(file, [first.jwk]);
    const c = await start({ jwksFile: file });
    expect(await outcome(c, await second.mint())).toMatchObject({ code: 'UNAUTHENTICATED' });
    write(file, [first.jwk, second.jwk]);
    const tokenOf = await second.mint();
    await untilOutcome(c, tokenOf, { subject: 'alice' });
    write(file, [second.jwk]);
    await untilOutcome(c, await first.mint(), { code: 'UNAUTHENTICATED', details: 'the bearer token is not signed by a trusted key' });
    expect(lines).toContainEqual(expect.objectContaining({ msg: 'auth.jwt.jwksFile: key set re-read' }));
  });

  it('keeps the keys read last when the file is replaced by one that is not a key set, and warns', async () => {
    const file = path.join(dir, 'broken.json');
    write(file, [first.jwk]);
    const c = await start({ jwksFile: file });
    fs.writeFileSync(file, '{"keys": [');
    await untilLogged('auth.jwt.jwksFile: the file changed but is not a readable key set; keeping the keys read last', c, await first.mint());
    expect(await outcome(c, await first.mint())).toMatchObject({ subject: 'alice' });
  });

  it('follows a Kubernetes-style ..data symlink swap', async () => {
    const volume = fs.mkdtempSync(path.join(dir, 'volume-'));
    const version = (name: string, keys: JWK[]): void => {
      fs.mkdirSync(path.join(volume, name));
      fs.writeFileSync(path.join(volume, name, 'jwks.json'), JSON.stringify({ keys }));
    };
    version('..v1', [first.jwk]);
    fs.symlinkSync('..v1', path.join(volume, '..data'));
    fs.symlinkSync('..data/jwks.json', path.join(volume, 'jwks.json'));
    const c = await start({ jwksFile: path.join(volume, 'jwks.json') });
    expect(await outcome(c, await first.mint())).toMatchObject({ subject: 'alice' });
    version('..v2', [second.jwk]);
    fs.symlinkSync('..v2', path.join(volume, '..data_tmp'));
    fs.renameSync(path.join(volume, '..data_tmp'), path.join(volume, '..data'));
    await untilOutcome(c, await second.mint(), { subject: 'alice' });
    expect(await outcome(c, await first.mint())).toMatchObject({ code: 'UNAUTHENTICATED' });
  });

  /** Calls until the outcome matches: the file is re-checked on a call at most once a second. */
  async function untilOutcome(c: EchoHarness['client'], token: string, expected: object): Promise<void> {
    let last: unknown;
    const matches = (): boolean => {
      try {
        expect(last).toMatchObject(expected);
        return true;
      } catch {
        return false;
      }
    };
    const end = Date.now() + 10_000;
    for (last = await outcome(c, token); !matches(); last = await outcome(c, token)) {
      if (Date.now() > end) throw new Error(`still ${JSON.stringify(last)} after 10 s`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  async function untilLogged(msg: string, c: EchoHarness['client'], token: string): Promise<void> {
    const end = Date.now() + 10_000;
    while (!lines.some((l) => l['msg'] === msg)) {
      if (Date.now() > end) throw new Error(`no '${msg}' in the log after 10 s`);
      await outcome(c, token);
      await new Promise((r) => setTimeout(r, 50));
    }
  }
});

import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { Authorize, Service, UseInterceptors, type CallContext, type ServerInterceptor } from '@switchboard/core';
import { SignJWT, exportJWK, generateKeyPair, type CryptoKey, type JWTPayload } from 'jose';
import { Echo, echoProto, type EchoReply, type EchoRequest, type TestCertificates } from '@switchboard/test-support';
import type { EchoHarness } from './harness';

export const ISSUER = 'https://issuer.test';
export const AUDIENCE = 'switchboard-test';

/** An ES256 key pair, its public half as a JWKS file, and a minter of tokens it signs. */
export interface TestIssuer {
  readonly jwks: { keys: object[] };
  readonly jwksFile: string;
  /** A token for `sub` with `claims`, issued now for an hour unless the claims say otherwise. */
  mint(claims?: JWTPayload & { sub?: string }, options?: { key?: CryptoKey; kid?: string; alg?: string }): Promise<string>;
}

export async function makeIssuer(dir: string, kid = 'test-key'): Promise<TestIssuer> {
  const { publicKey, privateKey } = await generateKeyPair('ES256');
  const jwks = { keys: [{ ...(await exportJWK(publicKey)), kid, alg: 'ES256', use: 'sig' }] };
  const jwksFile = path.join(dir, `${kid}.jwks.json`);
  fs.writeFileSync(jwksFile, JSON.stringify(jwks));
  return {
    jwks,
    jwksFile,
    mint: (claims = {}, options = {}) =>
      new SignJWT({ iss: ISSUER, aud: AUDIENCE, sub: 'alice', ...claims })
        .setProtectedHeader({ alg: options.alg ?? 'ES256', kid: options.kid ?? kid })
        .setIssuedAt()
        .setExpirationTime(claims.exp ?? '1h')
        .sign(options.key ?? privateKey),
  };
}

/** A client certificate signed by the test CA (or `other-ca`) with the given subject and subjectAltName (an openssl extension value). */
export function clientCertificate(certs: TestCertificates, name: string, subject: string, san: string, ca = 'ca'): { cert: string; key: string } {
  const run = (args: string[]): void => {
    const result = spawnSync('openssl', args, { cwd: certs.dir, encoding: 'utf8' });
    if (result.status !== 0) throw new Error(`openssl ${args.join(' ')} failed:\n${result.stderr}`);
  };
  run(['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', subject]);
  // subjectAltName last, so that `san` may be `@section` followed by that section.
  fs.writeFileSync(path.join(certs.dir, `${name}.ext`), `extendedKeyUsage=clientAuth\nsubjectAltName=${san}\n`);
  run([
    'x509',
    '-req',
    '-in',
    `${name}.csr`,
    '-CA',
    `${ca}.pem`,
    '-CAkey',
    `${ca}.key`,
    '-CAcreateserial',
    '-days',
    '2',
    '-extfile',
    `${name}.ext`,
    '-out',
    `${name}.pem`,
  ]);
  return { cert: path.join(certs.dir, `${name}.pem`), key: path.join(certs.dir, `${name}.key`) };
}

/** What `ctx.identity` was, as the handlers below send it back: JSON in `message`. */
export const identityOf = (reply: EchoReply): unknown => JSON.parse(reply.message) as unknown;

/** Records, by name, the interceptors and handlers a call went through. */
export const trace: string[] = [];
export const tracer = (name: string): ServerInterceptor =>
  async function* (call, next) {
    trace.push(name);
    yield* next(call);
  };

/**
 * `switchboard.test.Echo` answering with the caller's identity. Unary is open;
 * ServerStream needs subject alice; ClientStream the scope `echo:write`; Bidi
 * the role admin and a token (not a certificate).
 */
@Service(Echo)
@UseInterceptors(tracer('service'))
export class WhoAmI {
  async Unary(_request: EchoRequest, ctx: CallContext): Promise<EchoReply> {
    return { message: JSON.stringify(ctx.identity ?? null) };
  }

  @Authorize({ subjects: ['alice', 'spiffe://acme.test/ns/prod/sa/billing'] })
  async *ServerStream(request: EchoRequest, ctx: CallContext): AsyncIterable<EchoReply> {
    trace.push('handler');
    for (let index = 0; index < request.count; index++) yield { message: ctx.identity?.subject ?? '', index };
  }

  @Authorize({ scopes: ['echo:write'] })
  async ClientStream(requests: AsyncIterable<EchoRequest>): Promise<EchoReply> {
    const parts: string[] = [];
    for await (const request of requests) parts.push(request.message);
    return { message: parts.join(',') };
  }

  @Authorize({ roles: ['admin'], when: (identity) => identity.token !== undefined })
  async *Bidi(requests: AsyncIterable<EchoRequest>): AsyncIterable<EchoReply> {
    trace.push('handler');
    for await (const request of requests) yield { message: request.message };
  }
}

/** The same service guarded as a whole (any caller with scope `echo`), and its Unary also by subject bob. */
@Service(Echo)
@Authorize({ scopes: ['echo'] })
export class GuardedEcho extends WhoAmI {
  @Authorize({ subjects: ['bob'] })
  override async Unary(request: EchoRequest, ctx: CallContext): Promise<EchoReply> {
    return super.Unary(request, ctx);
  }
}

/** A raw grpc-js client of Echo. */
export function echoClient(port: number, credentials = grpc.credentials.createInsecure()): EchoHarness['client'] {
  const pkg = grpc.loadPackageDefinition(echoProto.definition) as unknown as { switchboard: { test: { Echo: grpc.ServiceClientConstructor } } };
  return new pkg.switchboard.test.Echo(`127.0.0.1:${port}`, credentials) as EchoHarness['client'];
}

/** Metadata with `authorization: Bearer <token>`. */
export function bearer(token: string): grpc.Metadata {
  const md = new grpc.Metadata();
  md.set('authorization', `Bearer ${token}`);
  return md;
}

/** A server-streaming call's replies, or its error. */
export function serverStream(client: EchoHarness['client'], request: object, metadata = new grpc.Metadata()): Promise<EchoReply[]> {
  return new Promise((resolve, reject) => {
    const replies: EchoReply[] = [];
    const call = (client['ServerStream'] as (r: object, m: grpc.Metadata) => grpc.ClientReadableStream<EchoReply>)(request, metadata);
    call.on('data', (reply: EchoReply) => replies.push(reply));
    call.on('error', reject);
    call.on('end', () => resolve(replies));
  });
}

/** A bidi call that sends `messages` and half-closes: the replies, or its error. */
export function bidi(client: EchoHarness['client'], messages: string[], metadata = new grpc.Metadata()): Promise<EchoReply[]> {
  return new Promise((resolve, reject) => {
    const replies: EchoReply[] = [];
    const call = (client['Bidi'] as (m: grpc.Metadata) => grpc.ClientDuplexStream<object, EchoReply>)(metadata);
    call.on('data', (reply: EchoReply) => replies.push(reply));
    call.on('error', reject);
    call.on('end', () => resolve(replies));
    for (const message of messages) call.write({ message });
    call.end();
  });
}

/** A client-streaming call that sends `messages`: the reply, or its error. */
export function clientStream(client: EchoHarness['client'], messages: string[], metadata = new grpc.Metadata()): Promise<EchoReply> {
  return new Promise((resolve, reject) => {
    const call = (client['ClientStream'] as (m: grpc.Metadata, cb: (e: grpc.ServiceError | null, r: EchoReply) => void) => grpc.ClientWritableStream<object>)(
      metadata,
      (error, reply) => (error ? reject(error) : resolve(reply)),
    );
    for (const message of messages) call.write({ message });
    call.end();
  });
}

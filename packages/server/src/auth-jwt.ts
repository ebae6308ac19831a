import * as fs from 'node:fs';
import { SwitchboardError } from '@switchboard/core';
import { createLocalJWKSet, createRemoteJWKSet, errors, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import type { AuthConfig } from './auth-config';
import type { VerifiedToken } from './auth-identity';

/** Verifies a bearer token; rejects with a reason safe to send when it is not valid. @internal */
export type TokenVerifier = (token: string) => Promise<VerifiedToken>;

/**
 * Why a token was refused, in words that reveal nothing of the server's keys
 * or config; `unavailable` when the key set could not be fetched. @internal
 */
export class TokenRejected extends Error {
  constructor(
    message: string,
    readonly unavailable = false,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/**
 * The verifier `auth.jwt` configures, or `undefined` when it names no key set.
 * A key-set file is read and parsed now, so a wrong path or bad JSON is an
 * SB_ERR_CONFIG naming the key and the file before anything listens; a URL is
 * fetched by jose when a token names a key it does not know yet, and cached.
 */
export function createTokenVerifier(jwt: AuthConfig['auth']['jwt']): TokenVerifier | undefined {
  const at = 'auth.jwt';
  if (jwt.jwksFile === '' && jwt.jwksUrl === '') return undefined;
  if (jwt.jwksFile !== '' && jwt.jwksUrl !== '') throw configError(`${at}: set jwksFile or jwksUrl, not both`);
  for (const key of ['issuer', 'audience'] as const) {
    if (jwt[key] === '') throw configError(`${at}.${key}: required when ${jwt.jwksFile !== '' ? 'jwksFile' : 'jwksUrl'} is set`);
  }
  const keys = jwt.jwksFile !== '' ? readKeySet(`${at}.jwksFile`, jwt.jwksFile) : remoteKeySet(`${at}.jwksUrl`, jwt.jwksUrl);
  const options = { issuer: jwt.issuer, audience: jwt.audience, algorithms: jwt.algorithms, clockTolerance: jwt.clockToleranceMs / 1000 };
  return async (token) => {
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, keys, options));
    } catch (error) {
      const unavailable = isKeySetOutage(error);
      throw new TokenRejected(unavailable ? 'the keys to verify the bearer token cannot be fetched now' : reason(error), unavailable, { cause: error });
    }
    if (typeof payload.sub !== 'string' || payload.sub === '') throw new TokenRejected('the bearer token has no subject (sub)');
    return {
      token: {
        subject: payload.sub,
        issuer: payload.iss ?? '',
        audience: typeof payload.aud === 'string' ? [payload.aud] : (payload.aud ?? []),
        expiresAt: payload.exp === undefined ? undefined : new Date(payload.exp * 1000),
        claims: payload,
      },
      scopes: scopesOf(payload),
      roles: list(claimAt(payload, jwt.rolesClaim)),
    };
  };
}

function readKeySet(key: string, file: string): JWTVerifyGetKey {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    throw configError(`${key}: cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`, error);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw configError(`${key}: ${file} is not JSON: ${(error as Error).message}`, error);
  }
  try {
    return createLocalJWKSet(parsed as Parameters<typeof createLocalJWKSet>[0]);
  } catch (error) {
    throw configError(`${key}: ${file} is not a JSON Web Key Set ({"keys": [...]}): ${(error as Error).message}`, error);
  }
}

function remoteKeySet(key: string, url: string): JWTVerifyGetKey {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch (error) {
    throw configError(`${key}: '${url}' is not a URL`, error);
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') throw configError(`${key}: '${url}' must be an https (or http) URL`);
  return createRemoteJWKSet(parsed);
}

/** What the caller is told: the kind of failure, never the key, the expected values or the library's words. */
function reason(error: unknown): string {
  if (error instanceof errors.JWTExpired) return 'the bearer token has expired';
  if (error instanceof errors.JWTClaimValidationFailed) return `the bearer token's ${error.claim} claim is not accepted`;
  if (error instanceof errors.JWKSNoMatchingKey || error instanceof errors.JWSSignatureVerificationFailed)
    return 'the bearer token is not signed by a trusted key';
  if (error instanceof errors.JOSEAlgNotAllowed) return "the bearer token's algorithm is not accepted";
  return 'the bearer token is malformed';
}

/** The key set URL timed out, failed or answered something else than a key set: not the caller's fault. */
function isKeySetOutage(error: unknown): boolean {
  return (
    error instanceof errors.JWKSTimeout || error instanceof errors.JWKSInvalid || !(error instanceof errors.JOSEError) || error.code === 'ERR_JOSE_GENERIC'
  );
}

function scopesOf(payload: JWTPayload): string[] {
  // RFC 8693 §4.2: a space-separated string; some issuers (Azure AD, Okta) send `scp`, as a string or a list.
  const scope = payload['scope'] ?? payload['scp'];
  return typeof scope === 'string' ? scope.split(' ').filter((s) => s !== '') : list(scope);
}

function claimAt(payload: JWTPayload, path: string): unknown {
  let value: unknown = payload;
  for (const part of path.split('.')) value = typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[part] : undefined;
  return value;
}

function list(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

function configError(message: string, cause?: unknown): SwitchboardError {
  return new SwitchboardError('SB_ERR_CONFIG', message, cause === undefined ? undefined : { cause });
}

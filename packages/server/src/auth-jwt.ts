import * as fs from 'node:fs';
import { SwitchboardError, type Logger } from '@switchboard/core';
import { createLocalJWKSet, createRemoteJWKSet, errors, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import type { AuthConfig } from './auth-config';
import type { VerifiedToken } from './auth-identity';
import { KEY_SET_FETCH } from './auth-jwks-fetch';

/** A key-set file is checked for a change at most this often, when a token is verified. */
const FILE_RECHECK_MS = 1000;
/** After a key-set URL failed, calls use the keys fetched last without asking it again for this long. */
const URL_RETRY_MS = 30_000;

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
 * SB_ERR_CONFIG naming the key and the file before anything listens, and read
 * again when it changes (see {@link fileKeySet}); a URL (https, or http to a
 * loopback address only) is fetched by jose when a token names a key it does
 * not know yet, and cached (see {@link remoteKeySet}). Every token must carry
 * `exp`: one without would be valid forever.
 */
export function createTokenVerifier(jwt: AuthConfig['auth']['jwt'], logger: Logger): TokenVerifier | undefined {
  const at = 'auth.jwt';
  if (jwt.jwksFile === '' && jwt.jwksUrl === '') return undefined;
  if (jwt.jwksFile !== '' && jwt.jwksUrl !== '') throw configError(`${at}: set jwksFile or jwksUrl, not both`);
  for (const key of ['issuer', 'audience'] as const) {
    if (jwt[key] === '') throw configError(`${at}.${key}: required when ${jwt.jwksFile !== '' ? 'jwksFile' : 'jwksUrl'} is set`);
  }
  const keys = jwt.jwksFile !== '' ? fileKeySet(`${at}.jwksFile`, jwt.jwksFile, logger) : remoteKeySet(`${at}.jwksUrl`, jwt.jwksUrl, jwt.jwksCacheMs, logger);
  const options = {
    issuer: jwt.issuer,
    audience: jwt.audience,
    algorithms: jwt.algorithms,
    clockTolerance: jwt.clockToleranceMs / 1000,
    requiredClaims: ['exp'],
  };
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

/**
 * A key-set file, read now and read again when a verification finds it
 * changed (size, mtime or inode: an edit, a rename over it, a Kubernetes
 * `..data` symlink swap), checked at most once per {@link FILE_RECHECK_MS}: a
 * key added for a rotation is trusted, and a key removed (revoked) is no
 * longer, within about a second, with no restart and no watcher. A changed
 * file that cannot be read or is not a key set is logged at warn and the keys
 * read last are kept.
 */
function fileKeySet(key: string, file: string, logger: Logger): JWTVerifyGetKey {
  let stat = fs.statSync(file, { throwIfNoEntry: false });
  let keys = readKeySet(key, file, () => fs.readFileSync(file, 'utf8'));
  let checkedAt = Date.now();
  const recheck = async (): Promise<void> => {
    const now = await fs.promises.stat(file).catch(() => undefined);
    if (now !== undefined && stat !== undefined && now.mtimeMs === stat.mtimeMs && now.ino === stat.ino && now.size === stat.size) return;
    try {
      const text = await fs.promises.readFile(file, 'utf8');
      keys = readKeySet(key, file, () => text);
      stat = now;
      logger.info({ jwksFile: file }, `${key}: key set re-read`);
    } catch (error) {
      logger.warn({ err: error, jwksFile: file }, `${key}: the file changed but is not a readable key set; keeping the keys read last`);
      stat = now;
    }
  };
  return async (header, token) => {
    if (Date.now() - checkedAt >= FILE_RECHECK_MS) {
      checkedAt = Date.now();
      await recheck();
    }
    return keys(header, token);
  };
}

function readKeySet(key: string, file: string, read: () => string): ReturnType<typeof createLocalJWKSet> {
  let text: string;
  try {
    text = read();
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

/**
 * A key-set URL, fetched by jose (see {@link KEY_SET_FETCH}) and used for
 * `cacheMs`. Plain http is refused unless the host is a loopback address:
 * whoever can change the keys in transit can sign any token. When a fetch
 * fails after one succeeded, the keys fetched last go on being used (logged
 * at warn), and the URL is asked again only after {@link URL_RETRY_MS}: an
 * issuer's outage neither refuses every token nor makes every call wait on
 * the URL.
 */
function remoteKeySet(key: string, url: string, cacheMs: number, logger: Logger): JWTVerifyGetKey {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch (error) {
    throw configError(`${key}: '${url}' is not a URL`, error);
  }
  if (parsed.protocol === 'http:' && !isLoopback(parsed.hostname)) {
    throw configError(
      `${key}: '${url}' is plain http to a host that is not loopback; anyone on the path could swap the keys and sign any token. Use https (http is allowed for 127.0.0.1, ::1 and localhost)`,
    );
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') throw configError(`${key}: '${url}' must be an https URL`);
  const remote = createRemoteJWKSet(parsed, { ...KEY_SET_FETCH, cacheMaxAge: cacheMs });
  let stale: ReturnType<typeof createLocalJWKSet> | undefined;
  let failedAt = -Infinity;
  return async (header, token) => {
    if (stale !== undefined && Date.now() - failedAt < URL_RETRY_MS) return stale(header, token);
    try {
      const found = await remote(header, token);
      stale = undefined;
      return found;
    } catch (error) {
      const last = remote.jwks();
      if (last === undefined || !isKeySetOutage(error)) throw error;
      if (stale === undefined) logger.warn({ err: error, jwksUrl: url }, `${key}: the key set cannot be fetched; using the keys fetched last`);
      stale ??= createLocalJWKSet(last);
      failedAt = Date.now();
      return stale(header, token);
    }
  };
}

function isLoopback(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '[::1]' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(hostname);
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

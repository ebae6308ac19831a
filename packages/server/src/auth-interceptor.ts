import { Code, RpcError, observe, type Logger, type ServerInterceptor } from '@switchboard/core';
import { createTokenVerifier, TokenRejected, type TokenVerifier } from './auth-jwt';
import type { AuthConfig } from './auth-config';
import { RefusalLog } from './auth-refusal-log';
import { ServerCallContext } from './server-call-context';

/** A value whose scheme is Bearer, well formed or not (RFC 7235 §2.1: the scheme is case-insensitive). */
const BEARER_SCHEME = /^bearer(?:\s|$)/i;
/** `Bearer <b64token>`, RFC 6750 §2.1: one token, spaces between, nothing else. */
const BEARER = /^bearer +([A-Za-z0-9\-._~+/]+=*) *$/i;

/**
 * The interceptor that verifies bearer tokens (`authorization: Bearer <JWT>`)
 * against `auth.jwt` and puts the caller on `ctx.identity`; `undefined` when
 * `auth.jwt` names no key set. A call without an `authorization` header, or
 * with another scheme, goes on without a token identity (a guard decides); a
 * token that is malformed, expired, for another issuer or audience, or not
 * signed by a trusted key ends the call with UNAUTHENTICATED, whatever the
 * method, and so does a `Bearer` value that is not one token or a call with
 * more than one `authorization` field. Verifying never outlives the call: a
 * call whose deadline passes (or that is cancelled) while the key set is
 * being fetched ends with that status at once. Refusals are logged at info
 * at most once per {@link RefusalLog} window, the rest at debug.
 * `startServer` places it after the metrics and access-log interceptors and
 * before every other one; give it to a bare `SwitchboardServer` among its
 * global interceptors.
 *
 * @example
 * const auth = createAuthentication(config.auth, logger);
 * const server = new SwitchboardServer({ config: config.server, logger, interceptors: auth ? [auth] : [] });
 */
export function createAuthentication(config: AuthConfig['auth'], logger: Logger): ServerInterceptor | undefined {
  const verify = createTokenVerifier(config.jwt, logger);
  return verify === undefined ? undefined : authentication(verify, new RefusalLog(logger));
}

/** The interceptors `authentication` made: a server that runs one keeps every `authorization` field (see `keepRepeatedAuthorization`). */
const verifiesTokens = new WeakSet<ServerInterceptor>();

/** Whether `interceptor` verifies bearer tokens, and so needs every `authorization` field of a request. @internal */
export function readsEveryAuthorization(interceptor: ServerInterceptor): boolean {
  return verifiesTokens.has(interceptor);
}

function authentication(verify: TokenVerifier, refusals: RefusalLog): ServerInterceptor {
  const interceptor = observe({
    async onStart({ ctx }) {
      const values = ctx.metadata.get('authorization');
      if (values.length === 0) return;
      if (!values.some((v) => typeof v === 'string' && BEARER_SCHEME.test(v))) return;
      if (!(ctx instanceof ServerCallContext)) throw new Error('the authentication interceptor runs only in a Switchboard server');
      const refuse = (error: TokenRejected): RpcError => {
        refusals.record({ method: ctx.method.path, peer: ctx.peer, reason: (error.cause as Error | undefined)?.message ?? error.message });
        return new RpcError(error.unavailable ? Code.UNAVAILABLE : Code.UNAUTHENTICATED, error.message);
      };
      // Node keeps only the first of repeated fields; keepRepeatedAuthorization restores the others.
      if (values.length > 1) throw refuse(new TokenRejected('more than one authorization header'));
      const token = BEARER.exec(values[0] as string)?.[1];
      if (token === undefined) throw refuse(new TokenRejected('the authorization header is not "Bearer <token>"'));
      try {
        ctx.authenticate(await untilCallEnds(verify(token), ctx));
      } catch (error) {
        if (!(error instanceof TokenRejected)) throw error;
        throw refuse(error);
      }
    },
  });
  verifiesTokens.add(interceptor);
  return interceptor;
}

/** `work`'s outcome, or the call's abort reason (DEADLINE_EXCEEDED, CANCELLED) as soon as it ends first. */
function untilCallEnds<T>(work: Promise<T>, ctx: ServerCallContext): Promise<T> {
  const ended = ctx.abortReason;
  if (ended !== undefined) {
    work.catch(() => undefined);
    return Promise.reject(ended);
  }
  return new Promise<T>((resolve, reject) => {
    const stop = ctx.onAbort(reject);
    work.then(
      (value) => {
        stop();
        resolve(value);
      },
      (error: unknown) => {
        stop();
        reject(error instanceof Error ? error : new Error(String(error)));
      },
    );
  });
}

import { Code, RpcError, observe, type Logger, type ServerInterceptor } from '@switchboard/core';
import { createTokenVerifier, TokenRejected, type TokenVerifier } from './auth-jwt';
import type { AuthConfig } from './auth-config';
import { ServerCallContext } from './server-call-context';

const BEARER = /^bearer +(\S+) *$/i;

/**
 * The interceptor that verifies bearer tokens (`authorization: Bearer <JWT>`)
 * against `auth.jwt` and puts the caller on `ctx.identity`; `undefined` when
 * `auth.jwt` names no key set. A call without an `authorization` header, or
 * with another scheme, goes on without a token identity (a guard decides); a
 * token that is malformed, expired, for another issuer or audience, or not
 * signed by a trusted key ends the call with UNAUTHENTICATED, whatever the
 * method. `startServer` places it after the metrics and access-log
 * interceptors and before every other one; give it to a bare
 * `SwitchboardServer` among its global interceptors.
 *
 * @example
 * const auth = createAuthentication(config.auth, logger);
 * const server = new SwitchboardServer({ config: config.server, logger, interceptors: auth ? [auth] : [] });
 */
export function createAuthentication(config: AuthConfig['auth'], logger: Logger): ServerInterceptor | undefined {
  const verify = createTokenVerifier(config.jwt);
  return verify === undefined ? undefined : authentication(verify, logger);
}

function authentication(verify: TokenVerifier, logger: Logger): ServerInterceptor {
  return observe({
    async onStart({ ctx }) {
      const values = ctx.metadata.get('authorization');
      if (values.length === 0) return;
      const bearer = values.map((v) => (typeof v === 'string' ? BEARER.exec(v)?.[1] : undefined));
      if (bearer.every((token) => token === undefined)) return;
      if (values.length > 1) throw new RpcError(Code.UNAUTHENTICATED, 'more than one authorization header');
      if (!(ctx instanceof ServerCallContext)) throw new Error('the authentication interceptor runs only in a Switchboard server');
      try {
        ctx.authenticate(await verify(bearer[0]!));
      } catch (error) {
        if (!(error instanceof TokenRejected)) throw error;
        logger.info({ method: ctx.method.path, peer: ctx.peer, reason: (error.cause as Error | undefined)?.message ?? error.message }, 'bearer token refused');
        throw new RpcError(error.unavailable ? Code.UNAVAILABLE : Code.UNAUTHENTICATED, error.message);
      }
    },
  });
}

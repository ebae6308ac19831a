import { readAuthorization, readService, type Logger } from '@switchboard/core';

/**
 * Logs, at start, which methods `@Authorize` guards and by what, and warns
 * when no auth source is configured: every guarded method then answers
 * UNAUTHENTICATED to everyone. Returns the guarded methods' paths. @internal
 */
export function logGuardedMethods(
  services: readonly (new (...args: never[]) => object)[],
  sources: { readonly jwt: boolean; readonly clientCertificates: boolean },
  logger: Logger,
): string[] {
  const guarded: string[] = [];
  for (const cls of services) {
    for (const method of readService(cls).methods.values()) {
      if (readAuthorization(cls, method.name).length > 0) guarded.push(method.path);
    }
  }
  if (guarded.length === 0) return guarded;
  const by = [...(sources.jwt ? ['bearer JWT (auth.jwt)'] : []), ...(sources.clientCertificates ? ['client certificates (server.tls.clientAuth)'] : [])];
  if (by.length === 0) {
    logger.warn(
      { guarded },
      'guarded methods answer UNAUTHENTICATED to every caller: no auth source is configured (set auth.jwt.jwksFile or jwksUrl, or server.tls.clientAuth request or require)',
    );
  } else {
    logger.info({ guarded, identityFrom: by }, 'guarded methods');
  }
  return guarded;
}

import { setTimeout as sleep } from 'node:timers/promises';
import { channelSecurity, type ClientTlsFiles } from '@switchboard/core';
import { registerResolver } from '../resolvers/register-resolver';
import { lookasideClient, unary } from './lookaside-proto';

/** Options of {@link registerLookasideResolver}. */
export interface LookasideResolverOptions {
  /** `host:port` of the balancer, for targets that do not name one (`lookaside:///service`). */
  readonly balancer?: string;
  /** How often a client asks the balancer again; default 1000 ms. */
  readonly pickIntervalMs?: number;
  /** Bound on each question to the balancer; default 1000 ms. */
  readonly timeoutMs?: number;
  /** TLS to the balancer (`resolvers.lookaside.tls`); plaintext when absent or all empty. */
  readonly tls?: ClientTlsFiles;
}

/**
 * Registers the `lookaside` scheme: a client whose target is
 * `lookaside://<balancer host:port>/<service full name>` (or
 * `lookaside:///<service>` with `options.balancer`) asks the balancer which
 * server to call, connects to that server directly, and asks again every
 * `pickIntervalMs`, moving when the answer changes. If the balancer cannot
 * be reached, clients stay with their last answer; before any answer, calls
 * fail with UNAVAILABLE and the reason.
 */
export function registerLookasideResolver(options: LookasideResolverOptions = {}): void {
  const intervalMs = options.pickIntervalMs ?? 1000;
  const timeoutMs = options.timeoutMs ?? 1000;
  // The files are checked now, with the config, rather than at the first lookaside target.
  const security = options.tls && channelSecurity('resolvers.lookaside.tls', options.tls);
  registerResolver('lookaside', (target) => {
    const service = target.path.replace(/^\/+|\/+$/g, '');
    const balancer = target.authority || options.balancer;
    const client = balancer ? lookasideClient(balancer, security) : undefined;
    const pick = async (): Promise<string> => {
      if (client === undefined) throw new Error('no balancer: use lookaside://host:port/<service> or registerLookasideResolver({ balancer })');
      if (service === '') throw new Error('no service named: the target must be lookaside://host:port/<service full name>');
      try {
        return (await unary(client.Pick, client, { service }, timeoutMs)).address;
      } catch (error) {
        throw new Error(`lookaside balancer at ${balancer}: ${(error as { details?: string }).details ?? (error as Error).message}`);
      }
    };
    let last: string | undefined;
    let lastResolved = 0;
    return {
      async resolve() {
        // grpc-js asks again whenever the server leaves READY, and every answer
        // resets its backoff: answer at most once per interval, or it loops.
        const wait = lastResolved + intervalMs - Date.now();
        if (wait > 0) await sleep(wait, undefined, { ref: false });
        last = await pick();
        lastResolved = Date.now();
        return [last];
      },
      watch(update, fail) {
        let busy = false;
        const timer = setInterval(() => {
          if (busy) return;
          busy = true;
          pick()
            .then(
              (address) => {
                if (address === last) return;
                last = address;
                update([address]);
              },
              (error: unknown) => fail(error as Error),
            )
            .finally(() => (busy = false));
        }, intervalMs);
        timer.unref();
        return () => clearInterval(timer);
      },
      close: () => client?.close(),
    };
  });
}

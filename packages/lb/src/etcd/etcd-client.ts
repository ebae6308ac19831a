import { Etcd3, type IOptions } from 'etcd3';
import type { EtcdConfig } from './etcd-config';
import { etcdCredentials } from './etcd-tls';

type FaultHandling = NonNullable<IOptions['faultHandling']>;
type HostPolicy = ReturnType<NonNullable<FaultHandling['host']>>;
type WatchBackoff = NonNullable<FaultHandling['watchBackoff']>;

/** Retry delays of a watch stream that lost etcd: 100 ms doubling up to 1 s, so a returning etcd is seen within a second. */
class CappedBackoff {
  constructor(readonly duration = 100) {}
  next(): CappedBackoff {
    return new CappedBackoff(Math.min(this.duration * 2, 1000));
  }
}

/**
 * Runs every call straight through. etcd3's default per-host circuit breaker
 * refuses calls for 5 s after three failures, which would keep a registry
 * that came back unseen; our own callers bound and retry their calls.
 */
const passThrough = (): HostPolicy => {
  const noEvent = () => ({ dispose: () => undefined });
  return {
    onSuccess: noEvent,
    onFailure: noEvent,
    execute: async <T>(fn: (context: { signal: AbortSignal }) => PromiseLike<T> | T) => fn({ signal: new AbortController().signal }),
  } as unknown as HostPolicy;
};

/**
 * An etcd client for `config`: each unary request is bounded by
 * `dialTimeoutMs`; streams (watches, lease keep-alives) are not, and grpc
 * keepalive pings notice a registry that went silent.
 * @internal
 */
export function createEtcdClient(config: EtcdConfig): Etcd3 {
  const credentials = etcdCredentials(config);
  return new Etcd3({
    hosts: [...config.endpoints],
    ...(credentials ? { credentials } : {}),
    defaultCallOptions: (context) => (context.isStream ? {} : { deadline: Date.now() + config.dialTimeoutMs }),
    grpcOptions: {
      'grpc.keepalive_time_ms': 10_000,
      'grpc.keepalive_timeout_ms': 5_000,
      'grpc.initial_reconnect_backoff_ms': 100,
      'grpc.max_reconnect_backoff_ms': 1_000,
    },
    faultHandling: {
      host: passThrough,
      watchBackoff: new CappedBackoff() as unknown as WatchBackoff,
    },
  });
}

/** `etcd at http://a, http://b: <why>`, for errors that reach users. @internal */
export function describeEtcdError(config: EtcdConfig, error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return `etcd at ${config.endpoints.join(', ')} is unreachable or failing: ${message.replace(/^\d+ [A-Z_]+: /, '')}`;
}

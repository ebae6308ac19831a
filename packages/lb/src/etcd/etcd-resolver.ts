import { setTimeout as sleep } from 'node:timers/promises';
import type { Etcd3 } from 'etcd3';
import { registerResolver } from '../resolvers/register-resolver';
import { createEtcdClient, describeEtcdError } from './etcd-client';
import type { EtcdConfig } from './etcd-config';
import { etcdCredentials } from './etcd-tls';
import { ServiceWatch, type RegisteredEndpoint } from './service-watch';

/**
 * The least time between two answers to re-resolution requests. grpc-js asks
 * again whenever a subchannel leaves READY, and every answer resets its
 * re-resolution backoff; answering at once would loop without end (with no
 * I/O at all when the answer comes from the watched list) while any server is
 * down or still connecting.
 */
const RESOLVE_INTERVAL_MS = 2000;

/**
 * One etcd client shared by every target that needs it, made on first use
 * and closed when the last target lets go of it.
 * @internal
 */
export class SharedEtcdClient {
  private client: Etcd3 | undefined;
  private users = 0;

  constructor(readonly config: EtcdConfig) {}

  acquire(): Etcd3 {
    this.users++;
    this.client ??= createEtcdClient(this.config);
    return this.client;
  }

  release(): void {
    if (--this.users > 0) return;
    this.users = 0;
    this.client?.close();
    this.client = undefined;
  }
}

/**
 * Registers the `etcd` scheme: a client whose target is
 * `etcd:///<service full name>` calls the servers registered under
 * `<prefix><service full name>/` (see `etcdRegistration`), and follows the
 * registry as it changes: a server that registers receives calls within
 * moments, one whose key is removed (deregistered, or its lease expired)
 * receives no more. If etcd goes away, clients keep the last known servers
 * and catch up when it returns. With nothing registered, or etcd unreachable
 * at the first resolution, calls fail at once with UNAVAILABLE and the reason.
 *
 * @example
 * registerEtcdResolver(config.resolvers.etcd);
 * // clients.orders.target: "etcd:///ecommerce.OrderManagement"
 */
export function registerEtcdResolver(config: EtcdConfig): void {
  // The files are checked now, when the client config is, rather than at the first etcd:/// target.
  etcdCredentials(config);
  const shared = new SharedEtcdClient(config);
  registerResolver('etcd', (target) => {
    const service = target.path.replace(/^\/+|\/+$/g, '');
    const keyPrefix = `${config.prefix}${service}/`;
    const client = shared.acquire();
    let everFound = false;
    const found = (endpoints: RegisteredEndpoint[]): RegisteredEndpoint[] => {
      if (endpoints.length > 0) everFound = true;
      return endpoints;
    };
    const nothingRegistered = () => new Error(`no endpoints registered under '${keyPrefix}' in etcd at ${config.endpoints.join(', ')}`);
    let update: (endpoints: readonly RegisteredEndpoint[]) => void = () => undefined;
    let fail: (error: Error) => void = () => undefined;
    let lastResolved = 0;
    let closing = Promise.resolve();
    const watch = new ServiceWatch(
      client,
      keyPrefix,
      (endpoints) => (found(endpoints).length === 0 && !everFound ? fail(nothingRegistered()) : update(endpoints)),
      (error) => fail(new Error(describeEtcdError(config, error))),
    );
    return {
      async resolve() {
        if (service === '') throw new Error('no service named: the target must be etcd:///<service full name>');
        let endpoints: RegisteredEndpoint[];
        try {
          // The watch pushes every change; answering re-resolution requests at
          // once would make grpc-js ask again at once (see RESOLVE_INTERVAL_MS).
          const wait = lastResolved + RESOLVE_INTERVAL_MS - Date.now();
          if (wait > 0) await sleep(wait, undefined, { ref: false });
          endpoints = found(watch.current ? watch.endpoints : await watch.list());
          lastResolved = Date.now();
        } catch (error) {
          throw new Error(describeEtcdError(config, error));
        }
        // Empty before anything was found: say where we looked. Once servers were
        // found, an empty list is reported as such and calls fail until one registers.
        if (endpoints.length === 0 && !everFound) throw nothingRegistered();
        return endpoints;
      },
      watch(onUpdate, onFail) {
        update = onUpdate;
        fail = onFail;
        if (service !== '') watch.start();
        return () => void (closing = watch.close());
      },
      // The client goes once etcd has ended the watch: closing it first would leave etcd3 reconnecting.
      close: () => void closing.then(() => shared.release()),
    };
  });
}

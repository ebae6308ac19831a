import { Code, RpcError } from '@switchboard/core';
import { describeEtcdError } from '../etcd/etcd-client';
import type { EtcdConfig } from '../etcd/etcd-config';
import { SharedEtcdClient } from '../etcd/etcd-resolver';
import { ServiceWatch } from '../etcd/service-watch';
import type { LoadReport } from './lookaside-proto';

/** Options of {@link LookasideBalancer}. */
export interface LookasideBalancerOptions {
  /** A load report counts for this long; after that the server counts as idle again. Default 5000 ms. */
  readonly reportTtlMs?: number;
}

interface Load {
  inflight: number;
  latencyMs: number;
  at: number;
  /** Picks answered with this server since its last report. */
  picked: number;
}

/**
 * The balancer's state: the servers of each service, learnt from the etcd
 * registry (watched, as `etcd:///` clients do), and the load each server
 * last reported. `pick` answers with the least-loaded one: fewest calls in
 * progress (counting the picks answered since its last report), then the
 * lowest latency. A server that has not reported lately counts as idle.
 */
export class LookasideBalancer {
  private readonly shared: SharedEtcdClient;
  private readonly services = new Map<string, ServiceWatch>();
  private readonly loads = new Map<string, Load>();
  private readonly reportTtlMs: number;
  private closed = false;

  constructor(
    private readonly config: EtcdConfig,
    options: LookasideBalancerOptions = {},
  ) {
    this.shared = new SharedEtcdClient(config);
    this.reportTtlMs = options.reportTtlMs ?? 5000;
  }

  /** The address to call for `service`, or UNAVAILABLE with the reason. */
  async pick(service: string): Promise<string> {
    if (this.closed) throw new RpcError(Code.UNAVAILABLE, 'the lookaside balancer is closed');
    if (service === '') throw new RpcError(Code.INVALID_ARGUMENT, 'service must name a service, e.g. "ecommerce.OrderManagement"');
    const watch = this.watch(service);
    let endpoints = watch.endpoints;
    if (!watch.current) {
      try {
        endpoints = await watch.list();
      } catch (error) {
        // etcd away: go on with what the watch last knew, if anything.
        if (endpoints.length === 0) throw new RpcError(Code.UNAVAILABLE, describeEtcdError(this.config, error));
      }
    }
    if (endpoints.length === 0) throw new RpcError(Code.UNAVAILABLE, `no endpoints registered under '${watch.keyPrefix}'`);
    const now = Date.now();
    let best: { address: string; load: Load | undefined; score: [number, number] } | undefined;
    for (const { address } of endpoints) {
      const load = this.loads.get(address);
      const fresh = load !== undefined && now - load.at <= this.reportTtlMs;
      const score: [number, number] = [(fresh ? load.inflight : 0) + (load?.picked ?? 0), fresh ? load.latencyMs : 0];
      if (best === undefined || score[0] < best.score[0] || (score[0] === best.score[0] && score[1] < best.score[1])) {
        best = { address, load, score };
      }
    }
    const chosen = best!;
    if (chosen.load === undefined) this.loads.set(chosen.address, { inflight: 0, latencyMs: 0, at: 0, picked: 1 });
    else chosen.load.picked++;
    return chosen.address;
  }

  /** Records a server's load. */
  report(report: LoadReport): void {
    if (report.address === '') throw new RpcError(Code.INVALID_ARGUMENT, 'address must be the host:port the server is registered with');
    this.loads.set(report.address, {
      inflight: Math.max(0, report.inflight),
      latencyMs: Math.max(0, report.latency_ms),
      at: Date.now(),
      picked: 0,
    });
  }

  /** Stops watching etcd and closes the client (once etcd has ended the watches, a second at most). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const watches = [...this.services.values()];
    this.services.clear();
    await Promise.all(watches.map((watch) => watch.close().then(() => this.shared.release())));
  }

  private watch(service: string): ServiceWatch {
    let watch = this.services.get(service);
    if (watch === undefined) {
      watch = new ServiceWatch(
        this.shared.acquire(),
        `${this.config.prefix}${service}/`,
        () => undefined,
        () => undefined,
      );
      this.services.set(service, watch);
      watch.start();
    }
    return watch;
  }
}

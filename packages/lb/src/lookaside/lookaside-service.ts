import { Service, bindValue, createToken, inject, resolve, type AppModule } from '@switchboard/core';
import { readEtcdConfig } from '../etcd/etcd-config';
import { LookasideBalancer, type LookasideBalancerOptions } from './lookaside-balancer';
import { Lookaside, type LoadReport, type PickRequest, type PickResponse, type ReportAck } from './lookaside-proto';

/** The balancer a lookaside server answers from. */
export const LookasideBalancerToken = createToken<LookasideBalancer>('lb/LookasideBalancer');

/** `switchboard.lb.v1.Lookaside`: answers `Pick` and takes `Report`s, from the bound {@link LookasideBalancer}. */
@Service(Lookaside)
export class LookasideService {
  constructor(@inject(LookasideBalancerToken) private readonly balancer: LookasideBalancer) {}

  async Pick(request: PickRequest): Promise<PickResponse> {
    return { address: await this.balancer.pick(request.service) };
  }

  Report(request: LoadReport): ReportAck {
    this.balancer.report(request);
    return {};
  }
}

/**
 * An app module that serves the lookaside balancer, in any Switchboard
 * server or as a process of its own (a server with only this module). It
 * reads `resolvers.etcd` (spread `etcdConfigSchema` into a module's config)
 * to learn the servers of each service.
 *
 * @example
 * await startServer({ modules: [defineModule({ name: 'lb', config: etcdConfigSchema, services: [] }), lookasideModule()] });
 */
export function lookasideModule(options: LookasideBalancerOptions = {}): AppModule<unknown> {
  return {
    name: 'lookaside',
    services: [LookasideService],
    register(container, config) {
      bindValue(container, LookasideBalancerToken, new LookasideBalancer(readEtcdConfig(config, 'lookasideModule'), options));
    },
    async dispose(container) {
      await resolve(container, LookasideBalancerToken).close();
    },
  };
}

export { LookasideBalancer } from './lookaside-balancer';
export type { LookasideBalancerOptions } from './lookaside-balancer';
export { LookasideService, LookasideBalancerToken, lookasideModule } from './lookaside-service';
export { registerLookasideResolver } from './lookaside-resolver';
export type { LookasideResolverOptions } from './lookaside-resolver';
export { lookasideReporter } from './load-reporter';
export type { LookasideReporterOptions } from './load-reporter';
export { Lookaside } from './lookaside-proto';
export type { PickRequest, PickResponse, LoadReport } from './lookaside-proto';

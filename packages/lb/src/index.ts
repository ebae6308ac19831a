export { registerResolver } from './resolvers/register-resolver';
export type { ResolverFactory, ResolverSource, ResolverTarget, EndpointSpec } from './resolvers/register-resolver';
export { installLb } from './install';
export { POLICY_NAMES, registerPolicies, parsePolicyOptions } from './policies/index';
export type { PolicyOptions } from './policies/index';
export { etcdConfigSchema, ETCD_CONFIG_DEFAULTS, registerEtcdResolver, etcdRegistration } from './etcd/index';
export type { EtcdConfig, EtcdTlsConfig, EtcdRegistrationOptions, RegisteredEndpoint } from './etcd/index';
export {
  LookasideBalancer,
  LookasideService,
  LookasideBalancerToken,
  lookasideModule,
  registerLookasideResolver,
  lookasideReporter,
  lookasideConfigSchema,
  Lookaside,
} from './lookaside/index';
export type {
  LookasideBalancerOptions,
  LookasideConfig,
  LookasideResolverOptions,
  LookasideReporterOptions,
  PickRequest,
  PickResponse,
  LoadReport,
} from './lookaside/index';

// ---- for extension authors -------------------------------------------------
export { endpointAttributes } from './endpoint-attributes';
export type { EndpointAttributes } from './endpoint-attributes';

export { registerResolver } from './resolvers/register-resolver';
export type { ResolverFactory, ResolverSource, ResolverTarget, EndpointSpec } from './resolvers/register-resolver';
export { installLb } from './install';

// ---- for extension authors -------------------------------------------------
export { endpointAttributes } from './endpoint-attributes';
export type { EndpointAttributes } from './endpoint-attributes';

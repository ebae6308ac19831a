import { registerLookasideResolver } from './lookaside/lookaside-resolver';
import { registerPolicies } from './policies/index';
import { registerFileResolver } from './resolvers/file-resolver';
import { registerStaticResolver } from './resolvers/static-resolver';

let installed = false;

/**
 * Registers Switchboard's resolvers (static, file, lookaside) and balancing
 * policies with grpc-js, once per process. Clients call it before making
 * channels; `etcd` needs its config: see `registerEtcdResolver`.
 */
export function installLb(): void {
  if (installed) return;
  installed = true;
  registerStaticResolver();
  registerFileResolver();
  registerLookasideResolver();
  registerPolicies();
}

import { isLoadBalancerNameRegistered, registerLoadBalancerType } from '../grpc-experimental';
import { LEAST_REQUEST, LeastRequestBalancer } from './least-request';
import { P2C, P2cBalancer } from './p2c';
import { policyConfigClass } from './policy-config';
import { WEIGHTED_ROUND_ROBIN, WeightedRoundRobinBalancer } from './weighted-round-robin';

export { parsePolicyOptions, type PolicyOptions } from './policy-config';

/**
 * The grpc-js name of each Switchboard policy, by the client's `balancing`
 * value. Ours are prefixed: grpc-js registers its own ORCA-based
 * `weighted_round_robin`, and names are process-wide.
 */
export const POLICY_NAMES = {
  weighted_round_robin: WEIGHTED_ROUND_ROBIN,
  least_request: LEAST_REQUEST,
  p2c: P2C,
} as const;

const BALANCERS = [
  [WEIGHTED_ROUND_ROBIN, WeightedRoundRobinBalancer],
  [LEAST_REQUEST, LeastRequestBalancer],
  [P2C, P2cBalancer],
] as const;

/**
 * Registers the policies with grpc-js (idempotent). A channel then selects
 * one with `loadBalancingConfig: [{ [POLICY_NAMES.p2c]: { healthCheck: { serviceName: '' } } }]`;
 * every policy accepts `healthCheck`, least_request `choiceCount`, p2c `decayMs`.
 */
export function registerPolicies(): void {
  for (const [name, Balancer] of BALANCERS) {
    if (!isLoadBalancerNameRegistered(name)) registerLoadBalancerType(name, Balancer, policyConfigClass(name));
  }
}

import type { TypedLoadBalancingConfig } from '../grpc-experimental';

/**
 * What a Switchboard balancing policy accepts in `loadBalancingConfig`, e.g.
 * `{ "switchboard_p2c": { "healthCheck": { "serviceName": "" } } }`.
 * Unknown keys are ignored (grpc-js does the same with its own policies).
 */
export interface PolicyOptions {
  /**
   * Follow `grpc.health.v1.Health/Watch` of every endpoint for this service
   * (`''`: the whole server) and keep endpoints not SERVING out of rotation
   * (gRFC A17). Absent: no health checking.
   */
  readonly healthCheck?: { readonly serviceName: string };
  /** least_request: how many random endpoints are compared per pick (Envoy's `choice_count`). Default 2. */
  readonly choiceCount: number;
  /** p2c: time constant of the latency and success EWMAs, in ms. Default 600. */
  readonly decayMs: number;
}

export const DEFAULT_CHOICE_COUNT = 2;
/** Kratos' p2c uses 600 ms; go-zero 10 s, which learns too slowly for short-lived clients. */
export const DEFAULT_DECAY_MS = 600;

/**
 * Validates the JSON object of one policy's `loadBalancingConfig` entry.
 * Throws on a malformed field — which grpc-js only logs (at DEBUG) before it
 * falls back to pick_first, so validate a config with this before use.
 */
export function parsePolicyOptions(json: unknown): PolicyOptions {
  const obj = (json ?? {}) as Record<string, unknown>;
  if (typeof obj !== 'object' || Array.isArray(obj)) throw new Error('the config must be an object');
  const fail = (field: string, expected: string): never => {
    throw new Error(`${field} must be ${expected}, got ${JSON.stringify(obj[field])}`);
  };
  let healthCheck: PolicyOptions['healthCheck'];
  if (obj['healthCheck'] !== undefined && obj['healthCheck'] !== null) {
    const hc = obj['healthCheck'] as Record<string, unknown>;
    if (typeof hc !== 'object' || Array.isArray(hc)) fail('healthCheck', '{ "serviceName": string }');
    const serviceName = hc['serviceName'] ?? '';
    if (typeof serviceName !== 'string') fail('healthCheck', '{ "serviceName": string }');
    healthCheck = { serviceName: serviceName as string };
  }
  const choiceCount = obj['choiceCount'] ?? DEFAULT_CHOICE_COUNT;
  if (typeof choiceCount !== 'number' || !Number.isInteger(choiceCount) || choiceCount < 2) fail('choiceCount', 'an integer ≥ 2');
  const decayMs = obj['decayMs'] ?? DEFAULT_DECAY_MS;
  if (typeof decayMs !== 'number' || !(decayMs > 0) || !Number.isFinite(decayMs)) fail('decayMs', 'a positive number');
  return { ...(healthCheck ? { healthCheck } : {}), choiceCount: choiceCount as number, decayMs: decayMs as number };
}

/** A parsed `loadBalancingConfig` entry of one of our policies. */
export class PolicyConfig implements TypedLoadBalancingConfig {
  constructor(
    private readonly policy: string,
    readonly options: PolicyOptions,
  ) {}

  getLoadBalancerName(): string {
    return this.policy;
  }

  toJsonObject(): object {
    return { [this.policy]: this.options };
  }
}

/** The config class grpc-js needs for `registerLoadBalancerType(policy, …)`. */
export function policyConfigClass(policy: string): { new (options: PolicyOptions): PolicyConfig; createFromJson(json: unknown): PolicyConfig } {
  return class extends PolicyConfig {
    constructor(options: PolicyOptions) {
      super(policy, options);
    }

    static createFromJson(json: unknown): PolicyConfig {
      return new this(parsePolicyOptions(json));
    }
  };
}

import type { ChannelControlHelper, PickArgs, PickResult, Picker } from '../grpc-experimental';
import type { EndpointStats } from './call-stats';
import { EndpointBalancer, type ReadyEndpoint } from './endpoint-balancer';
import { randomInt } from './random';

/** The name `p2c` is registered under. */
export const P2C = 'switchboard_p2c';

/** go-zero's `forcePick`: the worse of the two is still taken if nobody picked it for this long, so its numbers stay fresh. */
const FORCE_PICK_MS = 1000;
/** The latency assumed for an endpoint with calls in flight and none ended yet (Kratos and Finagle penalise the unknown the same way). */
const UNMEASURED_PENALTY_MS = 1000;
/** go-zero's `throttleSuccess`: below this success rate an endpoint loses to any healthier one. */
const MIN_SUCCESS = 0.5;

/**
 * The load estimate p2c compares: latency EWMA × (calls in flight + 1), the
 * "peak EWMA" cost of Finagle that go-zero's default balancer uses (go-zero
 * takes the square root of the latency to soften it; we keep it linear, so a
 * 10× slower endpoint needs 10× fewer calls in flight to look as cheap).
 * An endpoint never measured costs 0 while idle — it gets one call to learn
 * from — and a large penalty once that call is in flight.
 */
export function cost(stats: EndpointStats): number {
  if (stats.latencyMs === undefined) return stats.inFlight === 0 ? 0 : UNMEASURED_PENALTY_MS * (stats.inFlight + 1);
  return stats.latencyMs * (stats.inFlight + 1);
}

/**
 * Power of two choices, as go-zero's default `p2c_ewma` balancer does it:
 * draw two distinct READY endpoints at random and take the one with the
 * lower {@link cost}; prefer an endpoint whose success rate is above 50 %
 * over one below; and take the worse one anyway if nothing picked it for a
 * second, so that a recovered endpoint is noticed.
 */
export class P2cPicker implements Picker {
  constructor(private readonly endpoints: readonly ReadyEndpoint[]) {}

  pick(args: PickArgs): PickResult {
    const now = performance.now();
    if (this.endpoints.length === 1) return this.take(this.endpoints[0]!, now, args);
    const n = this.endpoints.length;
    const i = randomInt(n);
    let j = randomInt(n - 1); // two distinct endpoints, uniformly
    if (j >= i) j += 1;
    let better = this.endpoints[i]!;
    let worse = this.endpoints[j]!;
    const betterHealthy = better.stats.success > MIN_SUCCESS;
    const worseHealthy = worse.stats.success > MIN_SUCCESS;
    if (betterHealthy === worseHealthy ? cost(better.stats) > cost(worse.stats) : worseHealthy) [better, worse] = [worse, better];
    if (now - worse.stats.lastPickedAt > FORCE_PICK_MS) return this.take(worse, now, args);
    return this.take(better, now, args);
  }

  private take(endpoint: ReadyEndpoint, now: number, args: PickArgs): PickResult {
    endpoint.stats.lastPickedAt = now;
    return endpoint.pick(args);
  }
}

/** `switchboard_p2c`: see {@link P2cPicker}. Config: `decayMs` (EWMA time constant, default 600), `healthCheck`. */
export class P2cBalancer extends EndpointBalancer {
  constructor(helper: ChannelControlHelper) {
    super(helper, P2C);
  }

  protected createPicker(ready: readonly ReadyEndpoint[]): Picker {
    return new P2cPicker(ready);
  }
}

import type { ChannelControlHelper, PickArgs, PickResult, Picker } from '../grpc-experimental';
import { EndpointBalancer, type ReadyEndpoint } from './endpoint-balancer';

/** The name our static-weight policy is registered under (grpc-js's own `weighted_round_robin` is ORCA-based). */
export const WEIGHTED_ROUND_ROBIN = 'switchboard_weighted_round_robin';

/**
 * Smooth weighted round robin, as nginx does it: every pick adds each
 * endpoint's weight to its running score, takes the endpoint with the highest
 * score and takes the total weight off it. Weights 3:1 give a a b a, a a b a,
 * … — exact shares over every cycle of Σweights picks, interleaved rather
 * than bunched. O(n) a pick, which is fine for the tens of endpoints a client
 * sees (grpc-js's EDF queue is O(log n) but only exact on average).
 */
export class SmoothWeightedPicker implements Picker {
  private readonly scores: number[];
  private readonly total: number;

  constructor(private readonly endpoints: readonly ReadyEndpoint[]) {
    this.scores = endpoints.map(() => 0);
    this.total = endpoints.reduce((sum, e) => sum + e.weight, 0);
  }

  pick(args: PickArgs): PickResult {
    let best = 0;
    for (let i = 0; i < this.endpoints.length; i++) {
      this.scores[i]! += this.endpoints[i]!.weight;
      if (this.scores[i]! > this.scores[best]!) best = i;
    }
    this.scores[best]! -= this.total;
    return this.endpoints[best]!.pick(args);
  }
}

/**
 * `switchboard_weighted_round_robin`: static weights from the resolver
 * (`{ "address", "weight" }` in a file, or a `registerResolver` scheme; read
 * from `endpointAttributes`, default 1) over the READY endpoints. A weight
 * edit reaches the picker with the resolver's next update.
 */
export class WeightedRoundRobinBalancer extends EndpointBalancer {
  constructor(helper: ChannelControlHelper) {
    super(helper, WEIGHTED_ROUND_ROBIN);
  }

  protected createPicker(ready: readonly ReadyEndpoint[]): Picker {
    return new SmoothWeightedPicker(ready);
  }
}

import type { ChannelControlHelper, PickArgs, PickResult, Picker } from '../grpc-experimental';
import { EndpointBalancer, type ReadyEndpoint } from './endpoint-balancer';
import type { PolicyOptions } from './policy-config';
import { randomInt, sampleDistinct } from './random';

/** The name `least_request` is registered under. */
export const LEAST_REQUEST = 'switchboard_least_request';

/**
 * Fewest calls in flight among `choiceCount` endpoints drawn at random
 * (Envoy's least_request, `choice_count` 2 by default), or among all of them
 * when there are no more than `choiceCount`.
 *
 * Why not always all: each channel only knows its own calls in flight, so
 * many clients all sending to "the" least loaded endpoint would herd onto it;
 * comparing two random candidates keeps nearly all the benefit (the "power of
 * two choices") while spreading those mistakes. With few endpoints the sample
 * would be (nearly) all of them anyway, so the scan is exact; it starts at a
 * rotating position so that ties (e.g. sequential calls, all at 0) go round
 * robin rather than to the first endpoint.
 */
export class LeastRequestPicker implements Picker {
  private next = 0;

  constructor(
    private readonly endpoints: readonly ReadyEndpoint[],
    private readonly choiceCount: number,
  ) {}

  pick(args: PickArgs): PickResult {
    const n = this.endpoints.length;
    let best: ReadyEndpoint | undefined;
    if (n <= this.choiceCount) {
      const start = this.next;
      this.next = (this.next + 1) % n;
      for (let k = 0; k < n; k++) {
        const candidate = this.endpoints[(start + k) % n]!;
        if (best === undefined || candidate.stats.inFlight < best.stats.inFlight) best = candidate;
      }
    } else {
      for (const i of sampleDistinct(n, this.choiceCount, randomInt)) {
        const candidate = this.endpoints[i]!;
        if (best === undefined || candidate.stats.inFlight < best.stats.inFlight) best = candidate;
      }
    }
    return best!.pick(args);
  }
}

/** `switchboard_least_request`: see {@link LeastRequestPicker}. Config: `choiceCount` (default 2), `healthCheck`. */
export class LeastRequestBalancer extends EndpointBalancer {
  constructor(helper: ChannelControlHelper) {
    super(helper, LEAST_REQUEST);
  }

  protected createPicker(ready: readonly ReadyEndpoint[], options: PolicyOptions): Picker {
    return new LeastRequestPicker(ready, options.choiceCount);
  }
}

import { connectivityState as State, type ChannelOptions } from '@grpc/grpc-js';
import { endpointAttributes } from '../endpoint-attributes';
import {
  LeafLoadBalancer,
  QueuePicker,
  UnavailablePicker,
  createChildChannelControlHelper,
  endpointToString,
  type ChannelControlHelper,
  type Endpoint,
  type LeafLoadBalancer as Leaf,
  type LoadBalancer,
  type PickArgs,
  type PickResult,
  type Picker,
  type StatusOr,
  type SubchannelInterface,
  type TypedLoadBalancingConfig,
} from '../grpc-experimental';
import { EndpointStats } from './call-stats';
import { HealthWatch } from './health-watch';
import { DEFAULT_DECAY_MS, PolicyConfig, type PolicyOptions } from './policy-config';

/** A READY (and, with health checking, SERVING) endpoint, as a policy's picker sees it. */
export interface ReadyEndpoint {
  /** `host:port`, the key of {@link endpointAttributes}. */
  readonly address: string;
  /** Its weight from the resolver (`endpointAttributes`), a positive number; default 1. */
  readonly weight: number;
  /** This channel's view of its calls; shared by every picker of the balancer. */
  readonly stats: EndpointStats;
  /** Picks this endpoint's connection and counts the call in `stats`. */
  pick(args: PickArgs): PickResult;
}

interface Entry {
  readonly address: string;
  readonly leaf: Leaf;
  readonly stats: EndpointStats;
  /** The subchannel its pick_first child made last. */
  subchannel: SubchannelInterface | null;
  health: HealthWatch | null;
}

/**
 * The shape every Switchboard policy shares, as grpc-js's round_robin and
 * weighted_round_robin do it: one pick_first child (`LeafLoadBalancer`) per
 * endpoint, kept connected; the channel's state is the best of the children's
 * (READY > CONNECTING > TRANSIENT_FAILURE > IDLE); while something is READY
 * a policy-specific picker spreads calls over the READY children, else calls
 * queue while connecting, and fail with UNAVAILABLE and the last error once
 * every endpoint has failed. Re-resolution is requested whenever an endpoint
 * stops being READY, like round_robin.
 *
 * With `healthCheck` in the config, each endpoint's `Health/Watch` is
 * followed (see {@link HealthWatch}); a connected endpoint counts as READY
 * only while SERVING (gRFC A17).
 */
export abstract class EndpointBalancer implements LoadBalancer {
  private readonly entries = new Map<string, Entry>();
  private state: State = State.IDLE;
  private options: PolicyOptions | null = null;
  private updatesPaused = false;
  private lastError: string | null = null;
  private destroyed = false;

  constructor(
    private readonly helper: ChannelControlHelper,
    private readonly policy: string,
  ) {}

  /** A picker over `ready` (never empty), made whenever the set of READY endpoints changes. */
  protected abstract createPicker(ready: readonly ReadyEndpoint[], options: PolicyOptions): Picker;

  getTypeName(): string {
    return this.policy;
  }

  updateAddressList(endpoints: StatusOr<Endpoint[]>, config: TypedLoadBalancingConfig, channelOptions: ChannelOptions, resolutionNote: string): boolean {
    if (!(config instanceof PolicyConfig) || config.getLoadBalancerName() !== this.policy) return false;
    if (!endpoints.ok) {
      // Keep going with the endpoints we have; fail calls only if there are none.
      if (this.entries.size === 0) this.updateState(State.TRANSIENT_FAILURE, new UnavailablePicker(endpoints.error), endpoints.error.details);
      return true;
    }
    this.options = config.options;
    if (endpoints.value.length === 0) {
      this.reset();
      const message = `${this.policy}: no endpoints resolved${resolutionNote ? ` (${resolutionNote})` : ''}`;
      this.updateState(State.TRANSIENT_FAILURE, new UnavailablePicker({ details: message }), message);
      return true;
    }
    this.updatesPaused = true;
    const seen = new Set<string>();
    for (const endpoint of endpoints.value) {
      const name = endpointToString(endpoint);
      seen.add(name);
      const known = this.entries.get(name);
      if (known === undefined) {
        const entry = this.createEntry(endpoint, channelOptions, resolutionNote);
        this.entries.set(name, entry);
        entry.leaf.startConnecting();
      } else if (known.subchannel !== null) {
        // A known endpoint keeps its connection; unlike grpc-js's policies we do
        // not restart its pick_first child: over unreachable endpoints that
        // reports TRANSIENT_FAILURE at once, which asks for re-resolution, which
        // with a resolver that answers at once never ends.
        this.followHealth(known, known.subchannel);
      }
    }
    for (const [name, entry] of this.entries) {
      if (!seen.has(name)) {
        this.destroyEntry(entry);
        this.entries.delete(name);
      }
    }
    this.updatesPaused = false;
    this.calculateAndUpdateState();
    return true;
  }

  exitIdle(): void {
    for (const { leaf } of this.entries.values()) if (leaf.getConnectivityState() === State.IDLE) leaf.exitIdle();
  }

  resetBackoff(): void {
    // The pick_first children have no backoff of their own; subchannels keep theirs.
  }

  destroy(): void {
    this.destroyed = true;
    this.reset();
  }

  private createEntry(endpoint: Endpoint, channelOptions: ChannelOptions, resolutionNote: string): Entry {
    const first = endpoint.addresses[0];
    const address = first && 'port' in first ? `${first.host}:${first.port}` : endpointToString(endpoint);
    const entry: { -readonly [K in keyof Entry]: Entry[K] } = {
      address,
      stats: new EndpointStats(this.options?.decayMs ?? DEFAULT_DECAY_MS),
      subchannel: null,
      health: null,
      leaf: undefined as unknown as Leaf,
    };
    const childHelper = createChildChannelControlHelper(this.helper, {
      updateState: (childState, _picker, errorMessage) => {
        // As round_robin: ask the resolver again whenever a connection is lost.
        if (this.state === State.READY && childState !== State.READY) this.helper.requestReresolution();
        if (errorMessage) this.lastError = errorMessage;
        this.calculateAndUpdateState();
      },
      createSubchannel: (subchannelAddress, subchannelArgs) => {
        const subchannel = this.helper.createSubchannel(subchannelAddress, subchannelArgs);
        entry.subchannel = subchannel;
        this.followHealth(entry, subchannel);
        return subchannel;
      },
    });
    entry.leaf = new LeafLoadBalancer(endpoint, childHelper, channelOptions, resolutionNote);
    return entry;
  }

  /** Keeps one Health/Watch per endpoint, on its current connection, while the config asks for one. */
  private followHealth(entry: Entry, subchannel: SubchannelInterface): void {
    const wanted = this.options?.healthCheck;
    const current = entry.health;
    if (current && wanted && current.subchannel.realSubchannelEquals(subchannel) && current.serviceName === wanted.serviceName) return;
    current?.stop();
    entry.health = wanted ? new HealthWatch(subchannel, wanted.serviceName, () => this.calculateAndUpdateState()) : null;
  }

  private destroyEntry(entry: Entry): void {
    entry.health?.stop();
    entry.health = null;
    entry.subchannel = null;
    entry.leaf.destroy();
  }

  private reset(): void {
    for (const entry of this.entries.values()) this.destroyEntry(entry);
    this.entries.clear();
  }

  /** An endpoint's state with its health folded in (gRFC A17). */
  private stateOf(entry: Entry): State {
    const state = entry.leaf.getConnectivityState();
    if (state !== State.READY || entry.health === null) return state;
    switch (entry.health.state) {
      case 'serving':
        return State.READY;
      case 'pending':
        return State.CONNECTING;
      case 'not_serving':
      case 'failed':
        return State.TRANSIENT_FAILURE;
    }
  }

  private calculateAndUpdateState(): void {
    if (this.updatesPaused || this.destroyed || this.options === null || this.entries.size === 0) return;
    const ready: ReadyEndpoint[] = [];
    let connecting = 0;
    const failures: string[] = [];
    for (const entry of this.entries.values()) {
      const state = this.stateOf(entry);
      if (state === State.READY) ready.push(readyEndpoint(entry));
      else if (state === State.CONNECTING) connecting += 1;
      else if (state === State.TRANSIENT_FAILURE) {
        failures.push(
          entry.leaf.getConnectivityState() === State.READY
            ? `${entry.address} is ${entry.health?.state === 'failed' ? 'failing its health check' : 'NOT_SERVING'}`
            : `${entry.address} is unreachable`,
        );
      }
    }
    if (ready.length > 0) {
      this.updateState(State.READY, this.createPicker(ready, this.options), null);
    } else if (connecting > 0) {
      this.updateState(State.CONNECTING, new QueuePicker(this), null);
    } else if (failures.length > 0) {
      const message = `${this.policy}: no endpoint is ready (${failures.join('; ')}). Last error: ${this.lastError ?? 'none'}`;
      this.updateState(State.TRANSIENT_FAILURE, new UnavailablePicker({ details: message }), message);
    } else {
      this.updateState(State.IDLE, new QueuePicker(this), null);
    }
    // Keep every endpoint connected, as round_robin does.
    this.exitIdle();
  }

  private updateState(state: State, picker: Picker, errorMessage: string | null): void {
    this.state = state;
    this.helper.updateState(state, picker, errorMessage);
  }
}

function readyEndpoint(entry: Entry): ReadyEndpoint {
  const picker = entry.leaf.getPicker();
  const weight = endpointAttributes.get(entry.address)?.weight;
  return {
    address: entry.address,
    weight: typeof weight === 'number' && weight > 0 && Number.isFinite(weight) ? weight : 1,
    stats: entry.stats,
    pick: (args) => entry.stats.track(picker.pick(args)),
  };
}

/** What a resolver knows about an endpoint beyond its address. */
export interface EndpointAttributes {
  /** Relative share of calls under weighted_round_robin; default 1. */
  readonly weight: number;
  readonly metadata: Readonly<Record<string, string>>;
}

const byAddress = new Map<string, EndpointAttributes>();

/**
 * grpc-js endpoints carry addresses only; resolvers record the rest here,
 * by `host:port`, and balancing policies read it back.
 * @internal
 */
export const endpointAttributes = {
  set(address: string, attributes: EndpointAttributes): void {
    byAddress.set(address, attributes);
  },
  get(address: string): EndpointAttributes | undefined {
    return byAddress.get(address);
  },
};

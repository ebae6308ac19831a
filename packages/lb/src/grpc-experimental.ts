/**
 * The one door to `grpc.experimental`. Its API changes in minor releases of
 * grpc-js (which is why @grpc/grpc-js is pinned exactly): everything in this
 * package that needs it imports it from here, so an upgrade touches one file.
 * @internal
 */
import { Metadata, experimental, status, type ChannelOptions } from '@grpc/grpc-js';

export type Endpoint = experimental.Endpoint;
export type SubchannelAddress = experimental.SubchannelAddress;
export type GrpcUri = experimental.GrpcUri;
export type Resolver = experimental.Resolver;
export type ResolverListener = experimental.ResolverListener;
export type LoadBalancer = experimental.LoadBalancer;
export type ChannelControlHelper = experimental.ChannelControlHelper;
export type TypedLoadBalancingConfig = experimental.TypedLoadBalancingConfig;
export type Picker = experimental.Picker;
export type PickArgs = experimental.PickArgs;
export type PickResult = experimental.PickResult;
export type SubchannelInterface = experimental.SubchannelInterface;
export type StatusOr<T> = experimental.StatusOr<T>;
export type LeafLoadBalancer = InstanceType<typeof experimental.LeafLoadBalancer>;
export type ConnectivityStateListener = experimental.ConnectivityStateListener;
export type BackoffTimeout = InstanceType<typeof experimental.BackoffTimeout>;

export const {
  registerResolver: registerGrpcResolver,
  registerLoadBalancerType,
  isLoadBalancerNameRegistered,
  createChildChannelControlHelper,
  LeafLoadBalancer,
  EndpointMap,
  QueuePicker,
  UnavailablePicker,
  PickResultType,
  statusOrFromValue,
  statusOrFromError,
  endpointToString,
  subchannelAddressToString,
  BackoffTimeout,
} = experimental;

/** The constructor shape grpc-js expects of a resolver class. */
export type ResolverClass = (new (target: GrpcUri, listener: ResolverListener, options: ChannelOptions) => Resolver) & {
  getDefaultAuthority(target: GrpcUri): string;
};

/** An UNAVAILABLE status for a resolver or picker to report. */
export function unavailable(details: string) {
  return { code: status.UNAVAILABLE, details, metadata: new Metadata() };
}

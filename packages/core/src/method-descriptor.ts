import type { MethodDefinition } from '@grpc/proto-loader';

/** The four kinds of gRPC call. */
export type MethodKind = 'unary' | 'server_stream' | 'client_stream' | 'bidi';

/** One method of a service, as the proto declares it. */
export interface MethodDescriptor {
  /** `/ecommerce.OrderManagement/addOrder` */
  readonly path: string;
  /** `ecommerce.OrderManagement` */
  readonly service: string;
  /** `addOrder`, as written in the proto. */
  readonly name: string;
  readonly kind: MethodKind;
  /** The serializers grpc-js uses. @internal */
  readonly definition: MethodDefinition<object, object>;
}

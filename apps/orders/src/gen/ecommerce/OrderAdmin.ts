// Original file: proto/order_admin.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { StringValue as _google_protobuf_StringValue, StringValue__Output as _google_protobuf_StringValue__Output } from '../google/protobuf/StringValue';

export interface OrderAdminClient extends grpc.Client {
  cancelOrder(argument: _google_protobuf_StringValue, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_google_protobuf_StringValue__Output>): grpc.ClientUnaryCall;
  cancelOrder(argument: _google_protobuf_StringValue, metadata: grpc.Metadata, callback: grpc.requestCallback<_google_protobuf_StringValue__Output>): grpc.ClientUnaryCall;
  cancelOrder(argument: _google_protobuf_StringValue, options: grpc.CallOptions, callback: grpc.requestCallback<_google_protobuf_StringValue__Output>): grpc.ClientUnaryCall;
  cancelOrder(argument: _google_protobuf_StringValue, callback: grpc.requestCallback<_google_protobuf_StringValue__Output>): grpc.ClientUnaryCall;
  
}

export interface OrderAdminHandlers extends grpc.UntypedServiceImplementation {
  cancelOrder: grpc.handleUnaryCall<_google_protobuf_StringValue__Output, _google_protobuf_StringValue>;
  
}

export interface OrderAdminDefinition extends grpc.ServiceDefinition {
  cancelOrder: MethodDefinition<_google_protobuf_StringValue, _google_protobuf_StringValue, _google_protobuf_StringValue__Output, _google_protobuf_StringValue__Output>
}

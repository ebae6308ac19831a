// Original file: proto/order_management.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { CombinedShipment as _ecommerce_CombinedShipment, CombinedShipment__Output as _ecommerce_CombinedShipment__Output } from '../ecommerce/CombinedShipment';
import type { Order as _ecommerce_Order, Order__Output as _ecommerce_Order__Output } from '../ecommerce/Order';
import type { StringValue as _google_protobuf_StringValue, StringValue__Output as _google_protobuf_StringValue__Output } from '../google/protobuf/StringValue';

export interface OrderManagementClient extends grpc.Client {
  addOrder(argument: _ecommerce_Order, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_google_protobuf_StringValue__Output>): grpc.ClientUnaryCall;
  addOrder(argument: _ecommerce_Order, metadata: grpc.Metadata, callback: grpc.requestCallback<_google_protobuf_StringValue__Output>): grpc.ClientUnaryCall;
  addOrder(argument: _ecommerce_Order, options: grpc.CallOptions, callback: grpc.requestCallback<_google_protobuf_StringValue__Output>): grpc.ClientUnaryCall;
  addOrder(argument: _ecommerce_Order, callback: grpc.requestCallback<_google_protobuf_StringValue__Output>): grpc.ClientUnaryCall;
  
  getOrder(argument: _google_protobuf_StringValue, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_ecommerce_Order__Output>): grpc.ClientUnaryCall;
  getOrder(argument: _google_protobuf_StringValue, metadata: grpc.Metadata, callback: grpc.requestCallback<_ecommerce_Order__Output>): grpc.ClientUnaryCall;
  getOrder(argument: _google_protobuf_StringValue, options: grpc.CallOptions, callback: grpc.requestCallback<_ecommerce_Order__Output>): grpc.ClientUnaryCall;
  getOrder(argument: _google_protobuf_StringValue, callback: grpc.requestCallback<_ecommerce_Order__Output>): grpc.ClientUnaryCall;
  
  processOrders(metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientDuplexStream<_google_protobuf_StringValue, _ecommerce_CombinedShipment__Output>;
  processOrders(options?: grpc.CallOptions): grpc.ClientDuplexStream<_google_protobuf_StringValue, _ecommerce_CombinedShipment__Output>;
  
  searchOrders(argument: _google_protobuf_StringValue, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_ecommerce_Order__Output>;
  searchOrders(argument: _google_protobuf_StringValue, options?: grpc.CallOptions): grpc.ClientReadableStream<_ecommerce_Order__Output>;
  
  updateOrders(metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_google_protobuf_StringValue__Output>): grpc.ClientWritableStream<_ecommerce_Order>;
  updateOrders(metadata: grpc.Metadata, callback: grpc.requestCallback<_google_protobuf_StringValue__Output>): grpc.ClientWritableStream<_ecommerce_Order>;
  updateOrders(options: grpc.CallOptions, callback: grpc.requestCallback<_google_protobuf_StringValue__Output>): grpc.ClientWritableStream<_ecommerce_Order>;
  updateOrders(callback: grpc.requestCallback<_google_protobuf_StringValue__Output>): grpc.ClientWritableStream<_ecommerce_Order>;
  
}

export interface OrderManagementHandlers extends grpc.UntypedServiceImplementation {
  addOrder: grpc.handleUnaryCall<_ecommerce_Order__Output, _google_protobuf_StringValue>;
  
  getOrder: grpc.handleUnaryCall<_google_protobuf_StringValue__Output, _ecommerce_Order>;
  
  processOrders: grpc.handleBidiStreamingCall<_google_protobuf_StringValue__Output, _ecommerce_CombinedShipment>;
  
  searchOrders: grpc.handleServerStreamingCall<_google_protobuf_StringValue__Output, _ecommerce_Order>;
  
  updateOrders: grpc.handleClientStreamingCall<_ecommerce_Order__Output, _google_protobuf_StringValue>;
  
}

export interface OrderManagementDefinition extends grpc.ServiceDefinition {
  addOrder: MethodDefinition<_ecommerce_Order, _google_protobuf_StringValue, _ecommerce_Order__Output, _google_protobuf_StringValue__Output>
  getOrder: MethodDefinition<_google_protobuf_StringValue, _ecommerce_Order, _google_protobuf_StringValue__Output, _ecommerce_Order__Output>
  processOrders: MethodDefinition<_google_protobuf_StringValue, _ecommerce_CombinedShipment, _google_protobuf_StringValue__Output, _ecommerce_CombinedShipment__Output>
  searchOrders: MethodDefinition<_google_protobuf_StringValue, _ecommerce_Order, _google_protobuf_StringValue__Output, _ecommerce_Order__Output>
  updateOrders: MethodDefinition<_ecommerce_Order, _google_protobuf_StringValue, _ecommerce_Order__Output, _google_protobuf_StringValue__Output>
}

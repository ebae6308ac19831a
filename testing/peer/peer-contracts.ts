import * as path from 'node:path';
import type * as grpc from '@grpc/grpc-js';
import type { MethodDefinition } from '@grpc/proto-loader';
import { loadProto, serviceDescriptor } from '@switchboard/core';

// The contracts the python and go peers serve (peer/protos.py compiles the same
// .proto files), for tests that call the peers with our client. Package tests
// take them from here, never from an app's sources: nothing imports an app.
const REPO = path.join(__dirname, '../..');

interface StringValue {
  value?: string;
}
interface StringValue__Output {
  value: string;
}

/** `ecommerce.Order` as the client sends it. */
export interface Order {
  id?: string;
  items?: string[];
  description?: string;
  price?: number | string;
  destination?: string;
}
/** `ecommerce.Order` as the client receives it. */
export interface Order__Output {
  id: string;
  items: string[];
  description: string;
  price: number;
  destination: string;
}
/** `ecommerce.CombinedShipment` as the client receives it. */
export interface CombinedShipment__Output {
  id: string;
  status: string;
  ordersList: Order__Output[];
}
interface CombinedShipment {
  id?: string;
  status?: string;
  ordersList?: Order[];
}

type OrderManagementHandlers = {
  addOrder: grpc.handleUnaryCall<Order__Output, StringValue>;
  getOrder: grpc.handleUnaryCall<StringValue__Output, Order>;
  processOrders: grpc.handleBidiStreamingCall<StringValue__Output, CombinedShipment>;
  searchOrders: grpc.handleServerStreamingCall<StringValue__Output, Order>;
  updateOrders: grpc.handleClientStreamingCall<Order__Output, StringValue>;
};
type OrderManagementDefinition = {
  addOrder: MethodDefinition<Order, StringValue, Order__Output, StringValue__Output>;
  getOrder: MethodDefinition<StringValue, Order, StringValue__Output, Order__Output>;
  processOrders: MethodDefinition<StringValue, CombinedShipment, StringValue__Output, CombinedShipment__Output>;
  searchOrders: MethodDefinition<StringValue, Order, StringValue__Output, Order__Output>;
  updateOrders: MethodDefinition<Order, StringValue, Order__Output, StringValue__Output>;
};

/** `ecommerce.OrderManagement` from apps/orders/proto/order_management.proto, as the peers serve it. */
export const OrderManagement = serviceDescriptor<OrderManagementHandlers, OrderManagementDefinition>(
  loadProto(path.join(REPO, 'apps/orders/proto/order_management.proto')),
  'ecommerce.OrderManagement',
);

interface HelloRequest {
  name?: string;
}
interface HelloRequest__Output {
  name: string;
}
interface HelloReply {
  message?: string;
}
interface HelloReply__Output {
  message: string;
}

/** `helloworld.Greeter` from apps/greeter/proto/helloworld.proto, as the peers serve it. */
export const Greeter = serviceDescriptor<
  { SayHello: grpc.handleUnaryCall<HelloRequest__Output, HelloReply> },
  { SayHello: MethodDefinition<HelloRequest, HelloReply, HelloRequest__Output, HelloReply__Output> }
>(loadProto(path.join(REPO, 'apps/greeter/proto/helloworld.proto')), 'helloworld.Greeter');

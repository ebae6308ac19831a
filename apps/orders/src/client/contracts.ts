import * as path from 'node:path';
import { loadProto, serviceDescriptor } from '@switchboard/core';
import { defineClient } from '@switchboard/client';
import type { GreeterDefinition, GreeterHandlers } from '../gen/helloworld/Greeter';
import { OrderManagement } from '../orders-definition';

/** `helloworld.Greeter`, from the vendored contract, for the same-connection step. */
export const Greeter = serviceDescriptor<GreeterHandlers, GreeterDefinition>(
  loadProto(path.join(__dirname, '../../proto/helloworld.proto')),
  'helloworld.Greeter',
);

/** The clients of the walkthrough: `clients.orders`, `clients.greeter` (same target) and `clients.slowOrders`. */
export const ordersClient = defineClient('orders', OrderManagement, { target: '127.0.0.1:50051' });
export const greeterClient = defineClient('greeter', Greeter, { target: '127.0.0.1:50051' });
export const slowOrdersClient = defineClient('slowOrders', OrderManagement, { target: '127.0.0.1:50052' });

import { defineClient } from '@switchboard/client';
import { Greeter, OrderManagement } from '../gen/services';

/** The clients of the walkthrough: `clients.orders`, `clients.greeter` (same target) and `clients.slowOrders`. */
export const ordersClient = defineClient('orders', OrderManagement, { target: '127.0.0.1:50051' });
export const greeterClient = defineClient('greeter', Greeter, { target: '127.0.0.1:50051' });
export const slowOrdersClient = defineClient('slowOrders', OrderManagement, { target: '127.0.0.1:50052' });

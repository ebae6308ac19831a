// Original file: proto/order_management.proto

import type { Order as _ecommerce_Order, Order__Output as _ecommerce_Order__Output } from '../ecommerce/Order';

export interface CombinedShipment {
  'id'?: (string);
  'status'?: (string);
  'ordersList'?: (_ecommerce_Order)[];
}

export interface CombinedShipment__Output {
  'id': (string);
  'status': (string);
  'ordersList': (_ecommerce_Order__Output)[];
}

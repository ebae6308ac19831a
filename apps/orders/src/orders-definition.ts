import * as path from 'node:path';
import { loadProto, serviceDescriptor } from '@switchboard/core';
import type { OrderManagementDefinition, OrderManagementHandlers } from './gen/ecommerce/OrderManagement';

/** `ecommerce.OrderManagement`, typed by its generated handlers. */
export const OrderManagement = serviceDescriptor<OrderManagementHandlers, OrderManagementDefinition>(
  loadProto(path.join(__dirname, '../proto/order_management.proto')),
  'ecommerce.OrderManagement',
);

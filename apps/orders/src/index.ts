import { LoggerToken, bindValue, defineModule, resolve } from '@switchboard/core';
import { OrderAdminService } from './order-admin-service';
import { OrderManagementService } from './order-management-service';
import { OrdersConfigToken, ordersConfigSchema, type OrdersConfig } from './orders-config';
import { streamMessageInterceptor } from './orders-interceptors';
import { OrderStore, OrderStoreToken } from './order-store';

export { OrderAdmin, OrderManagement } from './gen/services';
export { OrderAdminService, ORDERS_ADMIN_SCOPE } from './order-admin-service';
export { OrderManagementService } from './order-management-service';
export { OrderStore, OrderStoreToken, SAMPLE_ORDERS } from './order-store';
export type { StoredOrder } from './order-store';
export { OrdersConfigToken, ordersConfigSchema } from './orders-config';
export type { OrdersConfig } from './orders-config';
export { streamMessageInterceptor } from './orders-interceptors';
export type { Order, Order__Output } from './gen/ecommerce/Order';
export type { CombinedShipment, CombinedShipment__Output } from './gen/ecommerce/CombinedShipment';
export type { OrderManagementClient } from './gen/ecommerce/OrderManagement';

/**
 * The orders app: `ecommerce.OrderManagement` with its store, config and
 * interceptors, and `ecommerce.OrderAdmin`, guarded by `@Authorize`.
 */
export const ordersModule = defineModule<OrdersConfig>({
  name: 'orders',
  config: ordersConfigSchema,
  services: [OrderManagementService, OrderAdminService],
  interceptors(container) {
    const logger = resolve(container, LoggerToken);
    return [streamMessageInterceptor(logger)];
  },
  register(container, config) {
    bindValue(container, OrderStoreToken, new OrderStore());
    bindValue(container, OrdersConfigToken, config.orders);
  },
});

export default ordersModule;

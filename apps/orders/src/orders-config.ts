import { createToken } from '@switchboard/core';

/** The orders app's own keys. */
export interface OrdersConfig {
  orders: { addOrderDelayMs: number };
}

/** Convict schema of {@link OrdersConfig}. */
export const ordersConfigSchema = {
  orders: {
    addOrderDelayMs: {
      doc: 'How long addOrder takes; with a client deadline shorter than this, the deadline demo.',
      format: 'duration',
      default: 0,
      env: 'ORDERS_ADD_ORDER_DELAY_MS',
    },
  },
};

/** The validated `orders` section. */
export const OrdersConfigToken = createToken<OrdersConfig['orders']>('orders/Config');

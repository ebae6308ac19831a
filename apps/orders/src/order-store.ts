import { createToken } from '@switchboard/core';
import type { Order } from './gen/ecommerce/Order';

/** A stored order: every field present. */
export type StoredOrder = Required<Pick<Order, 'id' | 'items' | 'description' | 'price' | 'destination'>> & { price: number };

/** In-memory orders, seeded with the sample data of "gRPC: Up and Running". */
export class OrderStore {
  private readonly orders = new Map<string, StoredOrder>();

  constructor(seed: readonly StoredOrder[] = SAMPLE_ORDERS) {
    for (const order of seed) this.orders.set(order.id, { ...order, items: [...order.items] });
  }

  get(id: string): StoredOrder | undefined {
    return this.orders.get(id);
  }

  put(order: StoredOrder): void {
    this.orders.set(order.id, order);
  }

  /** Removes an order; false when there was none. */
  delete(id: string): boolean {
    return this.orders.delete(id);
  }

  get size(): number {
    return this.orders.size;
  }

  /** Orders in insertion order. */
  all(): IterableIterator<StoredOrder> {
    return this.orders.values();
  }
}

/** The token the store is injected by. */
export const OrderStoreToken = createToken<OrderStore>('orders/OrderStore');

/** Orders 102–106. */
export const SAMPLE_ORDERS: readonly StoredOrder[] = [
  { id: '102', items: ['Google Pixel 3A', 'Mac Book Pro'], description: '', destination: 'Mountain View, CA', price: 1800 },
  { id: '103', items: ['Apple Watch S4'], description: '', destination: 'San Jose, CA', price: 400 },
  { id: '104', items: ['Google Home Mini', 'Google Nest Hub'], description: '', destination: 'Mountain View, CA', price: 400 },
  { id: '105', items: ['Amazon Echo'], description: '', destination: 'San Jose, CA', price: 30 },
  { id: '106', items: ['Amazon Echo', 'Apple iPhone XS'], description: '', destination: 'Mountain View, CA', price: 300 },
];

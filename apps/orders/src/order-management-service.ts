import { setTimeout as sleep } from 'node:timers/promises';
import * as grpc from '@grpc/grpc-js';
import { BadRequest, Code, RpcError, Service, inject, type CallContext } from '@switchboard/core';
import type { CombinedShipment } from './gen/ecommerce/CombinedShipment';
import type { Order, Order__Output } from './gen/ecommerce/Order';
import type { StringValue, StringValue__Output } from './gen/google/protobuf/StringValue';
import { OrderManagement } from './gen/services';
import { OrdersConfigToken, type OrdersConfig } from './orders-config';
import { OrderStoreToken, type OrderStore, type StoredOrder } from './order-store';

/** Shipments are sent after every this many order ids. */
const BATCH_SIZE = 3;

/** `ecommerce.OrderManagement`, as "gRPC: Up and Running" defines it. */
@Service(OrderManagement)
export class OrderManagementService {
  constructor(
    @inject(OrderStoreToken) private readonly store: OrderStore,
    @inject(OrdersConfigToken) private readonly config: OrdersConfig['orders'],
  ) {}

  async addOrder(order: Order__Output, ctx: CallContext): Promise<StringValue> {
    if (order.id === '-1') {
      throw new RpcError(Code.INVALID_ARGUMENT, 'Invalid information received', {
        details: [
          BadRequest.create({
            field_violations: [{ field: 'ID', description: `Order ID received is not valid ${order.id} : ${order.description}` }],
          }),
        ],
      });
    }
    if (this.config.addOrderDelayMs > 0) {
      // Ends early with the call's reason (DEADLINE_EXCEEDED, CANCELLED) when the signal fires.
      await sleep(this.config.addOrderDelayMs, undefined, { signal: ctx.signal }).catch(() => {
        throw ctx.signal.reason;
      });
    }
    this.store.put(toStored(order));
    const header = new grpc.Metadata();
    header.set('location', 'San Jose');
    header.set('timestamp', new Date().toISOString());
    ctx.sendHeader(header);
    const trailer = new grpc.Metadata();
    trailer.set('orders-stored', String(this.store.size));
    ctx.setTrailer(trailer);
    return { value: `Order Added: ${order.id}` };
  }

  async getOrder(id: StringValue__Output): Promise<Order> {
    const order = this.store.get(id.value);
    if (order === undefined) throw new RpcError(Code.NOT_FOUND, `Order does not exist. : ${id.value}`);
    return order;
  }

  async *searchOrders(query: StringValue__Output): AsyncIterable<Order> {
    for (const order of this.store.all()) {
      if (order.items.some((item) => item.includes(query.value))) yield order;
    }
  }

  async updateOrders(orders: AsyncIterable<Order__Output>): Promise<StringValue> {
    const ids: string[] = [];
    for await (const order of orders) {
      this.store.put(toStored(order));
      ids.push(order.id);
    }
    return { value: `Orders processed ${ids.join(', ')}` };
  }

  async *processOrders(ids: AsyncIterable<StringValue__Output>, ctx: CallContext): AsyncIterable<CombinedShipment> {
    let batch = new Map<string, CombinedShipment & { ordersList: Order[] }>();
    let count = 0;
    for await (const { value: id } of ids) {
      const order = this.store.get(id);
      if (order === undefined) throw new RpcError(Code.NOT_FOUND, `Order does not exist. : ${id}`);
      const shipment = batch.get(order.destination) ?? { id: `cmb - ${order.destination}`, status: 'Processed!', ordersList: [] };
      shipment.ordersList.push(order);
      batch.set(order.destination, shipment);
      if (++count % BATCH_SIZE === 0) {
        yield* batch.values();
        batch = new Map();
      }
    }
    if (!ctx.signal.aborted) yield* batch.values();
  }
}

function toStored(order: Order__Output): StoredOrder {
  return { id: order.id, items: [...order.items], description: order.description, price: order.price, destination: order.destination };
}

import { Authorize, Code, RpcError, Service, inject, type CallContext } from '@switchboard/core';
import type { StringValue, StringValue__Output } from './gen/google/protobuf/StringValue';
import { OrderAdmin } from './gen/services';
import { OrderStoreToken, type OrderStore } from './order-store';

/** The scope a caller's token must carry to use `ecommerce.OrderAdmin`. */
export const ORDERS_ADMIN_SCOPE = 'orders:admin';

/**
 * `ecommerce.OrderAdmin`: operator actions on the store, the example of a
 * guarded service. Callers need a verified identity with the scope
 * `orders:admin` (a bearer JWT from the configured issuer, see the README's
 * "Auth"); others get UNAUTHENTICATED or PERMISSION_DENIED and the handler
 * never runs.
 */
@Service(OrderAdmin)
export class OrderAdminService {
  constructor(@inject(OrderStoreToken) private readonly store: OrderStore) {}

  @Authorize({ scopes: [ORDERS_ADMIN_SCOPE] })
  async cancelOrder(id: StringValue__Output, ctx: CallContext): Promise<StringValue> {
    if (!this.store.delete(id.value)) throw new RpcError(Code.NOT_FOUND, `Order does not exist. : ${id.value}`);
    return { value: `Order cancelled: ${id.value} (by ${ctx.identity?.subject ?? '?'})` };
  }
}

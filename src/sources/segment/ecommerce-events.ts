/**
 * Segment e-commerce spec (v2) and B2B-spec event names → XDM eventType. `counter` is the `commerce.<x>.value = 1`
 * counter; `scope` says whether `properties` describe one product or an order/cart with `products[]`.
 * Any other `track` event maps to `SEGMENT_CUSTOM_EVENT_TYPE` with the name kept under `_kith.segment.event`.
 */
export interface EcommerceMapping {
  eventType: string;
  counter?: string;
  scope: 'product' | 'order' | 'none';
}

export const SEGMENT_CUSTOM_EVENT_TYPE = 'segment.track';

export const ECOMMERCE_EVENTS: Record<string, EcommerceMapping> = {
  'Product Viewed': { eventType: 'commerce.productViews', counter: 'productViews', scope: 'product' },
  'Product Added': { eventType: 'commerce.productListAdds', counter: 'productListAdds', scope: 'product' },
  'Product Removed': { eventType: 'commerce.productListRemovals', counter: 'productListRemovals', scope: 'product' },
  'Product Added to Wishlist': { eventType: 'commerce.saveForLaters', counter: 'saveForLaters', scope: 'product' },
  'Cart Viewed': { eventType: 'commerce.productListViews', counter: 'productListViews', scope: 'order' },
  'Checkout Started': { eventType: 'commerce.checkouts', counter: 'checkouts', scope: 'order' },
  'Order Completed': { eventType: 'commerce.purchases', counter: 'purchases', scope: 'order' },
  'Order Updated': { eventType: 'commerce.backofficeOrderUpdated', scope: 'order' },
  'Order Refunded': { eventType: 'commerce.backofficeCreditMemoIssued', scope: 'order' },
  'Order Cancelled': { eventType: 'commerce.backofficeOrderCancelled', scope: 'order' },
  'Products Searched': { eventType: 'searchRequest', scope: 'none' },
  'Signed In': { eventType: 'userAccount.login', scope: 'none' },
  'Signed Out': { eventType: 'userAccount.logout', scope: 'none' },
  'Signed Up': { eventType: 'userAccount.createProfile', scope: 'none' },
  'Account Created': { eventType: 'userAccount.createProfile', scope: 'none' },
};

/** Lookup tolerant of case and snake_case/underscores (`order_completed`, `ORDER COMPLETED`). */
export function ecommerceMapping(event: string): EcommerceMapping | undefined {
  const key = event.trim().replace(/[_\s]+/g, ' ').toLowerCase();
  for (const [name, m] of Object.entries(ECOMMERCE_EVENTS)) if (name.toLowerCase() === key) return m;
  return undefined;
}

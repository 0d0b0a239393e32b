import { NS, type SourceOutput, type XdmEvent } from '../shared/xdm-output.js';
import { IdentityCollector, compact, deterministicId, extrasRoot, money, normaliseEmail, normalisePhone, str, toIsoUtc } from '../shared/xdm-helpers.js';
import { addCustomerIdentities, arr, eventTime, obj, postalAddress, productListItems, setAmount, setCurrency, type Json, type ShopifyMapContext } from './map-common.js';

/**
 * Event types per order topic. Only orders/create counts as a purchase (`commerce.purchases`); the lifecycle topics
 * use the Adobe Commerce back-office event types (aep-api.md §9.3), plus `commerce.backofficeOrderUpdated` (Kith).
 */
export const ORDER_EVENT_TYPES: Record<string, string> = {
  'orders/create': 'commerce.purchases',
  'orders/updated': 'commerce.backofficeOrderUpdated',
  'orders/paid': 'commerce.backofficeOrderInvoiced',
  'orders/fulfilled': 'commerce.backofficeOrderShipmentCompleted',
  'orders/partially_fulfilled': 'commerce.backofficeOrderItemsShipped',
  'orders/cancelled': 'commerce.backofficeOrderCancelled',
  'refunds/create': 'commerce.backofficeCreditMemoIssued',
};

const PAYMENT_TYPES: Record<string, string> = {
  paypal: 'paypal',
  gift_card: 'gift_card',
  cash: 'cash',
  cash_on_delivery: 'cash',
  shopify_payments: 'credit_card',
  stripe: 'credit_card',
  visa: 'credit_card',
  mastercard: 'credit_card',
  american_express: 'credit_card',
  amex: 'credit_card',
  bank_deposit: 'wire_transfer',
  money_order: 'check',
};

export const paymentType = (gateway: string): string => PAYMENT_TYPES[gateway.toLowerCase().replace(/[\s-]+/g, '_')] ?? 'other';

/** Identities of an order: customer id (primary), order email and customer email (may differ), phones, tokens, order id. */
export function orderIdentities(o: Json): IdentityCollector {
  const ids = new IdentityCollector();
  const customer = obj(o.customer);
  if (str(customer.id)) addCustomerIdentities(ids, customer, true);
  const cc = str(obj(o.billing_address).country_code) ?? str(obj(customer.default_address).country_code);
  ids.add(NS.email, normaliseEmail(o.email));
  ids.add(NS.email, normaliseEmail(o.contact_email));
  ids.add(NS.phone, normalisePhone(o.phone, cc));
  ids.add(NS.shopifyCheckout, str(o.checkout_token));
  ids.add(NS.shopifyCart, str(o.cart_token));
  ids.add(NS.shopifyOrder, str(o.id));
  return ids;
}

/** XDM `commerce.order` (+ shipping/billing) from a Shopify order. */
export function commerceOrder(o: Json): Json {
  const currency = str(o.currency) ?? setCurrency(o.total_price_set);
  const total = money(o.total_price);
  const gateways = arr(o.payment_gateway_names).map((g) => str(g)).filter((g): g is string => !!g);
  const payments = gateways.map((g) =>
    compact({ paymentType: paymentType(g), paymentAmount: gateways.length === 1 ? total : undefined, currencyCode: currency, paymentTransactionID: undefined }),
  );
  const shippingLine = obj(arr(o.shipping_lines)[0]);
  return compact({
    order: {
      purchaseID: str(o.id),
      purchaseOrderNumber: str(o.po_number),
      priceTotal: total,
      currencyCode: currency,
      taxAmount: money(o.total_tax),
      discountAmount: money(o.total_discounts),
      createdDate: toIsoUtc(o.created_at),
      lastUpdatedDate: toIsoUtc(o.updated_at),
      cancelDate: toIsoUtc(o.cancelled_at),
      payments: payments.length ? payments : undefined,
    },
    shipping: {
      shippingMethod: str(shippingLine.title),
      shippingAmount: setAmount(o.total_shipping_price_set) ?? money(shippingLine.price),
      currencyCode: setAmount(o.total_shipping_price_set) !== undefined ? setCurrency(o.total_shipping_price_set) ?? currency : undefined,
      address: postalAddress(o.shipping_address),
    },
    billing: { address: postalAddress(o.billing_address) },
  });
}

function orderExtras(o: Json, ctx: ShopifyMapContext): Json {
  return {
    [extrasRoot(ctx.tenantId)]: {
      shopify: compact({
        shopDomain: ctx.shopDomain,
        orderName: str(o.name),
        orderNumber: str(o.order_number),
        financialStatus: str(o.financial_status),
        fulfillmentStatus: str(o.fulfillment_status),
        cancelReason: str(o.cancel_reason),
        sourceName: str(o.source_name),
        test: o.test === true ? true : undefined,
      }),
    },
  };
}

/** orders/create|updated|paid|fulfilled|cancelled → one ExperienceEvent with `commerce.order` and productListItems. */
export function mapOrder(topic: string, o: Json, ctx: ShopifyMapContext): SourceOutput {
  const eventType = ORDER_EVENT_TYPES[topic] ?? 'commerce.backofficeOrderUpdated';
  const ids = orderIdentities(o);
  const currency = str(o.currency) ?? setCurrency(o.total_price_set);
  // A create happens once: key it on created_at so reconciliation and webhooks agree; updates key on updated_at.
  const version = topic === 'orders/create' ? str(o.created_at) : str(o.updated_at);
  const timeField = topic === 'orders/create' ? 'created_at' : topic === 'orders/cancelled' ? 'cancelled_at' : 'updated_at';
  const commerce: Json = { ...commerceOrder(o) };
  if (topic === 'orders/create') commerce.purchases = { value: 1 };
  const event = compact({
    _id: deterministicId('shopify', ctx.shopDomain, 'order', str(o.id), topic, version),
    timestamp: eventTime(o, ctx, timeField),
    eventType,
    identityMap: ids.identityMap(),
    commerce,
    productListItems: productListItems(o.line_items, currency),
    personalEmail: { address: normaliseEmail(o.contact_email) ?? normaliseEmail(o.email) },
    ...orderExtras(o, ctx),
  }) as XdmEvent;
  return { profiles: [], events: [event], identityLinks: ids.links() };
}

/** refunds/create → `commerce.backofficeCreditMemoIssued` with `commerce.refunds[]`; joins the buyer via ShopifyOrderId. */
export function mapRefund(r: Json, ctx: ShopifyMapContext): SourceOutput {
  const ids = new IdentityCollector().add(NS.shopifyOrder, str(r.order_id), { primary: true });
  const transactions = arr(r.transactions).map(obj).filter((t) => (str(t.kind) ?? 'refund') === 'refund');
  const refundLines = arr(r.refund_line_items).map(obj);
  const currency =
    str(obj(transactions[0]).currency) ?? setCurrency(obj(refundLines[0]).subtotal_set) ?? setCurrency(obj(obj(refundLines[0]).line_item).price_set);
  const items = refundLines.map((rl) => {
    const li = obj(rl.line_item);
    const [item] = productListItems([{ ...li, quantity: rl.quantity, line_price: undefined, total_discount: undefined }], currency);
    const subtotal = money(rl.subtotal);
    return compact({ ...item, priceTotal: subtotal ?? item?.priceTotal });
  });
  const refunds = transactions.map((t) =>
    compact({ transactionID: str(t.id), refundAmount: money(t.amount), refundPaymentType: t.gateway ? paymentType(String(t.gateway)) : undefined, currencyCode: str(t.currency) ?? currency }),
  );
  const event = compact({
    _id: deterministicId('shopify', ctx.shopDomain, 'refund', str(r.id), 'refunds/create', str(r.created_at)),
    timestamp: eventTime(r, ctx, 'created_at'),
    eventType: ORDER_EVENT_TYPES['refunds/create']!,
    identityMap: ids.identityMap(),
    commerce: { order: { purchaseID: str(r.order_id), currencyCode: currency }, refunds: refunds.length ? refunds : undefined },
    productListItems: items,
    [extrasRoot(ctx.tenantId)]: { shopify: compact({ shopDomain: ctx.shopDomain, refundId: str(r.id), note: str(r.note), restock: r.restock }) },
  }) as XdmEvent;
  return { profiles: [], events: [event], identityLinks: ids.links() };
}

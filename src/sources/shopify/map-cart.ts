import { NS, type SourceOutput, type XdmEvent } from '../shared/xdm-output.js';
import { IdentityCollector, compact, deterministicId, extrasRoot, money, normaliseEmail, normalisePhone, str } from '../shared/xdm-helpers.js';
import { addCustomerIdentities, arr, eventTime, obj, productListItems, setCurrency, type Json, type ShopifyMapContext } from './map-common.js';

/** Event types for carts and checkouts (carts/update is a Kith extension: Shopify sends the whole cart, not a delta). */
export const CART_EVENT_TYPES: Record<string, string> = {
  'carts/create': 'commerce.productListOpens',
  'carts/update': 'commerce.productListUpdates',
  'checkouts/create': 'commerce.checkouts',
  'checkouts/update': 'commerce.checkouts',
};

const COUNTERS: Record<string, string> = {
  'commerce.productListOpens': 'productListOpens',
  'commerce.checkouts': 'checkouts',
};

function cartCurrency(resource: Json): string | undefined {
  return str(resource.presentment_currency) ?? str(resource.currency) ?? setCurrency(obj(arr(resource.line_items)[0]).price_set);
}

/**
 * carts/* and checkouts/* → one cart event. The cart token is the only identity of an anonymous cart; a checkout
 * links its token and `cart_token` to the customer id / email so earlier anonymous cart activity joins the person.
 */
export function mapCartOrCheckout(topic: string, r: Json, ctx: ShopifyMapContext): SourceOutput {
  const isCheckout = topic.startsWith('checkouts/');
  const ids = new IdentityCollector();
  const customer = obj(r.customer);
  if (str(customer.id)) addCustomerIdentities(ids, customer, true);
  ids.add(NS.email, normaliseEmail(r.email));
  ids.add(NS.phone, normalisePhone(r.phone, str(obj(r.billing_address).country_code)));
  const cartToken = isCheckout ? str(r.cart_token) : (str(r.token) ?? str(r.id));
  const checkoutToken = isCheckout ? (str(r.token) ?? str(r.id)) : undefined;
  ids.add(NS.shopifyCheckout, checkoutToken);
  ids.add(NS.shopifyCart, cartToken);
  const currency = cartCurrency(r);
  const eventType = CART_EVENT_TYPES[topic] ?? 'commerce.productListUpdates';
  const counter = COUNTERS[eventType];
  const resourceId = isCheckout ? checkoutToken : cartToken;
  const commerce: Json = compact({
    cart: { cartID: cartToken },
    order: isCheckout ? { priceTotal: money(r.total_price), currencyCode: currency, taxAmount: money(r.total_tax), discountAmount: money(r.total_discounts) } : undefined,
  });
  if (counter) commerce[counter] = { value: 1 };
  const event = compact({
    _id: deterministicId('shopify', ctx.shopDomain, isCheckout ? 'checkout' : 'cart', resourceId, topic, str(r.updated_at)),
    timestamp: eventTime(r, ctx),
    eventType,
    identityMap: ids.identityMap(),
    commerce,
    productListItems: productListItems(r.line_items, currency),
    personalEmail: { address: normaliseEmail(r.email) },
    [extrasRoot(ctx.tenantId)]: { shopify: compact({ shopDomain: ctx.shopDomain, checkoutToken, abandonedCheckoutUrl: str(r.abandoned_checkout_url) }) },
  }) as XdmEvent;
  return { profiles: [], events: [event], identityLinks: ids.links() };
}

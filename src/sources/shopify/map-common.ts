import { NS } from '../shared/xdm-output.js';
import { IdentityCollector, isRecord, lineTotal, money, normaliseEmail, normalisePhone, str, toEpochMs, toIsoUtc } from '../shared/xdm-helpers.js';

export type Json = Record<string, unknown>;

export interface ShopifyMapContext {
  shopDomain: string;
  /** Epoch ms the delivery was received (fallback event time). */
  receivedAt: number;
  webhookId?: string;
  /** When given, extras go under `_<tenantId>.shopify` instead of `_kith.shopify`. */
  tenantId?: string;
}

export const obj = (v: unknown): Json => (isRecord(v) ? v : {});
export const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

/** `shop_money.currency_code` of a Shopify money set. */
export function setCurrency(set: unknown): string | undefined {
  return str(obj(obj(set).shop_money).currency_code);
}
export function setAmount(set: unknown): number | undefined {
  return money(obj(obj(set).shop_money).amount);
}

/** XDM productListItems from Shopify line items (orders, checkouts, carts, refund line items). */
export function productListItems(lineItems: unknown, currency: string | undefined): Json[] {
  return arr(lineItems).map((raw) => {
    const li = obj(raw);
    const quantity = typeof li.quantity === 'number' ? li.quantity : undefined;
    const lineCurrency = setCurrency(li.price_set) ?? setCurrency(li.line_price_set) ?? currency;
    const priceTotal = money(li.line_price) ?? lineTotal(money(li.price), quantity);
    const item: Json = {};
    const sku = str(li.sku);
    if (sku) item.SKU = sku;
    const name = str(li.name) ?? str(li.title);
    if (name) item.name = name;
    if (priceTotal !== undefined) item.priceTotal = priceTotal;
    if (quantity !== undefined) item.quantity = quantity;
    if (lineCurrency) item.currencyCode = lineCurrency;
    const productId = str(li.product_id);
    if (productId) item.productID = productId;
    const discount = money(li.total_discount);
    if (discount) item.discountAmount = discount;
    return item;
  });
}

/** XDM postal address from a Shopify address. */
export function postalAddress(raw: unknown): Json | undefined {
  if (!isRecord(raw)) return undefined;
  const a: Json = {};
  const set = (k: string, v: unknown) => {
    const s = str(v);
    if (s) a[k] = s;
  };
  set('street1', raw.address1);
  set('street2', raw.address2);
  set('city', raw.city);
  set('stateProvince', raw.province_code ?? raw.province);
  set('postalCode', raw.zip);
  set('country', raw.country_name ?? raw.country);
  set('countryCode', raw.country_code);
  return Object.keys(a).length ? a : undefined;
}

/** The person-level identities of a Shopify customer object. `primary` marks the customer id primary. */
export function addCustomerIdentities(ids: IdentityCollector, customer: unknown, primary = true): void {
  const c = obj(customer);
  const countryCode = str(obj(c.default_address).country_code);
  ids.add(NS.shopifyCustomer, str(c.id), { primary, authenticatedState: 'authenticated' });
  ids.add(NS.email, normaliseEmail(c.email));
  ids.add(NS.phone, normalisePhone(c.phone, countryCode));
}

/** `updated_at` of a resource as epoch ms. */
export const updatedAtOf = (resource: Json): number | undefined => toEpochMs(resource.updated_at);

/** Event time: the given field, else updated_at, else created_at, else receive time; always ISO UTC. */
export function eventTime(resource: Json, ctx: ShopifyMapContext, field?: string): string {
  return (
    (field ? toIsoUtc(resource[field]) : undefined) ??
    toIsoUtc(resource.updated_at) ??
    toIsoUtc(resource.created_at) ??
    new Date(ctx.receivedAt).toISOString()
  );
}

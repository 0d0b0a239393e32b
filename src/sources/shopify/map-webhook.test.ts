import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseJsonLossless } from './lossless-json.js';
import { mapShopifyWebhook, SUPPORTED_TOPICS } from './map-webhook.js';
import { fixtureBytes } from './testing/fixtures.js';

const ctx = { shopDomain: 'kith-test.myshopify.com', receivedAt: Date.UTC(2026, 0, 1), webhookId: 'w-1' };
const load = (name: string) => parseJsonLossless(fixtureBytes(`shopify/${name}.json`)) as Record<string, unknown>;
const links = (o: { identityLinks: Array<Array<{ namespace: string; id: string }>> }) => o.identityLinks.map((l) => l.map((r) => `${r.namespace}:${r.id}`));

describe('orders', () => {
  const order = load('orders-create');
  const out = mapShopifyWebhook('orders/create', order, ctx);
  const ev = out.events[0]!;
  it('commerce.purchases with the exact order id 820982911946154508', () => {
    assert.equal(out.events.length, 1);
    assert.equal(ev.eventType, 'commerce.purchases');
    assert.equal(ev.timestamp, '2022-01-01T00:00:00.000Z'); // from 2021-12-31T19:00:00-05:00
    assert.equal(out.resourceKey, 'kith-test.myshopify.com/order/820982911946154508');
    assert.equal(out.resourceUpdatedAt, Date.parse('2022-01-01T00:00:00Z'));
    assert.deepEqual(ev.commerce, {
      order: {
        purchaseID: '820982911946154508',
        priceTotal: 404.95,
        currencyCode: 'USD',
        taxAmount: 0,
        discountAmount: 20,
        createdDate: '2022-01-01T00:00:00.000Z',
        lastUpdatedDate: '2022-01-01T00:00:00.000Z',
        cancelDate: '2022-01-01T00:00:00.000Z',
        payments: [
          { paymentType: 'credit_card', currencyCode: 'USD' },
          { paymentType: 'other', currencyCode: 'USD' },
        ],
      },
      shipping: {
        shippingMethod: 'Generic Shipping',
        shippingAmount: 10,
        currencyCode: 'USD',
        address: { street1: '123 Shipping Street', city: 'Shippington', stateProvince: 'KY', postalCode: '40003', country: 'United States', countryCode: 'US' },
      },
      billing: { address: { street1: '123 Shipping Street', city: 'Shippington', stateProvince: 'KY', postalCode: '40003', country: 'United States', countryCode: 'US' } },
      purchases: { value: 1 },
    });
  });
  it('productListItems for all 5 line items', () => {
    assert.deepEqual(ev.productListItems, [
      { SKU: 'SKU2006-001', name: 'Aviator sunglasses', priceTotal: 89.99, quantity: 1, currencyCode: 'USD', productID: '788032119674292922' },
      { SKU: 'LENS-PROTECT-2YR', name: 'Lens Protection Plan (2 Year)', priceTotal: 19.99, quantity: 1, currencyCode: 'USD' },
      { SKU: 'CASE-LEATHER-PREM', name: 'Premium Leather Case', priceTotal: 24.99, quantity: 1, currencyCode: 'USD' },
      { SKU: 'SKU2006-020', name: 'Mid-century lounger', priceTotal: 159.99, quantity: 1, currencyCode: 'USD', productID: '788032119674292922' },
      { SKU: 'SKU2006-035', name: 'Coffee table', priceTotal: 119.99, quantity: 1, currencyCode: 'USD', productID: '788032119674292922' },
    ]);
  });
  it('two different emails (order jon@, customer john@) are both identities of the same person', () => {
    assert.deepEqual(ev.identityMap, {
      ShopifyCustomerId: [{ id: '115310627314723954', primary: true, authenticatedState: 'authenticated' }],
      Email: [
        { id: 'john@example.com', primary: false },
        { id: 'jon@example.com', primary: false },
      ],
      ShopifyOrderId: [{ id: '820982911946154508', primary: false }],
    });
    assert.deepEqual(links(out), [['ShopifyCustomerId:115310627314723954', 'Email:john@example.com', 'Email:jon@example.com', 'ShopifyOrderId:820982911946154508']]);
    assert.deepEqual(ev.personalEmail, { address: 'jon@example.com' });
  });
  it('extras go under _kith.shopify, or _<tenant>.shopify', () => {
    assert.deepEqual(ev._kith, { shopify: { shopDomain: 'kith-test.myshopify.com', orderName: '#9999', orderNumber: '1234', financialStatus: 'voided', cancelReason: 'customer', sourceName: 'web', test: true } });
    const t = mapShopifyWebhook('orders/create', order, { ...ctx, tenantId: 'acme' }).events[0]!;
    assert.equal(t._kith, undefined);
    assert.ok(t._acme);
  });
  const topics: Array<[string, string]> = [
    ['orders/updated', 'commerce.backofficeOrderUpdated'],
    ['orders/paid', 'commerce.backofficeOrderInvoiced'],
    ['orders/fulfilled', 'commerce.backofficeOrderShipmentCompleted'],
    ['orders/cancelled', 'commerce.backofficeOrderCancelled'],
  ];
  for (const [topic, type] of topics) {
    it(`${topic} → ${type}, no purchase counter, same identities`, () => {
      const o = mapShopifyWebhook(topic, order, ctx);
      assert.equal(o.events[0]!.eventType, type);
      assert.equal((o.events[0]!.commerce as Record<string, unknown>).purchases, undefined);
      assert.deepEqual(o.events[0]!.productListItems, ev.productListItems);
      assert.deepEqual(o.identityLinks, out.identityLinks);
      assert.notEqual(o.events[0]!._id, ev._id);
    });
  }
  it('deterministic _id: redelivery gives the same id; a newer updated_at gives a new one', () => {
    assert.equal(mapShopifyWebhook('orders/updated', order, { ...ctx, webhookId: 'w-2', receivedAt: 5 }).events[0]!._id, mapShopifyWebhook('orders/updated', order, ctx).events[0]!._id);
    const newer = { ...order, updated_at: '2022-01-02T10:00:00+02:00' };
    const m = mapShopifyWebhook('orders/updated', newer, ctx);
    assert.notEqual(m.events[0]!._id, mapShopifyWebhook('orders/updated', order, ctx).events[0]!._id);
    assert.equal(m.resourceUpdatedAt, Date.parse('2022-01-02T08:00:00Z'));
    assert.match(m.events[0]!._id, /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });
});

describe('customers', () => {
  for (const [name, topic, type] of [
    ['customers-create', 'customers/create', 'userAccount.backofficeCreateProfile'],
    ['customers-update', 'customers/update', 'userAccount.backofficeUpdateProfile'],
  ] as const) {
    it(`${topic} → profile record (ShopifyCustomerId primary + Email)`, () => {
      const out = mapShopifyWebhook(topic, load(name), ctx);
      assert.deepEqual(out.profiles, [
        {
          identityMap: {
            ShopifyCustomerId: [{ id: '706405506930370084', primary: true, authenticatedState: 'authenticated' }],
            Email: [{ id: 'bob@biller.com', primary: false }],
          },
          person: { name: { firstName: 'Bob', lastName: 'Biller' } },
          personalEmail: { address: 'bob@biller.com' },
          homeAddress: { street1: "151 O'Connor Street", city: 'Ottawa', stateProvince: 'ON', postalCode: 'K2P 2L8', country: 'CA', countryCode: 'CA' },
          homePhone: { number: '555-555-5555' },
          userAccount: { startDate: '2022-01-01T00:00:00.000Z' },
          _kith: { shopify: { shopDomain: 'kith-test.myshopify.com', state: 'disabled', note: 'This customer loves ice cream', verifiedEmail: true, taxExempt: false, currency: 'USD' } },
        },
      ]);
      assert.equal(out.events[0]!.eventType, type);
      assert.deepEqual(links(out), [['ShopifyCustomerId:706405506930370084', 'Email:bob@biller.com']]);
      assert.equal(out.resourceKey, 'kith-test.myshopify.com/customer/706405506930370084');
    });
  }
  it('phone becomes E.164 Phone identity and mobilePhone; marketing consent maps to consents', () => {
    const c = { ...load('customers-create'), phone: '+16135550123', email_marketing_consent: { state: 'subscribed' }, sms_marketing_consent: { state: 'not_subscribed' } };
    const p = mapShopifyWebhook('customers/update', c, ctx).profiles[0]!;
    assert.deepEqual(p.identityMap.Phone, [{ id: '+16135550123', primary: false }]);
    assert.deepEqual(p.mobilePhone, { number: '+16135550123' });
    assert.deepEqual(p.consents, { marketing: { email: { val: 'y' }, sms: { val: 'n' } } });
  });
  it('customers/delete → delete event and the identity to erase, no profile record', () => {
    const out = mapShopifyWebhook('customers/delete', { id: 706405506930370084n.toString(), phone: null, addresses: [], tax_exemptions: [] }, ctx);
    assert.deepEqual(out.profiles, []);
    assert.deepEqual(out.deletes, [{ namespace: 'ShopifyCustomerId', id: '706405506930370084' }]);
    assert.equal(out.events[0]!.eventType, 'userAccount.backofficeDeleteProfile');
    assert.equal(out.events[0]!.timestamp, '2026-01-01T00:00:00.000Z'); // no updated_at: receive time
    assert.equal(out.resourceUpdatedAt, undefined);
  });
});

describe('checkouts and carts', () => {
  it('checkouts/create links checkout token and cart_token to the customer and both emails', () => {
    const out = mapShopifyWebhook('checkouts/create', load('checkouts-create'), ctx);
    const ev = out.events[0]!;
    assert.equal(ev.eventType, 'commerce.checkouts');
    assert.deepEqual(ev.commerce, {
      cart: { cartID: 'eeafa272cebfd4b22385bc4b645e762c' },
      order: { priceTotal: 421.88, currencyCode: 'USD', taxAmount: 23.88, discountAmount: 0 },
      checkouts: { value: 1 },
    });
    assert.deepEqual(ev.productListItems, [
      { SKU: 'IPOD2008PINK', name: 'IPod Nano - 8GB', priceTotal: 199, quantity: 1, currencyCode: 'USD', productID: '632910392' },
      { SKU: 'IPOD2008PINK', name: 'IPod Nano - 8GB', priceTotal: 199, quantity: 1, currencyCode: 'USD', productID: '632910392' },
    ]);
    assert.deepEqual(links(out), [[
      'ShopifyCustomerId:603851970716743426',
      'Email:john@example.com',
      'Email:example@email.com',
      'ShopifyCheckoutToken:123123123',
      'ShopifyCartToken:eeafa272cebfd4b22385bc4b645e762c',
    ]]);
    assert.equal(out.resourceKey, 'kith-test.myshopify.com/checkout/123123123'); // no top-level id in this sample
    assert.equal(mapShopifyWebhook('checkouts/update', load('checkouts-create'), ctx).events[0]!.eventType, 'commerce.checkouts');
  });
  it('cart with no customer: only the cart token, primary, and no links', () => {
    const out = mapShopifyWebhook('carts/update', load('carts-update'), ctx);
    const ev = out.events[0]!;
    assert.equal(ev.eventType, 'commerce.productListUpdates');
    assert.deepEqual(ev.identityMap, { ShopifyCartToken: [{ id: 'exampleCartId', primary: true }] });
    assert.deepEqual(out.identityLinks, []);
    assert.deepEqual(ev.productListItems, [
      { SKU: 'example-shirt-s', name: 'Example T-Shirt - Small', priceTotal: 59.97, quantity: 3, currencyCode: 'USD', productID: '788032119674292922', discountAmount: 39.98 },
    ]);
    assert.deepEqual(ev.commerce, { cart: { cartID: 'exampleCartId' } });
    const created = mapShopifyWebhook('carts/create', load('carts-update'), ctx).events[0]!;
    assert.equal(created.eventType, 'commerce.productListOpens');
    assert.deepEqual(created.commerce, { cart: { cartID: 'exampleCartId' }, productListOpens: { value: 1 } });
  });
  it('the anonymous cart token joins the person through the checkout link', () => {
    const cart = mapShopifyWebhook('carts/update', { ...load('carts-update'), token: 'eeafa272cebfd4b22385bc4b645e762c' }, ctx);
    const checkout = mapShopifyWebhook('checkouts/create', load('checkouts-create'), ctx);
    const cartId = cart.events[0]!.identityMap.ShopifyCartToken![0]!.id;
    assert.ok(checkout.identityLinks[0]!.some((r) => r.namespace === 'ShopifyCartToken' && r.id === cartId));
  });
});

describe('refunds', () => {
  it('refunds/create → credit memo event joined by ShopifyOrderId, exact ids', () => {
    const refund = parseJsonLossless(`{"id":929361463,"order_id":820982911946154508,"created_at":"2026-01-02T12:00:00-05:00","note":"damaged","restock":true,
      "refund_line_items":[{"id":1,"quantity":1,"line_item_id":487817672276298554,"subtotal":89.99,"total_tax":0,
        "line_item":{"id":487817672276298554,"name":"Aviator sunglasses","sku":"SKU2006-001","price":"89.99","product_id":788032119674292922,"quantity":1,
          "price_set":{"shop_money":{"amount":"89.99","currency_code":"USD"}}}}],
      "transactions":[{"id":179259969,"kind":"refund","gateway":"bogus","amount":"89.99","currency":"USD"}]}`);
    const out = mapShopifyWebhook('refunds/create', refund, ctx);
    const ev = out.events[0]!;
    assert.equal(ev.eventType, 'commerce.backofficeCreditMemoIssued');
    assert.equal(ev.timestamp, '2026-01-02T17:00:00.000Z');
    assert.deepEqual(ev.identityMap, { ShopifyOrderId: [{ id: '820982911946154508', primary: true }] });
    assert.deepEqual(ev.commerce, {
      order: { purchaseID: '820982911946154508', currencyCode: 'USD' },
      refunds: [{ transactionID: '179259969', refundAmount: 89.99, refundPaymentType: 'other', currencyCode: 'USD' }],
    });
    assert.deepEqual(ev.productListItems, [{ SKU: 'SKU2006-001', name: 'Aviator sunglasses', priceTotal: 89.99, quantity: 1, currencyCode: 'USD', productID: '788032119674292922' }]);
    assert.equal(out.resourceKey, 'kith-test.myshopify.com/refund/929361463');
  });
});

describe('invalid input', () => {
  it('unsupported topic → supported:false and nothing mapped', () => {
    const out = mapShopifyWebhook('products/create', { id: 1, updated_at: '2026-01-01T00:00:00Z' }, ctx);
    assert.equal(out.supported, false);
    assert.deepEqual([out.profiles, out.events, out.identityLinks], [[], [], []]);
  });
  it('non-object payload does not throw', () => {
    const out = mapShopifyWebhook('orders/create', null, ctx);
    assert.equal(out.events.length, 1);
    assert.equal(out.events[0]!.timestamp, '2026-01-01T00:00:00.000Z');
  });
  it('every supported topic maps the matching fixture-shaped payload without throwing', () => {
    for (const t of SUPPORTED_TOPICS) assert.ok(mapShopifyWebhook(t, load('orders-create'), ctx));
  });
});

/**
 * The demo store's people and what they did, generated deterministically (the same seed gives the same records, so
 * loading twice sends the same `_id`s and changes nothing). No Node API: the console's browser bundle imports it too.
 */

export interface DemoCustomer {
  index: number;
  crmId: string;
  customerId: string;
  email: string;
  phone: string;
  ecid: string;
  firstName: string;
  lastName: string;
  city: string;
  tier: 'gold' | 'silver' | 'bronze';
  marketingEmail: 'y' | 'n';
}

export interface DemoEvent {
  _id: string;
  timestamp: string;
  eventType: string;
  /** the XDM body (without identityMap, which the loader adds) */
  fields: Record<string, unknown>;
}

const FAMILY = ['Kim', 'Lee', 'Park', 'Choi', 'Jung', 'Kang', 'Cho', 'Yoon', 'Jang', 'Lim', 'Han', 'Oh', 'Seo', 'Shin', 'Kwon'];
const GIVEN = ['Minji', 'Jisoo', 'Seojun', 'Hayoon', 'Doyun', 'Jiwoo', 'Eunwoo', 'Subin', 'Yejun', 'Haeun', 'Siwoo', 'Chaewon', 'Juwon', 'Dahyun', 'Hyunwoo'];
const CITIES = ['Seoul', 'Busan', 'Incheon', 'Daegu', 'Daejeon', 'Gwangju', 'Suwon', 'Ulsan'];
const PRODUCTS = [
  { sku: 'TEA-001', name: 'Jeju green tea', price: 18000 },
  { sku: 'MUG-014', name: 'Celadon mug', price: 32000 },
  { sku: 'BAG-203', name: 'Canvas tote', price: 45000 },
  { sku: 'LMP-310', name: 'Hanji lamp', price: 129000 },
  { sku: 'BLK-052', name: 'Wool blanket', price: 89000 },
  { sku: 'SET-777', name: 'Tea ceremony set', price: 240000 },
];
const PAGES = ['home', 'new-arrivals', 'tea', 'homeware', 'gifts', 'sale', 'about'];
const DAY = 86_400_000;

/** mulberry32: a small deterministic PRNG. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const pick = <T>(r: () => number, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
const digits = (r: () => number, n: number) => Array.from({ length: n }, () => Math.floor(r() * 10)).join('');

/** A valid ECID: 38 digits, each 19-digit half at most 9223372036854775807 (leading digits kept below 9). */
const ecidOf = (r: () => number) => `${Math.floor(r() * 8) + 1}${digits(r, 18)}${Math.floor(r() * 8) + 1}${digits(r, 18)}`;

export function demoCustomer(i: number): DemoCustomer {
  const r = prng(1000 + i);
  const first = pick(r, GIVEN);
  const last = pick(r, FAMILY);
  const n = String(i + 1).padStart(4, '0');
  return {
    index: i,
    crmId: `CRM-${n}`,
    customerId: `C${100000 + i}`,
    email: `${first.toLowerCase()}.${last.toLowerCase()}${i + 1}@example.com`,
    phone: `+82 10-${digits(r, 4)}-${digits(r, 4)}`,
    ecid: ecidOf(r),
    firstName: first,
    lastName: last,
    city: pick(r, CITIES),
    tier: r() < 0.15 ? 'gold' : r() < 0.5 ? 'silver' : 'bronze',
    marketingEmail: r() < 0.8 ? 'y' : 'n',
  };
}

/** The profile record of a customer (the Customers schema: person details, personal email, phone, address, loyalty, consent). */
export function customerRecord(c: DemoCustomer): Record<string, unknown> {
  return {
    _id: `demo-customer-${c.index}`,
    person: { name: { firstName: c.firstName, lastName: c.lastName } },
    personalEmail: { address: c.email },
    mobilePhone: { number: c.phone },
    homeAddress: { city: c.city, country: 'South Korea', countryCode: 'KR' },
    loyalty: { tier: c.tier, points: Math.round(prng(c.index)() * 5000) },
    consents: { marketing: { email: { val: c.marketingEmail } }, collect: { val: 'y' } },
    identityMap: {
      CRMID: [{ id: c.crmId }],
      CustomerId: [{ id: c.customerId }],
      Phone: [{ id: c.phone }],
      ECID: [{ id: c.ecid }],
    },
  };
}

/**
 * `count` web and commerce events of a customer over the last 60 days before `now`, newest last: page views, product
 * views, carts, and purchases (an order with its total and its products).
 */
export function customerEvents(c: DemoCustomer, count: number, now: number, prefix = 'demo'): DemoEvent[] {
  const r = prng(50_000 + c.index);
  const out: DemoEvent[] = [];
  for (let j = 0; j < count; j++) {
    const t = now - Math.floor(((count - j) / count) * 60 * DAY) + Math.floor(r() * 3_600_000);
    const roll = r();
    const p = pick(r, PRODUCTS);
    const _id = `${prefix}-${c.index}-${j}`;
    const timestamp = new Date(Math.min(t, now - 1000)).toISOString();
    if (roll < 0.55) {
      const page = pick(r, PAGES);
      out.push({ _id, timestamp, eventType: 'web.webpagedetails.pageViews', fields: { web: { webPageDetails: { name: page, URL: `https://store.example.com/${page}`, pageViews: { value: 1 } } } } });
    } else if (roll < 0.8) {
      out.push({ _id, timestamp, eventType: 'commerce.productViews', fields: { commerce: { productViews: { value: 1 } }, productListItems: [{ SKU: p.sku, name: p.name, priceTotal: p.price, quantity: 1 }] } });
    } else if (roll < 0.9) {
      out.push({ _id, timestamp, eventType: 'commerce.productListAdds', fields: { commerce: { productListAdds: { value: 1 } }, productListItems: [{ SKU: p.sku, name: p.name, priceTotal: p.price, quantity: 1 }] } });
    } else {
      const qty = 1 + Math.floor(r() * 3);
      out.push({
        _id,
        timestamp,
        eventType: 'commerce.purchases',
        fields: {
          commerce: { purchases: { value: 1 }, order: { purchaseID: `ORD-${c.index + 1}-${j}`, priceTotal: p.price * qty, currencyCode: 'KRW' } },
          productListItems: [{ SKU: p.sku, name: p.name, priceTotal: p.price * qty, quantity: qty }],
        },
      });
    }
  }
  return out;
}

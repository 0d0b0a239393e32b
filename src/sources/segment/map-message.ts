import { NS, type SourceOutput, type XdmEvent, type XdmRecord } from '../shared/xdm-output.js';
import { IdentityCollector, compact, extrasRoot, isRecord, lineTotal, money, normaliseEmail, normalisePhone, str } from '../shared/xdm-helpers.js';
import { ECOMMERCE_EVENTS, SEGMENT_CUSTOM_EVENT_TYPE, ecommerceMapping } from './ecommerce-events.js';
import type { SegmentMessage } from './normalise.js';

type Json = Record<string, unknown>;

export interface SegmentMapOptions {
  receivedAt: number;
  /** Namespace for `userId` (default `SegmentUserId`; e.g. `CRMID` when userId is the CRM id). */
  userIdNamespace?: string;
  /** Namespace for alias `previousId` (default `SegmentAnonymousId`: the usual anonymous → known alias). */
  previousIdNamespace?: string;
  tenantId?: string;
}

const obj = (v: unknown): Json => (isRecord(v) ? v : {});

/** Trait keys with a standard XDM home; every other trait goes under `_kith.segment.traits`. */
const MAPPED_TRAITS = new Set(['email', 'phone', 'firstName', 'first_name', 'lastName', 'last_name', 'name', 'birthday', 'gender', 'address', 'title', 'username', 'createdAt', 'created_at']);

function identities(m: SegmentMessage, opts: SegmentMapOptions, traits: Json = {}): IdentityCollector {
  const ids = new IdentityCollector();
  ids.add(opts.userIdNamespace ?? NS.segmentUser, m.userId, { primary: true, authenticatedState: 'authenticated' });
  ids.add(NS.segmentAnonymous, m.anonymousId, { primary: !m.userId });
  const ctxTraits = obj(obj(m.context).traits);
  const countryCode = str(obj(traits.address).country);
  ids.add(NS.email, normaliseEmail(traits.email ?? ctxTraits.email));
  ids.add(NS.phone, normalisePhone(traits.phone ?? ctxTraits.phone, countryCode && countryCode.length === 2 ? countryCode : undefined));
  return ids;
}

function genderOf(v: unknown): string | undefined {
  const g = str(v)?.toLowerCase();
  if (!g) return undefined;
  if (['m', 'male', 'man'].includes(g)) return 'male';
  if (['f', 'female', 'woman'].includes(g)) return 'female';
  if (['non_specific', 'nonbinary', 'non-binary', 'other'].includes(g)) return 'non_specific';
  return 'not_specified';
}

/** Segment traits → XDM profile fields (person, personalEmail, mobilePhone, homeAddress) + leftovers. */
export function traitsToXdm(traits: Json): { xdm: Json; rest: Json } {
  const a = obj(traits.address);
  const full = str(traits.name);
  const firstName = str(traits.firstName) ?? str(traits.first_name) ?? (full && !traits.lastName && !traits.last_name ? full.split(/\s+/)[0] : undefined);
  const lastName = str(traits.lastName) ?? str(traits.last_name) ?? (full && full.includes(' ') && !traits.firstName && !traits.first_name ? full.split(/\s+/).slice(1).join(' ') : undefined);
  const birthday = str(traits.birthday);
  const xdm = compact({
    person: {
      name: { firstName, lastName, fullName: full },
      birthDate: birthday && /^\d{4}-\d{2}-\d{2}/.test(birthday) ? birthday.slice(0, 10) : undefined,
      gender: genderOf(traits.gender),
    },
    personalEmail: { address: normaliseEmail(traits.email) },
    mobilePhone: { number: normalisePhone(traits.phone) },
    homeAddress: { street1: str(a.street), city: str(a.city), stateProvince: str(a.state), postalCode: str(a.postalCode ?? a.postal_code), country: str(a.country) },
    userAccount: { ID: str(traits.username) },
  }) as Json;
  const rest: Json = {};
  for (const [k, v] of Object.entries(traits)) if (!MAPPED_TRAITS.has(k)) rest[k] = v;
  if (str(traits.title)) rest.title = traits.title;
  return { xdm, rest };
}

function productItem(p: Json, currency: string | undefined): Json {
  const quantity = typeof p.quantity === 'number' ? p.quantity : undefined;
  return compact({
    SKU: str(p.sku),
    name: str(p.name),
    priceTotal: lineTotal(money(p.price), quantity ?? 1),
    quantity: quantity ?? 1,
    currencyCode: str(p.currency) ?? currency,
    productID: str(p.product_id) ?? str(p.id),
  });
}

function baseEvent(m: SegmentMessage, eventType: string, ids: IdentityCollector): XdmEvent {
  const ctx = obj(m.context);
  const lib = obj(ctx.library);
  return compact({
    _id: m.messageId,
    timestamp: m.timestamp,
    eventType,
    identityMap: ids.identityMap(),
    environment: {
      ipV4: str(ctx.ip) && /^\d+\.\d+\.\d+\.\d+$/.test(String(ctx.ip)) ? str(ctx.ip) : undefined,
      ipV6: str(ctx.ip) && String(ctx.ip).includes(':') ? str(ctx.ip) : undefined,
      browserDetails: { userAgent: str(ctx.userAgent) },
    },
    implementationDetails: { name: str(lib.name), version: str(lib.version) },
  }) as XdmEvent;
}

function extras(opts: SegmentMapOptions, segment: Json): Json {
  const c = compact(segment);
  return Object.keys(c).length ? { [extrasRoot(opts.tenantId)]: { segment: c } } : {};
}

function mapTrack(m: SegmentMessage, opts: SegmentMapOptions): SourceOutput {
  const ids = identities(m, opts);
  const props = obj(m.properties);
  const mapping = ecommerceMapping(m.event ?? '');
  const eventType = mapping?.eventType ?? SEGMENT_CUSTOM_EVENT_TYPE;
  const ev = baseEvent(m, eventType, ids);
  const currency = str(props.currency);
  if (mapping?.scope === 'product') ev.productListItems = [productItem(props, currency)];
  if (mapping?.scope === 'order') {
    const products = Array.isArray(props.products) ? props.products.map(obj) : [];
    if (products.length) ev.productListItems = products.map((p) => productItem(p, currency));
  }
  if (mapping && mapping.scope !== 'none') {
    const commerce: Json = {};
    if (mapping.counter) commerce[mapping.counter] = { value: 1 };
    const cartId = str(props.cart_id);
    if (cartId) commerce.cart = { cartID: cartId };
    if (mapping.scope === 'order') {
      const order = compact({
        purchaseID: str(props.order_id) ?? str(props.checkout_id),
        priceTotal: money(props.total) ?? money(props.revenue) ?? money(props.value),
        currencyCode: currency,
        taxAmount: money(props.tax),
        discountAmount: money(props.discount),
      });
      if (Object.keys(order).length) commerce.order = order;
      const shipping = money(props.shipping);
      if (shipping !== undefined) commerce.shipping = compact({ shippingAmount: shipping, currencyCode: currency });
      if (eventType === ECOMMERCE_EVENTS['Order Refunded']!.eventType) {
        const amount = money(props.total) ?? money(props.revenue);
        commerce.refunds = [compact({ refundAmount: amount, currencyCode: currency })];
      }
    }
    ev.commerce = commerce;
  }
  if (eventType === 'searchRequest' && str(props.query)) ev.siteSearch = { query: str(props.query) };
  Object.assign(ev, extras(opts, { event: m.event, properties: mapping ? undefined : Object.keys(props).length ? props : undefined }));
  return { profiles: [], events: [ev], identityLinks: ids.links() };
}

function mapPage(m: SegmentMessage, opts: SegmentMapOptions): SourceOutput {
  const ids = identities(m, opts);
  const props = obj(m.properties);
  const page = obj(obj(m.context).page);
  const ev = baseEvent(m, 'web.webpagedetails.pageViews', ids);
  ev.web = compact({
    webPageDetails: { URL: str(props.url) ?? str(page.url), name: str(m.name) ?? str(props.name) ?? str(props.title) ?? str(page.title), pageViews: { value: 1 } },
    webReferrer: { URL: str(props.referrer) ?? str(page.referrer) },
  });
  Object.assign(ev, extras(opts, { type: m.type === 'screen' ? 'screen' : undefined, category: m.category }));
  return { profiles: [], events: [ev], identityLinks: ids.links() };
}

function mapIdentify(m: SegmentMessage, opts: SegmentMapOptions): SourceOutput {
  const traits = obj(m.traits);
  const ids = identities(m, opts, traits);
  const { xdm, rest } = traitsToXdm(traits);
  const profile: XdmRecord = { identityMap: ids.identityMap(), ...xdm, ...extras(opts, { traits: Object.keys(rest).length ? rest : undefined }) };
  return { profiles: [profile], events: [], identityLinks: ids.links() };
}

function mapGroup(m: SegmentMessage, opts: SegmentMapOptions): SourceOutput {
  const ids = identities(m, opts);
  const traits = obj(m.traits);
  const profile: XdmRecord = { identityMap: ids.identityMap(), ...extras(opts, { groups: [compact({ groupId: m.groupId, traits: Object.keys(traits).length ? traits : undefined })] }) };
  return { profiles: [profile], events: [], identityLinks: ids.links() };
}

function mapAlias(m: SegmentMessage, opts: SegmentMapOptions): SourceOutput {
  const ids = new IdentityCollector()
    .add(opts.userIdNamespace ?? NS.segmentUser, m.userId)
    .add(opts.previousIdNamespace ?? NS.segmentAnonymous, m.previousId);
  return { profiles: [], events: [], identityLinks: ids.links() };
}

/**
 * One validated Segment message → XDM:
 * identify → profile record; track → ExperienceEvent (e-commerce spec names → `commerce.*`, others → `segment.track`);
 * page/screen → `web.webpagedetails.pageViews`; group → profile record carrying the group under `_kith.segment.groups`;
 * alias → identity link previousId ↔ userId. Event `_id` = `messageId`.
 */
export function mapSegmentMessage(m: SegmentMessage, opts: SegmentMapOptions): SourceOutput {
  switch (m.type) {
    case 'identify':
      return mapIdentify(m, opts);
    case 'track':
      return mapTrack(m, opts);
    case 'page':
    case 'screen':
      return mapPage(m, opts);
    case 'group':
      return mapGroup(m, opts);
    case 'alias':
      return mapAlias(m, opts);
  }
}

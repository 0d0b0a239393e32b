/**
 * What every source mapper returns: XDM as plain data, no side effects. The HTTP/ingest layer decides where each part
 * goes (profile records to the source's profile dataset, events to its event dataset, links to the identity graph).
 *
 * Identity namespaces used by the sources (codes; the HTTP layer should seed them as custom namespaces):
 *   ShopifyCustomerId   (Cross-device)  Shopify customer id, as an exact decimal string
 *   ShopifyOrderId      (Cross-device)  Shopify order id, lets refunds/cancellations join the buyer
 *   ShopifyCartToken    (Cookie)        Shopify cart token (anonymous until a checkout links it)
 *   ShopifyCheckoutToken(Cookie)        Shopify checkout token
 *   SegmentUserId       (Cross-device)  Segment `userId` (configurable)
 *   SegmentAnonymousId  (Cookie)        Segment `anonymousId`
 *   Email, Phone, ECID  (standard)
 *
 * Source-specific attributes with no standard XDM home go under the tenant-free root field `_kith.<source>`
 * (`SOURCE_EXTRAS_FIELD`), or under `_<tenantId>.<source>` when a tenant id is given.
 */
export type AuthenticatedState = 'ambiguous' | 'authenticated' | 'loggedOut';

export interface IdentityItem {
  id: string;
  primary?: boolean;
  authenticatedState?: AuthenticatedState;
}
export type IdentityMap = Record<string, IdentityItem[]>;

/** One identity, as used in identity-graph links. */
export interface IdentityRef {
  namespace: string;
  id: string;
}

/** An XDM Individual Profile record (runtime notation). */
export interface XdmRecord {
  identityMap: IdentityMap;
  [field: string]: unknown;
}

/** An XDM ExperienceEvent (runtime notation). */
export interface XdmEvent {
  _id: string;
  timestamp: string;
  eventType: string;
  identityMap: IdentityMap;
  [field: string]: unknown;
}

export interface SourceOutput {
  profiles: XdmRecord[];
  events: XdmEvent[];
  /** Each inner array is a set of identities that belong to the same person (link all pairwise). */
  identityLinks: IdentityRef[][];
}

export const SOURCE_EXTRAS_FIELD = '_kith';

export const NS = {
  shopifyCustomer: 'ShopifyCustomerId',
  shopifyOrder: 'ShopifyOrderId',
  shopifyCart: 'ShopifyCartToken',
  shopifyCheckout: 'ShopifyCheckoutToken',
  segmentUser: 'SegmentUserId',
  segmentAnonymous: 'SegmentAnonymousId',
  email: 'Email',
  phone: 'Phone',
  ecid: 'ECID',
} as const;

export const emptyOutput = (): SourceOutput => ({ profiles: [], events: [], identityLinks: [] });

import { NS, type SourceOutput } from '../shared/xdm-output.js';
import { IdentityCollector, compact, deterministicId, extrasRoot, normaliseEmail, normalisePhone, str, toIsoUtc } from '../shared/xdm-helpers.js';
import { addCustomerIdentities, eventTime, obj, postalAddress, type Json, type ShopifyMapContext } from './map-common.js';

const CONSENT_VAL: Record<string, string> = {
  subscribed: 'y',
  not_subscribed: 'n',
  unsubscribed: 'n',
  redacted: 'n',
  pending: 'p',
  invalid: 'n',
};

function marketingConsents(c: Json): Json | undefined {
  const email = str(obj(c.email_marketing_consent).state);
  const sms = str(obj(c.sms_marketing_consent).state);
  const marketing: Json = {};
  if (email && CONSENT_VAL[email]) marketing.email = { val: CONSENT_VAL[email] };
  if (sms && CONSENT_VAL[sms]) marketing.sms = { val: CONSENT_VAL[sms] };
  return Object.keys(marketing).length ? { marketing } : undefined;
}

/**
 * customers/create|update → one Individual Profile record (ShopifyCustomerId primary, Email, Phone) plus a
 * `userAccount.backofficeCreateProfile|UpdateProfile` event. customers/delete → only the delete event (the caller
 * handles erasure); `deletes` lists the customer identity.
 */
export function mapCustomer(topic: string, c: Json, ctx: ShopifyMapContext): SourceOutput & { deletes: Array<{ namespace: string; id: string }> } {
  const ids = new IdentityCollector();
  addCustomerIdentities(ids, c);
  const customerId = str(c.id);
  const updatedAt = str(c.updated_at) ?? '';
  const action = topic === 'customers/create' ? 'Create' : topic === 'customers/delete' ? 'Delete' : 'Update';
  const extras = { [extrasRoot(ctx.tenantId)]: { shopify: compact({ shopDomain: ctx.shopDomain, state: str(c.state), note: str(c.note), tags: str(c.tags), verifiedEmail: c.verified_email, taxExempt: c.tax_exempt, currency: str(c.currency) }) } };
  const event = compact({
    _id: deterministicId('shopify', ctx.shopDomain, 'customer', customerId, topic, updatedAt),
    timestamp: eventTime(c, ctx),
    eventType: `userAccount.backoffice${action}Profile`,
    identityMap: ids.identityMap(),
    ...(action === 'Delete' ? {} : { person: { name: compact({ firstName: str(c.first_name), lastName: str(c.last_name) }) }, personalEmail: compact({ address: normaliseEmail(c.email) }) }),
  });
  if (action === 'Delete') {
    return { profiles: [], events: [event], identityLinks: ids.links(), deletes: customerId ? [{ namespace: NS.shopifyCustomer, id: customerId }] : [] };
  }
  const address = postalAddress(c.default_address);
  const countryCode = str(obj(c.default_address).country_code);
  const profile = compact({
    identityMap: ids.identityMap(),
    person: { name: { firstName: str(c.first_name), lastName: str(c.last_name) } },
    personalEmail: { address: normaliseEmail(c.email) },
    mobilePhone: { number: normalisePhone(c.phone, countryCode) },
    homeAddress: address,
    homePhone: { number: normalisePhone(obj(c.default_address).phone, countryCode) },
    userAccount: { startDate: toIsoUtc(c.created_at) },
    consents: marketingConsents(c),
    ...extras,
  });
  return { profiles: [profile], events: [event], identityLinks: ids.links(), deletes: [] };
}

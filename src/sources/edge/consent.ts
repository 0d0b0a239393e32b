import { ok, err, type Result } from '../../shared/result.js';
import type { Problem } from '../../shared/problem.js';
import { isRecord } from '../shared/xdm-helpers.js';
import type { IdentityMap, XdmRecord } from '../shared/xdm-output.js';
import { invalidEdgeRequest } from './edge-errors.js';
import { tooDeep, type StateEntry } from './interact.js';
import { exceedsDepth, MAX_JSON_DEPTH } from '../../shared/json-depth.js';

type Json = Record<string, unknown>;

export type GeneralConsent = 'in' | 'out' | 'pending';

export interface ConsentStringItem {
  consentStandard: string;
  consentStandardVersion: string;
  consentStringValue: string;
  gdprApplies?: boolean;
  containsPersonalData?: boolean;
}

export interface ParsedConsent {
  /** Overall collect decision, used for the `kndctr_…_consent` cookie (`general=in|out`) and for honouring it. */
  general: GeneralConsent;
  /** XDM Consents & Preferences field group value (`consents.collect.val` …). */
  consents: Json;
  /** XDM privacy `consentStrings` (IAB TCF). */
  consentStrings: ConsentStringItem[];
}

export interface SetConsentRequest {
  consent: ParsedConsent;
  identityMap?: IdentityMap;
  stateEntries: StateEntry[];
}

const YES = new Set(['y', 'yes', 'in', 'vi', 'dy', 'lp']);
const NO = new Set(['n', 'no', 'out', 'vn']);

export function generalFromCollect(val: unknown): GeneralConsent {
  const v = typeof val === 'string' ? val.toLowerCase() : '';
  if (YES.has(v)) return 'in';
  if (NO.has(v)) return 'out';
  return 'pending';
}

/**
 * Parses `/ee/v1/privacy/set-consent` consent entries:
 *   {standard:'Adobe', version:'1.0', value:{general:'in'|'out'}}   → consents.collect.val y|n
 *   {standard:'Adobe', version:'2.0', value:{collect:{val:'y'}, …}} → consents as given
 *   {standard:'IAB TCF', version:'2.0', value:'<TC string>', gdprApplies} → consentStrings[]
 * Later entries win for the same purpose. `metadata.time` is set from `receivedAt` when absent.
 */
export function parseConsent(entries: unknown, receivedAt: number): Result<ParsedConsent, Problem> {
  if (!Array.isArray(entries) || entries.length === 0) return err(invalidEdgeRequest('consent must be a non-empty array.'));
  const consents: Json = {};
  const consentStrings: ConsentStringItem[] = [];
  let general: GeneralConsent | undefined;
  for (const [i, e] of entries.entries()) {
    if (!isRecord(e) || typeof e.standard !== 'string' || typeof e.version !== 'string') return err(invalidEdgeRequest(`consent[${i}] needs standard and version.`));
    if (e.standard === 'Adobe' && e.version === '1.0') {
      const g = isRecord(e.value) ? e.value.general : undefined;
      if (g !== 'in' && g !== 'out') return err(invalidEdgeRequest(`consent[${i}].value.general must be 'in' or 'out'.`));
      general = g;
      consents.collect = { val: g === 'in' ? 'y' : 'n' };
    } else if (e.standard === 'Adobe' && e.version === '2.0') {
      if (!isRecord(e.value)) return err(invalidEdgeRequest(`consent[${i}].value must be an object.`));
      Object.assign(consents, e.value);
      if (isRecord(e.value.collect)) general = generalFromCollect(e.value.collect.val);
    } else if (e.standard === 'IAB TCF' && e.version === '2.0') {
      if (typeof e.value !== 'string') return err(invalidEdgeRequest(`consent[${i}].value must be the TC string.`));
      const item: ConsentStringItem = { consentStandard: 'IAB TCF', consentStandardVersion: '2.0', consentStringValue: e.value };
      if (typeof e.gdprApplies === 'boolean') item.gdprApplies = e.gdprApplies;
      if (typeof e.containsPersonalData === 'boolean') item.containsPersonalData = e.containsPersonalData;
      consentStrings.push(item);
    } else {
      return err(invalidEdgeRequest(`Unsupported consent standard ${e.standard} ${e.version}.`));
    }
  }
  const metadata = isRecord(consents.metadata) ? consents.metadata : {};
  if (Object.keys(consents).length) consents.metadata = { ...metadata, time: typeof metadata.time === 'string' ? metadata.time : new Date(receivedAt).toISOString() };
  return ok({ general: general ?? (consentStrings.length ? 'in' : 'pending'), consents, consentStrings });
}

/** Parses a whole set-consent body: `{consent:[…], identityMap?, meta:{state:{entries}}}`. */
export function parseSetConsent(body: unknown, receivedAt: number): Result<SetConsentRequest, Problem> {
  if (!isRecord(body)) return err(invalidEdgeRequest('The request body must be a JSON object.'));
  if (exceedsDepth(body, MAX_JSON_DEPTH)) return err(tooDeep());
  const consent = parseConsent(body.consent, receivedAt);
  if (!consent.ok) return consent;
  const state = isRecord(body.meta) && isRecord(body.meta.state) ? body.meta.state : {};
  const stateEntries = (Array.isArray(state.entries) ? state.entries : []).filter((x): x is StateEntry => isRecord(x) && typeof x.key === 'string' && typeof x.value === 'string');
  const out: SetConsentRequest = { consent: consent.value, stateEntries };
  if (isRecord(body.identityMap)) out.identityMap = body.identityMap as IdentityMap;
  return ok(out);
}

/** The profile record that stores consent (Consents & Preferences field group) for the device's identities. */
export function consentProfileRecord(consent: ParsedConsent, identityMap: IdentityMap): XdmRecord {
  const rec: XdmRecord = { identityMap };
  if (Object.keys(consent.consents).length) rec.consents = consent.consents;
  if (consent.consentStrings.length) rec.consentStrings = consent.consentStrings;
  return rec;
}

/** Value of the `kndctr_<org>_consent` cookie alloy reads (`general=in|out`); none while pending. */
export const consentCookieValue = (general: GeneralConsent): string | undefined => (general === 'pending' ? undefined : `general=${general}`);

/**
 * Honouring consent: may events be collected for this device/profile? Reads the stored XDM consents
 * (`consents.collect.val`); unknown or pending → the datastream's default (alloy's defaultConsent, `in` by default).
 */
export function consentAllowsCollection(storedConsents: unknown, defaultConsent: GeneralConsent = 'in'): boolean {
  const val = isRecord(storedConsents) && isRecord(storedConsents.collect) ? storedConsents.collect.val : undefined;
  const g = val === undefined ? defaultConsent : generalFromCollect(val);
  return g === 'in' || (g === 'pending' && defaultConsent === 'in');
}

import type { IdentityDescriptorInfo } from '../../schema/schema-lookup.js';

/**
 * AEP's identity value rules (Identity Service guardrails, "Identity value validation"), the one place every
 * ingestion path checks them: streaming (sync validation and the processor), batch files and sources all reach
 * `identityValueProblems`. A record carrying a value that breaks a rule is not ingested (AEP "skips" it).
 *
 * - ECID: exactly 38 digits, and each 19-digit half a valid signed 64-bit integer (AEP parses the halves as Java
 *   longs): `UPLIB-101003-400` "Invalid ECID". A half is a digit string, so it is never negative: a sign is not a
 *   digit (Java's parseLong would take "-…", but AEP documents "digits only" and no ECID service emits one).
 * - Every other namespace (Email and Phone included: AEP documents no format rule for them, only normalisation):
 *   at most 1024 characters, else the record is skipped; a `null`, `anonymous`, `invalid` or blank value (any case,
 *   surrounding space ignored) is "blocked from ingestion": that identity is dropped, the record is kept.
 * `effect` says which: `reject-record` fails the record (a 400 with syncValidation, else a failed record);
 * `drop-identity` leaves the record; the identity service's normalisation leaves the identity out of the graph and the
 * profile (skipped with code BLOCKED_IDENTITY, so a record left with none is reported as not ingested to profile).
 */
export const MAX_IDENTITY_LENGTH = 1024;
export const INVALID_ECID_CODE = 'UPLIB-101003-400';
export const INVALID_IDENTITY_CODE = 'IDENTITY_INVALID';
const BLOCKED = new Set(['null', 'anonymous', 'invalid', '']);
const INT64_MAX = 9223372036854775807n;

export type IdentityRuleEffect = 'reject-record' | 'drop-identity';

export interface IdentityRuleFailure {
  /** AEP's error code where it documents one (ECID), else IDENTITY_INVALID. */
  code: string;
  /** AEP's message where it documents one ("Invalid ECID"), else what is wrong. */
  message: string;
  effect: IdentityRuleEffect;
}

type Rule = (value: string) => IdentityRuleFailure | undefined;

const ecidRule: Rule = (v) => {
  const halvesOk = /^\d{38}$/.test(v) && BigInt(v.slice(0, 19)) <= INT64_MAX && BigInt(v.slice(19)) <= INT64_MAX;
  return halvesOk ? undefined : { code: INVALID_ECID_CODE, message: 'Invalid ECID', effect: 'reject-record' };
};

const defaultRule: Rule = (v) => {
  if (v.length > MAX_IDENTITY_LENGTH) return { code: INVALID_IDENTITY_CODE, message: `identity value longer than ${MAX_IDENTITY_LENGTH} characters`, effect: 'reject-record' };
  if (BLOCKED.has(v.trim().toLowerCase())) return { code: INVALID_IDENTITY_CODE, message: 'blocked identity value', effect: 'drop-identity' };
  return undefined;
};

/** Rules by upper-cased namespace code; a namespace not listed gets the default rule. */
const RULES: ReadonlyMap<string, Rule> = new Map([['ECID', ecidRule]]);

export function checkIdentityValue(namespace: string, id: unknown): IdentityRuleFailure | undefined {
  if (typeof id !== 'string') return { code: INVALID_IDENTITY_CODE, message: `identity id must be a string, found ${id === null ? 'null' : typeof id}`, effect: 'reject-record' };
  return (RULES.get(namespace.toUpperCase()) ?? defaultRule)(id);
}

export interface IdentityValueProblem extends IdentityRuleFailure {
  namespace: string;
  /** Where the value is: `identityMap.ECID[0].id` or a descriptor field path such as `/personalEmail/address`. */
  path: string;
  /** JSON pointer to the value, for validation reports. */
  pointer: string;
  value: unknown;
}

/** One line naming the identity, e.g. `Invalid ECID: identityMap.ECID[0].id "123"`. */
export function describeProblem(p: IdentityValueProblem): string {
  const shown = typeof p.value === 'string' ? JSON.stringify(p.value.length > 64 ? `${p.value.slice(0, 64)}…` : p.value) : String(p.value);
  return `${p.message}: ${p.path} ${shown} (namespace ${p.namespace}, ${p.code})`;
}

/** Every identity value of a record (identityMap items and identity-descriptor fields) that breaks a rule. */
export function identityValueProblems(record: unknown, descriptors: readonly IdentityDescriptorInfo[] = []): IdentityValueProblem[] {
  const out: IdentityValueProblem[] = [];
  if (typeof record !== 'object' || record === null) return out;
  const map = (record as { identityMap?: unknown }).identityMap;
  if (map !== undefined) {
    if (typeof map !== 'object' || map === null || Array.isArray(map))
      out.push({ namespace: '', path: 'identityMap', pointer: '#/identityMap', value: map, code: INVALID_IDENTITY_CODE, message: 'identityMap must be an object keyed by namespace', effect: 'reject-record' });
    else
      for (const [ns, items] of Object.entries(map as Record<string, unknown>)) {
        if (!Array.isArray(items)) {
          out.push({ namespace: ns, path: `identityMap.${ns}`, pointer: `#/identityMap/${ns}`, value: items, code: INVALID_IDENTITY_CODE, message: `identityMap.${ns} must be an array`, effect: 'reject-record' });
          continue;
        }
        items.forEach((item, i) => {
          const value = (item as { id?: unknown } | null)?.id;
          const f = checkIdentityValue(ns, value);
          if (f) out.push({ namespace: ns, path: `identityMap.${ns}[${i}].id`, pointer: `#/identityMap/${ns}/${i}/id`, value, ...f });
        });
      }
  }
  for (const d of descriptors) {
    let v: unknown = record;
    for (const seg of d.path) v = typeof v === 'object' && v !== null ? (v as Record<string, unknown>)[seg] : undefined;
    if (v === undefined || v === null) continue; // an absent identity field is the schema's business (required or not)
    const values = Array.isArray(v) ? v : [v];
    values.forEach((raw, i) => {
      // extractIdentities reads numbers as their decimal text and ignores other non-strings: check what it reads
      const value = typeof raw === 'number' ? String(raw) : raw;
      if (typeof value !== 'string') return;
      const f = checkIdentityValue(d.namespace, value);
      const at = '/' + d.path.join('/') + (Array.isArray(v) ? `/${i}` : '');
      if (f) out.push({ namespace: d.namespace, path: at, pointer: `#${at}`, value, ...f });
    });
  }
  return out;
}

/** The problems that fail the whole record (what ingestion rejects; dropped identities are left to extraction). */
export function recordRejections(record: unknown, descriptors: readonly IdentityDescriptorInfo[] = []): IdentityValueProblem[] {
  return identityValueProblems(record, descriptors).filter((p) => p.effect === 'reject-record');
}

/** True when AEP blocks this identity value from ingestion (the record itself is kept). */
export function isDroppedIdentityValue(namespace: string, id: string): boolean {
  return checkIdentityValue(namespace, id)?.effect === 'drop-identity';
}

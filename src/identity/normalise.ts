import { parsePhoneNumberFromString } from 'libphonenumber-js';
import type { IdType } from './namespaces.js';

/**
 * Per-namespace normalisation where it is safe, so `Jane@X.com` and `jane@x.com` are one identity:
 * email-type namespaces are trimmed and lower-cased (unless the namespace opts out), phone-type values become
 * E.164 when they parse, hashed values are lower-cased hex. Everything else is only trimmed.
 */
export function normaliseIdentity(code: string, idType: IdType, value: string, opts: { caseSensitive?: string[] } = {}): string {
  const v = value.trim();
  if (opts.caseSensitive?.some((c) => c.toLowerCase() === code.toLowerCase())) return v;
  if (/sha256/i.test(code)) return v.toLowerCase();
  if (idType === 'EMAIL') return v.toLowerCase();
  if (idType === 'PHONE') {
    const p = parsePhoneNumberFromString(v, { defaultCallingCode: undefined });
    return p?.isValid() ? p.number : v.replace(/[\s().-]/g, '');
  }
  return v;
}

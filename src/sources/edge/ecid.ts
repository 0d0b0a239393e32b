import { randomBytes } from 'node:crypto';
import { checkIdentityValue } from '../../ingest/validation/identity-values.js';

const MIN_19_DIGITS = 10n ** 18n;

/**
 * A new ECID as Adobe's are, and as AEP validates them: two signed-64-bit halves of 19 digits each (38 digits, the
 * first non-zero). Uniform 38-digit strings would not do: a half above 2^63-1 is an "Invalid ECID" to AEP.
 */
export function mintEcid(random: (n: number) => Buffer = randomBytes): string {
  const half = (): bigint => {
    const b = Buffer.from(random(8));
    b[0]! &= 0x7f; // a non-negative long: uniform in [0, 2^63)
    return b.readBigUInt64BE(0);
  };
  let hi = half();
  while (hi < MIN_19_DIGITS) hi = half(); // rejection sampling keeps the first digit non-zero and 19 digits long
  return hi.toString() + half().toString().padStart(19, '0');
}

export const isEcid = (v: unknown): v is string => typeof v === 'string' && checkIdentityValue('ECID', v) === undefined;

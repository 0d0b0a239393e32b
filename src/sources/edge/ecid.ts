import { randomBytes } from 'node:crypto';

/** A new ECID: 38 random decimal digits (first digit non-zero), as Adobe's are. */
export function mintEcid(random: (n: number) => Buffer = randomBytes): string {
  let digits = '';
  while (digits.length < 38) {
    for (const b of random(48)) {
      if (b >= 250) continue; // rejection sampling: 250 = 25 × 10, so b % 10 is uniform
      const d = b % 10;
      if (digits.length === 0 && d === 0) continue;
      digits += String(d);
      if (digits.length === 38) break;
    }
  }
  return digits;
}

export const isEcid = (v: unknown): v is string => typeof v === 'string' && /^\d{38}$/.test(v);

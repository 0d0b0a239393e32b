import { randomBytes, randomUUID, createHash } from 'node:crypto';

/** Lower-case hex of n random bytes. */
export const randomHex = (bytes: number): string => randomBytes(bytes).toString('hex');
/** 24-hex id as used by Catalog datasets. */
export const catalogId = (): string => randomHex(12);
/** 32-hex id as used by schema registry resources. */
export const registryHex = (): string => randomHex(16);
/** 64-hex inlet id (SHA-256-like). */
export const inletId = (): string => randomHex(32);
export const uuid = (): string => randomUUID();
export const sha256Hex = (s: string | Buffer): string => createHash('sha256').update(s).digest('hex');

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
/** ULID-like, time-sortable id (26 chars Crockford base32), as used by Catalog batches. */
export function ulid(now: number = Date.now()): string {
  let t = now;
  let time = '';
  for (let i = 0; i < 10; i++) {
    time = CROCKFORD[t % 32] + time;
    t = Math.floor(t / 32);
  }
  const rnd = randomBytes(16);
  let rand = '';
  for (let i = 0; i < 16; i++) rand += CROCKFORD[rnd[i]! % 32];
  return time + rand;
}

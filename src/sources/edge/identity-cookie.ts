/**
 * The Web SDK identity cookie `kndctr_<orgId with @ → _>_identity`: base64url of a protobuf message whose field 1
 * (length-delimited) is the ECID string. Adobe's Edge adds other fields (e.g. field 10, a nested message); we keep
 * them as opaque bytes when decoding and write only field 1 when encoding.
 */
export const IDENTITY_COOKIE_MAX_AGE = 34128000; // 395 days, as Adobe's Edge sets it

export const orgCookiePrefix = (orgId: string): string => `kndctr_${orgId.replace(/@/g, '_')}`;
export const identityCookieName = (orgId: string): string => `${orgCookiePrefix(orgId)}_identity`;
export const consentCookieName = (orgId: string): string => `${orgCookiePrefix(orgId)}_consent`;

function writeVarint(n: number, out: number[]): void {
  let v = n;
  while (v > 0x7f) {
    out.push((v & 0x7f) | 0x80);
    v = Math.floor(v / 128);
  }
  out.push(v);
}

function readVarint(buf: Uint8Array, pos: number): [number, number] {
  let result = 0;
  let mul = 1;
  for (let i = 0; i < 10; i++) {
    if (pos >= buf.length) throw new Error('truncated varint');
    const b = buf[pos++]!;
    result += (b & 0x7f) * mul;
    if ((b & 0x80) === 0) return [result, pos];
    mul *= 128;
  }
  throw new Error('varint too long');
}

export interface ProtoField {
  field: number;
  wireType: number;
  /** varint / fixed values as numbers; length-delimited as bytes. */
  value: number | Uint8Array;
}

/**
 * Decodes a flat protobuf message into its fields (nested messages stay as bytes). Throws on malformed input unless
 * `lenient`, which returns the fields decoded before the first malformed byte (cookies seen in the wild end with a
 * stray byte after field 10).
 */
export function decodeProto(buf: Uint8Array, lenient = false): ProtoField[] {
  const out: ProtoField[] = [];
  try {
    decodeInto(buf, out);
  } catch (e) {
    if (!lenient || out.length === 0) throw e;
  }
  return out;
}

function decodeInto(buf: Uint8Array, out: ProtoField[]): void {
  let pos = 0;
  while (pos < buf.length) {
    const [key, p1] = readVarint(buf, pos);
    pos = p1;
    const field = Math.floor(key / 8);
    const wireType = key & 7;
    if (field === 0) throw new Error('field number 0');
    if (wireType === 0) {
      const [v, p2] = readVarint(buf, pos);
      out.push({ field, wireType, value: v });
      pos = p2;
    } else if (wireType === 2) {
      const [len, p2] = readVarint(buf, pos);
      if (p2 + len > buf.length) throw new Error('truncated length-delimited field');
      out.push({ field, wireType, value: buf.subarray(p2, p2 + len) });
      pos = p2 + len;
    } else if (wireType === 1 || wireType === 5) {
      const size = wireType === 1 ? 8 : 4;
      if (pos + size > buf.length) throw new Error('truncated fixed field');
      out.push({ field, wireType, value: buf.subarray(pos, pos + size) });
      pos += size;
    } else {
      throw new Error(`unsupported wire type ${wireType}`);
    }
  }
}

export function encodeProto(fields: readonly ProtoField[]): Buffer {
  const out: number[] = [];
  for (const f of fields) {
    writeVarint(f.field * 8 + f.wireType, out);
    if (f.wireType === 0) writeVarint(f.value as number, out);
    else {
      const bytes = f.value as Uint8Array;
      if (f.wireType === 2) writeVarint(bytes.length, out);
      out.push(...bytes);
    }
  }
  return Buffer.from(out);
}

/** Cookie value for an ECID (base64url with `=` padding, like Adobe's). */
export function encodeIdentityCookie(ecid: string): string {
  return encodeProto([{ field: 1, wireType: 2, value: Buffer.from(ecid, 'utf8') }]).toString('base64').replace(/\+/g, '-').replace(/\//g, '_');
}

/** The ECID inside a cookie value (URL-encoded, padded or not); undefined when it is not a valid identity cookie. */
export function decodeIdentityCookie(value: string): string | undefined {
  try {
    let v = value.trim();
    if (v.includes('%')) v = decodeURIComponent(v);
    if (!/^[A-Za-z0-9_\-+/]+=*$/.test(v)) return undefined;
    const fields = decodeProto(Buffer.from(v.replace(/-/g, '+').replace(/_/g, '/'), 'base64'), true);
    const f1 = fields.find((f) => f.field === 1 && f.wireType === 2);
    if (!f1) return undefined;
    const ecid = Buffer.from(f1.value as Uint8Array).toString('utf8');
    return /^\d{1,38}$/.test(ecid) ? ecid : undefined;
  } catch {
    return undefined;
  }
}

/** Cookie header → name/value pairs. */
export function parseCookieHeader(header: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (!header) return out;
  for (const part of header.split(';')) {
    const idx = part.indexOf('=');
    if (idx <= 0) continue;
    const k = part.slice(0, idx).trim();
    if (!(k in out)) out[k] = part.slice(idx + 1).trim();
  }
  return out;
}

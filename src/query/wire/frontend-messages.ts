import { BufferReader } from 'pg-protocol/dist/buffer-reader.js';
import { ok, err, type Result } from '../../shared/result.js';
import { SQLSTATE, type SqlError } from '../engine/query-engine.js';

/**
 * Frontend (client → server) messages after authentication: framing (type byte + int32 length) and decoding.
 * Everything is bounds-checked: a short or malformed message is a protocol violation (08P01), never an exception.
 */

/** The largest message we accept (PostgreSQL allows 1 GB; a Bind with a 64 MiB parameter is already unreasonable). */
export const MAX_MESSAGE_BYTES = 64 * 1024 * 1024;

export interface Frame {
  /** The type byte as a character ('Q', 'P', …). */
  type: string;
  body: Buffer;
}

export type FrontendMessage =
  | { type: 'Q'; sql: string }
  | { type: 'P'; name: string; sql: string; paramTypes: number[] }
  | { type: 'B'; portal: string; statement: string; paramFormats: number[]; params: Array<Buffer | null>; resultFormats: number[] }
  | { type: 'D'; target: 'S' | 'P'; name: string }
  | { type: 'E'; portal: string; maxRows: number }
  | { type: 'C'; target: 'S' | 'P'; name: string }
  | { type: 'S' }
  | { type: 'H' }
  | { type: 'X' }
  | { type: 'other'; code: string };

const violation = (message: string): SqlError => ({ code: SQLSTATE.protocolViolation, message });

/** Accumulates socket chunks and cuts whole frames; copies only when a frame spans chunks. */
export class FrameReader {
  private chunks: Buffer[] = [];
  private total = 0;

  push(chunk: Buffer): void {
    if (chunk.length === 0) return;
    this.chunks.push(chunk);
    this.total += chunk.length;
  }

  /** Bytes received but not yet part of a whole frame (non-zero at EOF: a truncated message). */
  get buffered(): number {
    return this.total;
  }

  /** The next whole frame, undefined when more bytes are needed, or an error for an impossible length. */
  next(maxBytes = MAX_MESSAGE_BYTES): Result<Frame | undefined, SqlError> {
    if (this.total < 5) return ok(undefined);
    this.coalesce(5);
    const head = this.chunks[0]!;
    const len = head.readUInt32BE(1);
    if (len < 4 || len > maxBytes) return err(violation(`invalid message length ${len}`));
    const need = len + 1;
    if (this.total < need) return ok(undefined);
    this.coalesce(need);
    const first = this.chunks[0]!;
    const frame = { type: String.fromCharCode(first[0]!), body: first.subarray(5, need) };
    if (first.length === need) this.chunks.shift();
    else this.chunks[0] = first.subarray(need);
    this.total -= need;
    return ok(frame);
  }

  private coalesce(n: number): void {
    if (this.chunks[0]!.length >= n) return;
    this.chunks = [Buffer.concat(this.chunks)];
  }
}

/** A bounds-checked reader over one message body (pg-protocol's reader does not check bounds). */
class Cursor {
  private readonly r = new BufferReader();
  /** Mirrors the reader's (private) offset. */
  private pos = 0;
  constructor(private readonly buf: Buffer) {
    this.r.setBuffer(0, buf);
  }
  private take(n: number): boolean {
    if (this.pos + n > this.buf.length) return false;
    this.pos += n;
    return true;
  }
  int16(): number | undefined {
    return this.take(2) ? this.r.int16() : undefined;
  }
  int32(): number | undefined {
    return this.take(4) ? this.r.int32() : undefined;
  }
  uint32(): number | undefined {
    return this.take(4) ? this.r.uint32() : undefined;
  }
  byte(): string | undefined {
    return this.take(1) ? String.fromCharCode(this.r.byte()) : undefined;
  }
  cstring(): string | undefined {
    const end = this.buf.indexOf(0, this.pos);
    if (end < 0) return undefined;
    this.pos = end + 1;
    return this.r.cstring();
  }
  bytes(n: number): Buffer | undefined {
    return this.take(n) ? Buffer.from(this.r.bytes(n)) : undefined;
  }
}

/** Reads `count` int16s (a format-code list), after its int16 count. */
const int16List = (c: Cursor): number[] | undefined => {
  const n = c.int16();
  if (n === undefined || n < 0) return undefined;
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const v = c.int16();
    if (v === undefined) return undefined;
    out.push(v);
  }
  return out;
};

function decodeBody(f: Frame): FrontendMessage | undefined {
  const c = new Cursor(f.body);
  switch (f.type) {
    case 'Q': {
      const sql = c.cstring();
      return sql === undefined ? undefined : { type: 'Q', sql };
    }
    case 'P': {
      const name = c.cstring();
      const sql = c.cstring();
      const n = c.int16();
      if (name === undefined || sql === undefined || n === undefined || n < 0) return undefined;
      const paramTypes: number[] = [];
      for (let i = 0; i < n; i++) {
        const oid = c.uint32();
        if (oid === undefined) return undefined;
        paramTypes.push(oid);
      }
      return { type: 'P', name, sql, paramTypes };
    }
    case 'B': {
      const portal = c.cstring();
      const statement = c.cstring();
      const paramFormats = int16List(c);
      const n = c.int16();
      if (portal === undefined || statement === undefined || paramFormats === undefined || n === undefined || n < 0) return undefined;
      const params: Array<Buffer | null> = [];
      for (let i = 0; i < n; i++) {
        const len = c.int32();
        if (len === undefined || len < -1) return undefined;
        if (len === -1) params.push(null);
        else {
          const b = c.bytes(len);
          if (b === undefined) return undefined;
          params.push(b);
        }
      }
      const resultFormats = int16List(c);
      return resultFormats === undefined ? undefined : { type: 'B', portal, statement, paramFormats, params, resultFormats };
    }
    case 'D':
    case 'C': {
      const target = c.byte();
      const name = c.cstring();
      if ((target !== 'S' && target !== 'P') || name === undefined) return undefined;
      return { type: f.type, target, name };
    }
    case 'E': {
      const portal = c.cstring();
      const maxRows = c.int32();
      if (portal === undefined || maxRows === undefined) return undefined;
      // negative means "all" like 0 (PostgreSQL treats maxRows <= 0 as unlimited)
      return { type: 'E', portal, maxRows: Math.max(0, maxRows) };
    }
    case 'S':
    case 'H':
    case 'X':
      return { type: f.type };
    default:
      return { type: 'other', code: f.type };
  }
}

/** Decodes a frame; a body that does not fit its type is a protocol violation. */
export function decodeFrontend(f: Frame): Result<FrontendMessage, SqlError> {
  const m = decodeBody(f);
  if (m === undefined) return err(violation(`invalid frontend message of type '${printable(f.type)}'`));
  return ok(m);
}

/** A type byte as it may appear in an error message (control bytes as hex). */
export const printable = (t: string): string => (/^[\x20-\x7e]$/.test(t) ? t : `0x${t.charCodeAt(0).toString(16).padStart(2, '0')}`);

import type { DuckDBDataChunk, DuckDBType, DuckDBValue } from '@duckdb/node-api';
import { err, ok, type Result } from '../../shared/result.js';
import { SQLSTATE, type ColumnDesc, type SqlError } from './query-engine.js';
import { isNested, pgTypeOf } from './pg-types.js';
import { binaryCell, textCell, type Cell } from './value-codecs.js';

/** A result's columns as the wire describes them, and how each is written. */
export interface RowShape {
  columns: ColumnDesc[];
  cells: Cell[];
}

/** RowDescription + encoders for a result, with Bind's `resultFormats` ([] all text, [f] all f, else one per column). */
export function rowShape(names: string[], types: DuckDBType[], autoToJson: boolean, formats: number[]): Result<RowShape, SqlError> {
  if (formats.length > 1 && formats.length !== names.length)
    return err({ code: SQLSTATE.protocolViolation, message: `bind message has ${formats.length} result formats but query has ${names.length} columns` });
  const columns: ColumnDesc[] = [];
  const cells: Cell[] = [];
  for (let i = 0; i < names.length; i++) {
    const t = types[i]!;
    const pg = pgTypeOf(t, autoToJson);
    const f = formats.length === 0 ? 0 : formats.length === 1 ? formats[0]! : formats[i]!;
    if (f !== 0 && f !== 1) return err({ code: SQLSTATE.protocolViolation, message: `unsupported format code: ${f}` });
    columns.push({ name: names[i]!, typeOid: pg.oid, typeSize: pg.size, typeModifier: pg.typeModifier });
    // nested values without auto_to_json are text in DuckDB's notation (String(v)); with it, JSON (textCell by OID)
    cells.push(f === 1 ? binaryCell(t, pg.oid) : isNested(t) && !autoToJson ? (v) => String(v) : textCell(t, pg.oid));
  }
  return ok({ columns, cells });
}

/** A growing buffer of DataRow messages. */
export class DataRowWriter {
  private buf = Buffer.allocUnsafe(64 * 1024);
  private pos = 0;

  get size(): number {
    return this.pos;
  }

  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + n));
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  /** Appends one DataRow ('D') for row `r` of the chunk's column values. */
  row(values: DuckDBValue[][], r: number, cells: Cell[]): void {
    const start = this.pos;
    this.ensure(7);
    this.buf[this.pos] = 0x44; // 'D'
    this.pos += 5; // length written at the end
    this.buf.writeInt16BE(cells.length, this.pos);
    this.pos += 2;
    for (let c = 0; c < cells.length; c++) {
      const v = values[c]![r]!;
      if (v === null || v === undefined) {
        this.ensure(4);
        this.buf.writeInt32BE(-1, this.pos);
        this.pos += 4;
        continue;
      }
      const out = cells[c]!(v);
      if (typeof out === 'string') {
        const n = Buffer.byteLength(out);
        this.ensure(4 + n);
        this.buf.writeInt32BE(n, this.pos);
        this.buf.write(out, this.pos + 4, 'utf8');
        this.pos += 4 + n;
      } else {
        this.ensure(4 + out.byteLength);
        this.buf.writeInt32BE(out.byteLength, this.pos);
        this.buf.set(out, this.pos + 4);
        this.pos += 4 + out.byteLength;
      }
    }
    this.buf.writeInt32BE(this.pos - start - 1, start + 1);
  }

  /** The bytes written (a copy: the writer's buffer is not handed out). */
  take(): Uint8Array {
    return Uint8Array.prototype.slice.call(this.buf, 0, this.pos);
  }
}

/** The column values of a chunk (column-major), read once per chunk. */
export function chunkColumns(chunk: DuckDBDataChunk): DuckDBValue[][] {
  const out: DuckDBValue[][] = [];
  for (let c = 0; c < chunk.columnCount; c++) out.push(chunk.getColumnValues(c));
  return out;
}

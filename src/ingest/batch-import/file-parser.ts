import { DuckDBInstance } from '@duckdb/node-api';
import { ok, err, type Result } from '../../shared/result.js';
import { isObj } from '../../shared/objects.js';

export type BatchFileFormat = 'json' | 'csv' | 'parquet';

export interface ParsedRow {
  /** 1-based row number in the file (line for JSON lines). */
  row: number;
  value: Result<Record<string, unknown>, string>;
  /** Raw text of the row when it failed to parse. */
  raw?: string;
}


/** Splits concatenated JSON documents (`isMultiLineJson`): objects that span lines, one after another. */
function splitConcatenatedJson(text: string): Array<{ row: number; text: string }> {
  const out: Array<{ row: number; text: string }> = [];
  let depth = 0;
  let inStr = false;
  let esc = false;
  let start = -1;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (inStr) {
      if (esc) esc = false;
      else if (c === '\\') esc = true;
      else if (c === '"') inStr = false;
      continue;
    }
    if (c === '"') inStr = true;
    else if (c === '{') {
      if (depth === 0) start = i;
      depth++;
    } else if (c === '}') {
      depth--;
      if (depth === 0 && start >= 0) {
        out.push({ row: out.length + 1, text: text.slice(start, i + 1) });
        start = -1;
      }
    }
  }
  if (depth !== 0 && start >= 0) out.push({ row: out.length + 1, text: text.slice(start) });
  return out;
}

function parseJsonRow(row: number, text: string): ParsedRow {
  try {
    const v = JSON.parse(text) as unknown;
    if (!isObj(v)) return { row, value: err('row is not a JSON object'), raw: text };
    return { row, value: ok(v) };
  } catch (e) {
    return { row, value: err(`malformed JSON: ${(e as Error).message}`), raw: text };
  }
}

/** JSON files: a JSON array, JSON lines, or (isMultiLineJson) concatenated multi-line objects. */
export function parseJsonFile(buf: Buffer, opts: { isMultiLineJson?: boolean } = {}): ParsedRow[] {
  const text = buf.toString('utf8').replace(/^\uFEFF/, '');
  const trimmed = text.trimStart();
  if (trimmed.startsWith('[')) {
    try {
      const arr = JSON.parse(text) as unknown[];
      return arr.map((v, i) => (isObj(v) ? { row: i + 1, value: ok(v) } : { row: i + 1, value: err('array element is not a JSON object'), raw: JSON.stringify(v) }));
    } catch (e) {
      return [{ row: 1, value: err(`malformed JSON array: ${(e as Error).message}`), raw: text.slice(0, 10_000) }];
    }
  }
  if (opts.isMultiLineJson) return splitConcatenatedJson(text).map((d) => parseJsonRow(d.row, d.text));
  const rows: ParsedRow[] = [];
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    if (lines[i]!.trim() === '') continue;
    rows.push(parseJsonRow(i + 1, lines[i]!));
  }
  return rows;
}

/** `a.b.c` column names become nested objects; empty CSV cells are omitted (AEP rejects nulls). */
export function unflatten(flat: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(flat)) {
    if (v === null || v === undefined || v === '') continue;
    const parts = k.split('.');
    let cur = out;
    for (let i = 0; i < parts.length - 1; i++) {
      const p = parts[i]!;
      if (!isObj(cur[p])) cur[p] = {};
      cur = cur[p] as Record<string, unknown>;
    }
    cur[parts[parts.length - 1]!] = v;
  }
  return out;
}

function dropNulls(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(dropNulls);
  if (isObj(v)) {
    const o: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) if (x !== null && x !== undefined) o[k] = dropNulls(x);
    return o;
  }
  return v;
}

/** CSV and Parquet are read by DuckDB (read_csv_auto / read_parquet); each row comes back as JSON. */
export async function parseWithDuckDb(path: string, format: 'csv' | 'parquet'): Promise<ParsedRow[]> {
  const inst = await DuckDBInstance.create(':memory:');
  const conn = await inst.connect();
  try {
    const quoted = `'${path.replace(/'/g, "''")}'`;
    const src = format === 'csv' ? `read_csv_auto(${quoted}, header=true)` : `read_parquet(${quoted})`;
    const reader = await conn.runAndReadAll(`SELECT to_json(t)::VARCHAR AS j FROM ${src} t`);
    return reader.getRows().map((r, i) => {
      const obj = JSON.parse(String(r[0])) as Record<string, unknown>;
      return { row: i + 1, value: ok((format === 'csv' ? unflatten(obj) : dropNulls(obj)) as Record<string, unknown>) };
    });
  } catch (e) {
    return [{ row: 1, value: err(`cannot read ${format} file: ${(e as Error).message}`) }];
  } finally {
    conn.closeSync();
    inst.closeSync();
  }
}

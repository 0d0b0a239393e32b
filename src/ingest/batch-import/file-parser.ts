import { createReadStream } from 'node:fs';
import { open, readFile } from 'node:fs/promises';
import { basename } from 'node:path';
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


/**
 * Splits concatenated JSON documents (`isMultiLineJson`): objects that span lines, one after another. Incremental:
 * text can arrive in chunks of any size; only the document being read is kept.
 */
export class ConcatenatedJsonSplitter {
  private buf = '';
  private pos = 0;
  private depth = 0;
  private inStr = false;
  private esc = false;
  private start = -1;
  private row = 0;

  push(text: string): Array<{ row: number; text: string }> {
    this.buf += text;
    const out: Array<{ row: number; text: string }> = [];
    const b = this.buf;
    for (let i = this.pos; i < b.length; i++) {
      const c = b[i]!;
      if (this.inStr) {
        if (this.esc) this.esc = false;
        else if (c === '\\') this.esc = true;
        else if (c === '"') this.inStr = false;
        continue;
      }
      if (c === '"') this.inStr = true;
      else if (c === '{') {
        if (this.depth === 0) this.start = i;
        this.depth++;
      } else if (c === '}') {
        this.depth--;
        if (this.depth === 0 && this.start >= 0) {
          out.push({ row: ++this.row, text: b.slice(this.start, i + 1) });
          this.start = -1;
        }
      }
    }
    // keep only the unfinished document (or nothing between documents)
    const keep = this.start >= 0 ? this.start : b.length;
    this.buf = b.slice(keep);
    this.pos = this.buf.length;
    if (this.start >= 0) this.start = 0;
    return out;
  }

  /** The unterminated tail, if any, as a last (malformed) document. */
  end(): Array<{ row: number; text: string }> {
    return this.depth !== 0 && this.start >= 0 ? [{ row: ++this.row, text: this.buf }] : [];
  }
}

function splitConcatenatedJson(text: string): Array<{ row: number; text: string }> {
  const s = new ConcatenatedJsonSplitter();
  return [...s.push(text), ...s.end()];
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

/** CSV and Parquet are read by DuckDB (read_csv_auto / read_parquet), a chunk (2048 rows) at a time. */
export async function* readWithDuckDb(path: string, format: 'csv' | 'parquet'): AsyncGenerator<ParsedRow[]> {
  const inst = await DuckDBInstance.create(':memory:');
  const conn = await inst.connect();
  let row = 0;
  try {
    const quoted = `'${path.replace(/'/g, "''")}'`;
    const src = format === 'csv' ? `read_csv_auto(${quoted}, header=true)` : `read_parquet(${quoted})`;
    const result = await conn.stream(`SELECT to_json(t)::VARCHAR AS j FROM ${src} t`);
    for await (const rows of result.yieldRows())
      yield rows.map((r) => {
        const obj = JSON.parse(String(r[0])) as Record<string, unknown>;
        return { row: ++row, value: ok((format === 'csv' ? unflatten(obj) : dropNulls(obj)) as Record<string, unknown>) };
      });
  } catch (e) {
    // DuckDB names the file it failed on: the client sees its own file name, never the server's staging path
    yield [{ row: row + 1, value: err(`cannot read ${format} file: ${(e as Error).message.split(path).join(basename(path))}`) }];
  } finally {
    conn.closeSync();
    inst.closeSync();
  }
}

/** All rows of a CSV or Parquet file (small files, tests). */
export async function parseWithDuckDb(path: string, format: 'csv' | 'parquet'): Promise<ParsedRow[]> {
  const out: ParsedRow[] = [];
  for await (const rows of readWithDuckDb(path, format)) out.push(...rows);
  return out;
}

/** The first character of a file that is not whitespace or a BOM ('' when there is none). */
async function firstSignificantChar(path: string): Promise<string> {
  const fh = await open(path, 'r');
  try {
    const buf = Buffer.alloc(64 * 1024);
    for (;;) {
      const { bytesRead } = await fh.read(buf, 0, buf.length, null);
      if (bytesRead === 0) return '';
      const m = /[^\s\uFEFF]/.exec(buf.toString('latin1', 0, bytesRead).replace(/^\xEF\xBB\xBF/, ''));
      if (m) return m[0];
    }
  } finally {
    await fh.close();
  }
}

/**
 * JSON files read incrementally, a read chunk (256 KiB) of rows at a time: JSON lines by line, `isMultiLineJson` by
 * document. A JSON array is one value and is still read whole (parseJsonFile).
 */
export async function* readJsonRows(path: string, opts: { isMultiLineJson?: boolean } = {}): AsyncGenerator<ParsedRow[]> {
  if ((await firstSignificantChar(path)) === '[') {
    yield parseJsonFile(await readFile(path), opts);
    return;
  }
  const input = createReadStream(path, { encoding: 'utf8', highWaterMark: 256 * 1024 });
  let first = true;
  const unBom = (t: string) => (first ? ((first = false), t.replace(/^\uFEFF/, '')) : t);
  if (opts.isMultiLineJson) {
    const splitter = new ConcatenatedJsonSplitter();
    for await (const chunk of input) yield splitter.push(unBom(chunk as string)).map((d) => parseJsonRow(d.row, d.text));
    yield splitter.end().map((d) => parseJsonRow(d.row, d.text));
    return;
  }
  let line = 0;
  let tail = '';
  const rowsOf = (lines: string[]) => {
    const rows: ParsedRow[] = [];
    for (const l of lines) {
      line++;
      const t = l.endsWith('\r') ? l.slice(0, -1) : l;
      if (t.trim() !== '') rows.push(parseJsonRow(line, t));
    }
    return rows;
  };
  for await (const chunk of input) {
    const lines = (tail + unBom(chunk as string)).split('\n');
    tail = lines.pop()!;
    yield rowsOf(lines);
  }
  if (tail !== '') yield rowsOf([tail]);
}

/** The rows of a staged batch file, a chunk at a time (see readJsonRows for what is still read whole). */
export function readRowChunks(path: string, format: BatchFileFormat, opts: { isMultiLineJson?: boolean } = {}): AsyncGenerator<ParsedRow[]> {
  return format === 'json' ? readJsonRows(path, opts) : readWithDuckDb(path, format);
}

/** Row by row (tests, small files). */
export async function* readRows(path: string, format: BatchFileFormat, opts: { isMultiLineJson?: boolean } = {}): AsyncGenerator<ParsedRow> {
  for await (const rows of readRowChunks(path, format, opts)) yield* rows;
}

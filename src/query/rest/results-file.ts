import { createReadStream, createWriteStream, mkdirSync, renameSync, rmSync, existsSync, type WriteStream } from 'node:fs';
import { once } from 'node:events';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { Readable } from 'node:stream';

/**
 * A SELECT's result rows on disk (`<dataDir>/query-results/<id>.ndjson`): a first line `{"columns":[{name,type}]}`,
 * then one JSON array per row. Written as the rows arrive (never held whole), under a temporary name until the query
 * succeeds; read back a page at a time (JSON) or streamed whole (CSV).
 */
export type Column = { name: string; type: string };

export const resultsDir = (dataDir: string): string => join(dataDir, 'query-results');
export const resultsPath = (dataDir: string, id: string): string => join(resultsDir(dataDir), `${id}.ndjson`);

export class ResultsWriter {
  private out: WriteStream | undefined;
  private readonly tmp: string;
  rows = 0;

  constructor(
    private readonly dataDir: string,
    private readonly id: string,
  ) {
    this.tmp = `${resultsPath(dataDir, id)}.part`;
  }

  /** Starts a new result (a later statement's rows replace an earlier one's). */
  async begin(columns: Column[]): Promise<void> {
    await this.discard();
    mkdirSync(resultsDir(this.dataDir), { recursive: true });
    this.out = createWriteStream(this.tmp);
    this.rows = 0;
    await this.write(JSON.stringify({ columns }) + '\n');
  }

  async append(rows: unknown[][]): Promise<void> {
    if (!this.out || rows.length === 0) return;
    await this.write(rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
    this.rows += rows.length;
  }

  private async write(s: string): Promise<void> {
    // back-pressure: a slow disk holds the fetch loop instead of buffering rows in memory
    if (!this.out!.write(s)) await once(this.out!, 'drain');
  }

  /** Keeps the rows (when any were begun). Returns whether there is a result file. */
  async commit(): Promise<boolean> {
    if (!this.out) return false;
    const out = this.out;
    this.out = undefined;
    out.end();
    await once(out, 'close');
    renameSync(this.tmp, resultsPath(this.dataDir, this.id));
    return true;
  }

  async discard(): Promise<void> {
    if (this.out) {
      const out = this.out;
      this.out = undefined;
      out.end();
      await once(out, 'close');
    }
    rmSync(this.tmp, { force: true });
  }
}

export function deleteResults(dataDir: string, id: string): void {
  rmSync(resultsPath(dataDir, id), { force: true });
  rmSync(`${resultsPath(dataDir, id)}.part`, { force: true });
}

/** Column names made unique (`a`, `a_1`) so rows can be JSON objects. */
function uniqueNames(columns: Column[]): string[] {
  const seen = new Map<string, number>();
  return columns.map((c) => {
    const n = seen.get(c.name) ?? 0;
    seen.set(c.name, n + 1);
    return n === 0 ? c.name : `${c.name}_${n}`;
  });
}

/** Rows `start` … `start + limit - 1` as objects keyed by column name, with the columns. */
export async function readPage(path: string, start: number, limit: number): Promise<{ columns: Column[]; rows: Array<Record<string, unknown>> } | undefined> {
  if (!existsSync(path)) return undefined;
  const input = createReadStream(path, { encoding: 'utf8' });
  const lines = createInterface({ input, crlfDelay: Infinity });
  let columns: Column[] | undefined;
  let names: string[] = [];
  const rows: Array<Record<string, unknown>> = [];
  let i = 0;
  try {
    for await (const line of lines) {
      if (columns === undefined) {
        columns = (JSON.parse(line) as { columns: Column[] }).columns;
        names = uniqueNames(columns);
        continue;
      }
      if (i++ < start) continue;
      const values = JSON.parse(line) as unknown[];
      rows.push(Object.fromEntries(names.map((n, k) => [n, values[k] ?? null])));
      if (rows.length >= limit) break;
    }
  } finally {
    lines.close();
    input.destroy();
  }
  return { columns: columns ?? [], rows };
}

function csvField(v: unknown): string {
  if (v === null || v === undefined) return '';
  const s = typeof v === 'object' ? JSON.stringify(v) : String(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** The whole result as CSV (RFC 4180; a header row; nested values as JSON text; NULL as an empty field), streamed. */
export function csvStream(path: string): Readable {
  async function* lines() {
    const input = createReadStream(path, { encoding: 'utf8' });
    const rl = createInterface({ input, crlfDelay: Infinity });
    let header = true;
    try {
      for await (const line of rl) {
        if (header) {
          header = false;
          yield (JSON.parse(line) as { columns: Column[] }).columns.map((c) => csvField(c.name)).join(',') + '\r\n';
        } else yield (JSON.parse(line) as unknown[]).map(csvField).join(',') + '\r\n';
      }
    } finally {
      rl.close();
      input.destroy();
    }
  }
  return Readable.from(lines());
}

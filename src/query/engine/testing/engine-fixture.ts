import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Lake } from '../../../lake/lake.js';
import type { LakeRow } from '../../../ingest/processor/processor-ports.js';
import { DuckdbQueryEngine } from '../duckdb-query-engine.js';
import type { EngineOptions } from '../engine-options.js';
import type { ColumnDesc, ParamValue, SessionSpec, SqlError } from '../query-engine.js';
import { SimpleTableSpace } from './simple-table-space.js';

export const SPEC: SessionSpec = { orgId: 'ORG@AdobeOrg', sandboxId: 'sb-1', sandboxName: 'prod', flatten: false, user: 'tester' };
export const OTHER: SessionSpec = { ...SPEC, sandboxId: 'sb-2', sandboxName: 'dev' };

const T0 = Date.UTC(2026, 0, 1, 12, 0, 0, 250);
export const eventRow = (offset: number, extra: Partial<LakeRow> = {}): LakeRow => ({
  sandboxId: SPEC.sandboxId,
  table: 'events',
  id: `ev-${offset}`,
  timestamp: T0 + offset,
  batchId: 'B1',
  offset,
  ingestedAt: T0,
  record: JSON.stringify({ _id: `ev-${offset}`, eventType: offset % 2 ? 'commerce.purchases' : 'web.webpagedetails.pageViews', commerce: { order: { priceTotal: offset * 1.5 } } }),
  ...extra,
});

/** A real Lake in a temp dir with 5 events in sandbox sb-1 (`events`) and 1 in sb-2 (`secret`), and an engine over it. */
export async function engineFixture(options: Partial<EngineOptions> = {}): Promise<{ dir: string; lake: Lake; engine: DuckdbQueryEngine; close: () => Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), 'kith-query-engine-'));
  const lake = await Lake.open(dir);
  await lake.write('test', 5, [1, 2, 3, 4, 5].map((o) => eventRow(o)));
  await lake.write('test', 6, [eventRow(6, { sandboxId: OTHER.sandboxId, table: 'secret' })]);
  const engine = DuckdbQueryEngine.create({ lake, tables: new SimpleTableSpace(), options });
  return {
    dir,
    lake,
    engine,
    close: async () => {
      await lake.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** DataRow bytes → rows of cells (text as strings, binary as Buffers when `binary`). */
export function decodeDataRows(data: Uint8Array, binary = false): Array<Array<string | Buffer | null>> {
  const b = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  const rows: Array<Array<string | Buffer | null>> = [];
  let i = 0;
  while (i < b.length) {
    if (b[i] !== 0x44) throw new Error(`not a DataRow at ${i}`);
    const len = b.readInt32BE(i + 1);
    const n = b.readInt16BE(i + 5);
    let j = i + 7;
    const row: Array<string | Buffer | null> = [];
    for (let c = 0; c < n; c++) {
      const l = b.readInt32BE(j);
      j += 4;
      if (l < 0) row.push(null);
      else {
        const cell = b.subarray(j, j + l);
        row.push(binary ? Buffer.from(cell) : cell.toString('utf8'));
        j += l;
      }
    }
    if (j !== i + 1 + len) throw new Error('DataRow length mismatch');
    rows.push(row);
    i = j;
  }
  return rows;
}

export interface RunResult {
  columns: ColumnDesc[] | null;
  rows: Array<Array<string | null>>;
  tag: string | undefined;
  parameterStatus: Array<[string, string]>;
}

/** startPortal + fetch until done: the whole result as text (tests only). */
export async function run(engine: DuckdbQueryEngine, session: string, sql: string, params: ParamValue[] = [], paramTypes: number[] = []): Promise<{ ok: true; value: RunResult } | { ok: false; error: SqlError }> {
  const start = await engine.startPortal(session, '', sql, params, paramTypes, []);
  if (!start.ok) return start;
  const rows: Array<Array<string | null>> = [];
  const parameterStatus: Array<[string, string]> = [];
  for (;;) {
    const f = await engine.fetch(session, '', 0);
    if (!f.ok) return f;
    rows.push(...(decodeDataRows(f.value.data) as Array<Array<string | null>>));
    parameterStatus.push(...(f.value.parameterStatus ?? []));
    if (!f.value.suspended) return { ok: true, value: { columns: start.value.columns, rows, tag: f.value.commandTag, parameterStatus } };
  }
}

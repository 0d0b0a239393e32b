import type { DatasetNotIngested } from './not-ingested-store.js';

/** One (sandbox, dataset, reason) group as the adapters' SQL returns it. */
export interface CountRow {
  sandbox_id: string;
  dataset_id: string;
  code: string;
  reason: string;
  live: number | string;
  replayed: number | string;
  last_at: number | string;
}

/** Folds reason groups into one entry per dataset (reasons: live rows only, most frequent first). */
export function datasetCounts(rows: readonly CountRow[]): DatasetNotIngested[] {
  const by = new Map<string, DatasetNotIngested>();
  for (const r of rows) {
    const k = `${r.sandbox_id}\u0000${r.dataset_id}`;
    let d = by.get(k);
    if (!d) by.set(k, (d = { sandboxId: r.sandbox_id, datasetId: r.dataset_id, count: 0, replayed: 0, reasons: [], lastAt: 0 }));
    const live = Number(r.live);
    d.count += live;
    d.replayed += Number(r.replayed);
    d.lastAt = Math.max(d.lastAt, Number(r.last_at));
    if (live > 0) d.reasons.push({ code: r.code, reason: r.reason, count: live });
  }
  const out = [...by.values()];
  for (const d of out) d.reasons.sort((a, b) => b.count - a.count || a.code.localeCompare(b.code));
  return out.sort((a, b) => a.sandboxId.localeCompare(b.sandboxId) || a.datasetId.localeCompare(b.datasetId));
}

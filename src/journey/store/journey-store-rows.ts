import type { JourneyInstance } from '../journey-types.js';

/** The columns both adapters index beside an instance's JSON document. */
export interface InstanceColumns {
  id: string;
  sandbox: string;
  journeyId: string;
  versionId: string;
  personKey: string;
  status: JourneyInstance['status'];
  enteredAt: number;
  /** When the instance is due: its wait's due while it is not ended, else null (not in the timer wheel). */
  due: number | null;
  doc: string;
}

/** An instance as rows store it; throws when its document cannot be serialised (a BigInt, a cycle). */
export function instanceColumns(i: JourneyInstance): InstanceColumns {
  return {
    id: i.id,
    sandbox: i.sandboxId,
    journeyId: i.journeyId,
    versionId: i.versionId,
    personKey: i.personKey,
    status: i.status,
    enteredAt: i.enteredAt,
    due: i.status !== 'ended' && i.wait ? i.wait.due : null,
    doc: JSON.stringify(i),
  };
}

/** The last write of each id wins within a unit (a multi-row upsert may touch a row once). */
export function lastPerId<T extends { id: string }>(rows: readonly T[]): T[] {
  if (rows.length < 2) return [...rows];
  const byId = new Map<string, T>();
  for (const r of rows) {
    byId.delete(r.id);
    byId.set(r.id, r);
  }
  return [...byId.values()];
}

/** A row count or a position from a caller: whole, 0 or more (NaN → 0; +Infinity → no bound). */
export function countArg(n: number): number {
  if (Number.isNaN(n) || n <= 0) return 0;
  return Number.isFinite(n) ? Math.trunc(n) : Number.MAX_SAFE_INTEGER;
}

/** A sequence number or time bound from a caller, kept within ±2^53 (NaN → 0). */
export function boundArg(n: number): number {
  if (Number.isNaN(n)) return 0;
  return Math.max(-Number.MAX_SAFE_INTEGER, Math.min(Number.MAX_SAFE_INTEGER, n));
}

/** The columns of an instance document as a dump holds it (the text is kept as it is). */
export function instanceColumnsOfDoc(doc: string): InstanceColumns {
  return { ...instanceColumns(JSON.parse(doc) as JourneyInstance), doc };
}

/** Lone UTF-16 surrogates (from a client's JSON `"\\ud800"`), which no UTF-8 text holds. */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/**
 * A string as UTF-8 text can hold it: lone surrogates become U+FFFD, as bound parameters encode them (SQLite's and
 * pg's). For text sent inside JSON, where PostgreSQL refuses an escaped lone surrogate and would fail the whole unit.
 */
export const wellFormed = (s: string): string => s.replace(LONE_SURROGATE, '\ufffd');

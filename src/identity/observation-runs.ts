import type { HistoryEntry, LinkObservation } from './graph-types.js';

/** An observation-log row as both adapters store it: `record` '*' marks a run (see encodeRun). */
export interface ObsRow {
  t: number;
  dataset: string;
  batch: string;
  record: string;
  identities: string;
}

/** A run of observations, columnar (see encodeRun). */
interface Run {
  /** Namespace codes and their id types, by index (`k`). */
  ns: string[];
  ty: string[];
  /** Per observation: event time, record, number of identities. */
  t: number[];
  r: string[];
  c: number[];
  /** Per identity, observation after observation: namespace index, normalised value, XID ('' when not given). */
  k: number[];
  i: string[];
  x: string[];
}

/**
 * Consecutive observations of one (batch, dataset) as one log row each: far fewer index updates, and replay sees
 * exactly the order the graph saw (the rules are order-dependent).
 */
export function runsOf(observations: LinkObservation[]): Array<{ t: number; dataset: string; batch: string; data: string }> {
  const groups: LinkObservation[][] = [];
  let cur: LinkObservation[] | undefined;
  for (const o of observations) {
    if (!cur || cur[0]!.batch !== o.batch || cur[0]!.dataset !== o.dataset) groups.push((cur = []));
    cur.push(o);
  }
  return groups.map((g) => ({ t: g[0]!.t, dataset: g[0]!.dataset, batch: g[0]!.batch, data: encodeRun(g) }));
}

/**
 * The column index of a (namespace, id type) pair in a chunk's or run's `ns`/`ty` columns, added when new;
 * `index` remembers the last index per namespace (the type almost never differs).
 */
export function internNamespace(cols: { ns: string[]; ty: string[] }, index: Map<string, number>, ns: string, type: string): number {
  let k = index.get(ns);
  if (k === undefined || cols.ty[k] !== type) {
    k = cols.ns.findIndex((n, j) => n === ns && cols.ty[j] === type);
    if (k < 0) {
      k = cols.ns.push(ns) - 1;
      cols.ty.push(type);
    }
    index.set(ns, k);
  }
  return k;
}

/**
 * A run of observations as one JSON object of flat columns (Run): no array or object per observation or identity,
 * so encoding, decoding and the garbage they leave cost a fraction of an array of objects; namespaces and their id
 * types are written once per run.
 */
function encodeRun(run: LinkObservation[]): string {
  const out: Run = { ns: [], ty: [], t: [], r: [], c: [], k: [], i: [], x: [] };
  const index = new Map<string, number>();
  for (const o of run) {
    out.t.push(o.t);
    out.r.push(o.record);
    out.c.push(o.identities.length);
    for (const id of o.identities) {
      out.k.push(internNamespace(out, index, id.ns, id.type));
      out.i.push(id.id);
      out.x.push(id.xid ?? '');
    }
  }
  return JSON.stringify(out);
}

/** How many observations a row holds (without building them). */
export function countOf(o: ObsRow): number {
  if (o.record !== '*') return 1;
  const run = JSON.parse(o.identities) as unknown[] | Run;
  return Array.isArray(run) ? run.length : run.t.length;
}

/** Observation rows to observations: a row with record '*' holds a run (encodeRun's columns, or the older array of [t, record, identities] triples). */
export function expand(rows: Iterable<ObsRow>, out: LinkObservation[] = []): LinkObservation[] {
  for (const o of rows) {
    if (o.record !== '*') {
      out.push({ t: o.t, dataset: o.dataset, batch: o.batch, record: o.record, identities: JSON.parse(o.identities) });
      continue;
    }
    const run = JSON.parse(o.identities) as Array<[number, string, LinkObservation['identities']]> | Run;
    if (Array.isArray(run)) {
      for (const [t, record, identities] of run) out.push({ t, dataset: o.dataset, batch: o.batch, record, identities });
      continue;
    }
    let j = 0;
    for (let n = 0; n < run.t.length; n++) {
      const identities: LinkObservation['identities'] = [];
      for (const end = j + run.c[n]!; j < end; j++) {
        const k = run.k[j]!;
        const xid = run.x[j]!;
        identities.push(xid ? { ns: run.ns[k]!, id: run.i[j]!, type: run.ty[k]!, xid } : { ns: run.ns[k]!, id: run.i[j]!, type: run.ty[k]! });
      }
      out.push({ t: run.t[n]!, dataset: o.dataset, batch: o.batch, record: run.r[n]!, identities });
    }
  }
  return out;
}

/**
 * Log rows after a position, cut to at most `max` observations without splitting a run (the first row always comes,
 * so a positive `max` makes progress); `seq` is the last row taken (`afterSeq` when none).
 */
export function takeRows<R extends ObsRow & { seq: number }>(rows: R[], afterSeq: number, max: number): { seq: number; observations: LinkObservation[] } {
  const observations: LinkObservation[] = [];
  let seq = afterSeq;
  if (!(max > 0)) return { seq, observations };
  for (const r of rows) {
    const before = observations.length;
    expand([r], observations);
    if (observations.length > max && before > 0) {
      observations.length = before;
      break;
    }
    seq = r.seq;
  }
  return { seq, observations };
}

/** `max` of tail as a row limit both databases take (an observation count bounds the rows: a row holds at least one). */
export const rowLimit = (max: number): number => (max > 0 ? Math.min(Math.floor(max), 1_000_000_000) : 0);

/** A stored history row (null for absent fields) as an entry. */
export function historyEntryOf(h: { at: number; op: string; a: string; b: string | null; rule: string | null; record: string | null; dataset: string | null; batch: string | null; detail: string | null }): HistoryEntry {
  return {
    at: h.at,
    op: h.op as HistoryEntry['op'],
    a: h.a,
    ...(h.b ? { b: h.b } : {}),
    ...(h.rule ? { rule: h.rule } : {}),
    ...(h.record ? { record: h.record } : {}),
    ...(h.dataset ? { dataset: h.dataset } : {}),
    ...(h.batch ? { batch: h.batch } : {}),
    ...(h.detail ? { detail: h.detail } : {}),
  };
}

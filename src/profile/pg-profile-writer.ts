import type pg from 'pg';
import { fromPgText, toPgText } from '../store/postgres/pg-text.js';
import type { Fragment } from './fragment-merge.js';
import type { IdentityRef } from './identity-resolver.js';
import { nsKey, type CaState, type ProfileWriter, type StoredEvent, type WriteScope } from './fragment-store.js';

export type FragRow = { sandbox: string; ns: string; ns_code: string; id: string; dataset: string; leaves: string; tags: string[]; updated_at: number };
export type EventRow = { sandbox: string; ns: string; ns_code: string; id: string; event_id: string; ts: number; dataset: string; batch: string; body: string; ingested_at: number };
type Tables = { frag: string; ev: string; ca: string };

/** A fragment as held in the unit of work: leaves encoded (each read decodes a copy the caller may change). */
type HeldFragment = { datasetId: string; namespace: string; id: string; leaves: string; tags: string[]; updatedAt: number };
/** An event that may age out in this unit of work: a stored one (loaded, oldest first) or one added here. */
type Candidate = { e: StoredEvent; json: string; added: boolean; gone: boolean };

/** What the unit of work knows of one identity of its scope. */
class Held {
  readonly frags = new Map<string, HeldFragment>();
  readonly dirtyFrags = new Set<string>();
  readonly cas = new Map<string, string>();
  readonly dirtyCas = new Set<string>();
  /** Event ids the scope names (an event outside them cannot be checked for a duplicate). */
  readonly eventIds = new Set<string>();
  /** (time, id) of stored events among those loaded, and of events added here. */
  readonly present = new Set<string>();
  count = 0;
  /** Stored events that may age out, oldest first; `next` is the oldest still stored. */
  oldest: Candidate[] = [];
  next = 0;
  readonly added: Candidate[] = [];
  readonly deleted: Candidate[] = [];
  constructor(
    readonly sandbox: string,
    readonly ns: string,
    readonly id: string,
  ) {}
}

const idKey = (sandbox: string, ns: string, id: string): string => `${sandbox.length}.${ns.length}.${sandbox}${ns}${id}`;
const evKey = (ts: number, eventId: string): string => `${ts}\u0000${eventId}`;
const before = (a: StoredEvent, b: StoredEvent): boolean => a.ts < b.ts || (a.ts === b.ts && a.eventId < b.eventId);

/**
 * The writer of one PostgreSQL unit of work: `load` reads what the scope can touch (fragments and computed-attribute
 * states of its identities; for those receiving events, their count, which of the scope's event ids are stored, and
 * the oldest events that could age out); the chunk then runs in memory; `flush` applies its writes with one statement
 * per table and kind (unnest arrays), in the caller's transaction.
 */
export class PgProfileWriter implements ProfileWriter {
  private constructor(private readonly held: Map<string, Held>) {}

  static empty(): PgProfileWriter {
    return new PgProfileWriter(new Map());
  }

  static async load(c: pg.PoolClient, t: Tables, scope: WriteScope): Promise<PgProfileWriter> {
    const held = new Map<string, Held>();
    const events = new Map<Held, { n: number; cap: number }>();
    for (const s of scope) {
      const ns = nsKey(s.ref.namespace);
      const k = idKey(s.sandboxId, ns, s.ref.id);
      let h = held.get(k);
      if (!h) held.set(k, (h = new Held(s.sandboxId, ns, s.ref.id)));
      if (s.event) {
        h.eventIds.add(s.event.eventId);
        const e = events.get(h);
        events.set(h, { n: (e?.n ?? 0) + 1, cap: Math.min(e?.cap ?? Infinity, s.event.cap) });
      }
    }
    const all = [...held.values()];
    const byRow = (r: { sandbox: string; ns: string; id: string }) => held.get(idKey(fromPgText(r.sandbox), fromPgText(r.ns), fromPgText(r.id)))!;
    const ids = cols(all);
    const frags = await c.query<FragRow>(`SELECT f.* FROM unnest($1::text[], $2::text[], $3::text[]) AS k(s, n, i) JOIN ${t.frag} f ON f.sandbox = k.s AND f.ns = k.n AND f.id = k.i`, ids);
    for (const r of frags.rows) {
      const f = PgProfileWriter.frag(r);
      byRow(r).frags.set(f.datasetId, { ...f, leaves: r.leaves });
    }
    const cas = await c.query<{ sandbox: string; ns: string; id: string; ca: string; state: string }>(
      `SELECT c.* FROM unnest($1::text[], $2::text[], $3::text[]) AS k(s, n, i) JOIN ${t.ca} c ON c.sandbox = k.s AND c.ns = k.n AND c.id = k.i`,
      ids,
    );
    for (const r of cas.rows) byRow(r).cas.set(fromPgText(r.ca), fromPgText(r.state));
    if (events.size === 0) return new PgProfileWriter(held);

    const receiving = [...events.keys()];
    const [s, n, i] = cols(receiving);
    // per identity, one range of its (time, id) key: the events it holds and which of the scope's ids are stored
    const held2 = await c.query<{ s: string; n: string; i: string; c: number; hits: Array<[number, string]> }>(
      `SELECT k.s, k.n, k.i, x.c, x.hits FROM unnest($1::text[], $2::text[], $3::text[], $4::text[]) AS k(s, n, i, eids)
       CROSS JOIN LATERAL (SELECT ARRAY(SELECT json_array_elements_text(k.eids::json)) AS ids) w
       CROSS JOIN LATERAL (
         SELECT count(*)::int AS c, coalesce(json_agg(json_build_array(e.ts, e.event_id)) FILTER (WHERE e.event_id = ANY (w.ids)), '[]') AS hits
         FROM ${t.ev} e WHERE e.sandbox = k.s AND e.ns = k.n AND e.id = k.i) x`,
      [s, n, i, receiving.map((h) => JSON.stringify([...h.eventIds].map(toPgText)))],
    );
    for (const r of held2.rows) {
      const h = byRow({ sandbox: r.s, ns: r.n, id: r.i });
      h.count = r.c;
      for (const [ts, eventId] of r.hits) h.present.add(evKey(ts, fromPgText(eventId)));
    }
    // the oldest events that this unit of work could age out: at most (stored + added - cap) per identity
    const atCap = receiving.filter((h) => h.count + events.get(h)!.n > events.get(h)!.cap);
    if (atCap.length > 0) {
      const [s2, n2, i2] = cols(atCap);
      const oldest = await c.query<EventRow>(
        `SELECT e.* FROM unnest($1::text[], $2::text[], $3::text[], $4::int[]) AS k(s, n, i, lim)
         CROSS JOIN LATERAL (SELECT * FROM ${t.ev} e WHERE e.sandbox = k.s AND e.ns = k.n AND e.id = k.i ORDER BY ts, event_id LIMIT k.lim) e`,
        [s2, n2, i2, atCap.map((h) => h.count + events.get(h)!.n - events.get(h)!.cap)],
      );
      for (const r of oldest.rows) {
        const h = byRow(r);
        const e = PgProfileWriter.ev(r);
        h.oldest.push({ e, json: fromPgText(r.body), added: false, gone: false });
        h.present.add(evKey(e.ts, e.eventId));
      }
      for (const h of atCap) h.oldest.sort((a, b) => (before(a.e, b.e) ? -1 : before(b.e, a.e) ? 1 : 0));
    }
    return new PgProfileWriter(held);
  }

  private of(sandboxId: string, ref: IdentityRef): Held {
    const h = this.held.get(idKey(sandboxId, nsKey(ref.namespace), ref.id));
    if (!h) throw new Error(`profile store: identity ${ref.namespace}/${ref.id} of sandbox ${sandboxId} is outside the unit of work's scope`);
    return h;
  }

  getFragment(sandboxId: string, datasetId: string, ref: IdentityRef): Fragment | undefined {
    const f = this.of(sandboxId, ref).frags.get(datasetId);
    return f && { ...f, leaves: JSON.parse(f.leaves) as Fragment['leaves'], tags: [...f.tags] };
  }

  putFragment(sandboxId: string, f: Fragment): void {
    const h = this.of(sandboxId, f);
    // the namespace code as first stored is kept (as the SQLite upsert does)
    const namespace = h.frags.get(f.datasetId)?.namespace ?? f.namespace;
    h.frags.set(f.datasetId, { datasetId: f.datasetId, namespace, id: f.id, leaves: JSON.stringify(f.leaves), tags: [...f.tags], updatedAt: f.updatedAt });
    h.dirtyFrags.add(f.datasetId);
  }

  addEvent(sandboxId: string, e: StoredEvent, cap: number, json?: string): { inserted: boolean; count: number; evicted: StoredEvent[] } {
    const h = this.of(sandboxId, e);
    if (!h.eventIds.has(e.eventId)) throw new Error(`profile store: event ${e.eventId} is outside the unit of work's scope`);
    const k = evKey(e.ts, e.eventId);
    if (h.present.has(k)) return { inserted: false, count: h.count, evicted: [] };
    h.present.add(k);
    h.added.push({ e, json: json ?? JSON.stringify(e.event), added: true, gone: false });
    h.count++;
    const evicted: StoredEvent[] = [];
    while (h.count > cap) {
      const v = PgProfileWriter.oldestOf(h);
      if (!v) throw new Error(`profile store: ${e.namespace}/${e.id} passed its cap by more events than the scope named`);
      v.gone = true;
      h.present.delete(evKey(v.e.ts, v.e.eventId));
      if (!v.added) h.deleted.push(v);
      evicted.push(v.e);
      h.count--;
    }
    return { inserted: true, count: h.count, evicted };
  }

  /** The oldest event still held: the first stored one not aged out, or one added here if older. */
  private static oldestOf(h: Held): Candidate | undefined {
    let v: Candidate | undefined = h.oldest[h.next];
    let fromStored = v !== undefined;
    for (const a of h.added) if (!a.gone && (!v || before(a.e, v.e))) (v = a), (fromStored = false);
    if (fromStored) h.next++;
    return v;
  }

  getCa(sandboxId: string, caId: string, ref: IdentityRef): CaState | undefined {
    const s = this.of(sandboxId, ref).cas.get(caId);
    return s === undefined ? undefined : (JSON.parse(s) as CaState);
  }

  putCa(sandboxId: string, caId: string, ref: IdentityRef, s: CaState): void {
    const h = this.of(sandboxId, ref);
    h.cas.set(caId, JSON.stringify(s));
    h.dirtyCas.add(caId);
  }

  /** Applies the writes held, batched: fragments and states upserted, aged-out events deleted, new events inserted. */
  async flush(c: pg.PoolClient, t: Tables): Promise<void> {
    const f: unknown[][] = [[], [], [], [], [], [], [], []];
    const del: unknown[][] = [[], [], [], [], []];
    const ev: unknown[][] = [[], [], [], [], [], [], [], [], [], []];
    const ca: unknown[][] = [[], [], [], [], []];
    const push = (to: unknown[][], ...v: unknown[]) => v.forEach((x, i) => to[i]!.push(x));
    for (const h of this.held.values()) {
      const [s, n, i] = [toPgText(h.sandbox), toPgText(h.ns), toPgText(h.id)];
      for (const d of h.dirtyFrags) {
        const x = h.frags.get(d)!;
        push(f, s, n, toPgText(x.namespace), i, toPgText(x.datasetId), x.leaves, JSON.stringify(x.tags.map(toPgText)), x.updatedAt);
      }
      for (const v of h.deleted) push(del, s, n, i, v.e.ts, toPgText(v.e.eventId));
      for (const a of h.added)
        if (!a.gone) push(ev, s, n, toPgText(a.e.namespace), i, toPgText(a.e.eventId), a.e.ts, toPgText(a.e.datasetId), toPgText(a.e.batchId), toPgText(a.json), a.e.ingestedAt);
      for (const id of h.dirtyCas) push(ca, s, n, i, toPgText(id), h.cas.get(id)!);
    }
    if (f[0]!.length > 0)
      await c.query(
        `INSERT INTO ${t.frag} (sandbox, ns, ns_code, id, dataset, leaves, tags, updated_at)
         SELECT s, n, nc, i, d, l, ARRAY(SELECT json_array_elements_text(tg::json)), u
         FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::float8[]) AS x(s, n, nc, i, d, l, tg, u)
         ON CONFLICT (sandbox, ns, id, dataset) DO UPDATE SET leaves = excluded.leaves, tags = excluded.tags, updated_at = excluded.updated_at`,
        f,
      );
    if (del[0]!.length > 0)
      await c.query(
        `DELETE FROM ${t.ev} e USING unnest($1::text[], $2::text[], $3::text[], $4::float8[], $5::text[]) AS k(s, n, i, ts, eid)
         WHERE e.sandbox = k.s AND e.ns = k.n AND e.id = k.i AND e.ts = k.ts AND e.event_id = k.eid`,
        del,
      );
    if (ev[0]!.length > 0)
      await c.query(
        `INSERT INTO ${t.ev} (sandbox, ns, ns_code, id, event_id, ts, dataset, batch, body, ingested_at)
         SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::float8[], $7::text[], $8::text[], $9::text[], $10::float8[])
         ON CONFLICT DO NOTHING`,
        ev,
      );
    if (ca[0]!.length > 0)
      await c.query(
        `INSERT INTO ${t.ca} (sandbox, ns, id, ca, state) SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[])
         ON CONFLICT (sandbox, ns, id, ca) DO UPDATE SET state = excluded.state`,
        ca,
      );
  }

  static frag(r: FragRow): Fragment {
    return {
      datasetId: fromPgText(r.dataset), namespace: fromPgText(r.ns_code), id: fromPgText(r.id),
      leaves: JSON.parse(r.leaves) as Fragment['leaves'], tags: r.tags.map(fromPgText), updatedAt: r.updated_at,
    };
  }

  static ev(r: EventRow): StoredEvent {
    return {
      eventId: fromPgText(r.event_id), namespace: fromPgText(r.ns_code), id: fromPgText(r.id), datasetId: fromPgText(r.dataset), batchId: fromPgText(r.batch),
      ts: r.ts, event: JSON.parse(fromPgText(r.body)) as Record<string, unknown>, ingestedAt: r.ingested_at,
    };
  }
}

/** (sandboxes, namespaces, ids) of held identities as bound arrays. */
function cols(hs: readonly Held[]): [string[], string[], string[]] {
  return [hs.map((h) => toPgText(h.sandbox)), hs.map((h) => toPgText(h.ns)), hs.map((h) => toPgText(h.id))];
}

import type pg from 'pg';
import { migrate, type Migration } from '../store/postgres/migrations.js';
import { fromPgText, schemaPrefix, toPgText } from '../store/postgres/pg-text.js';
import type { Fragment } from './fragment-merge.js';
import type { IdentityRef } from './identity-resolver.js';
import { nsKey, type CaState, type EventQuery, type FragmentStore, type ProfileWriter, type StoredEvent, type WriteScope } from './fragment-store.js';
import { PgProfileWriter, type EventRow, type FragRow } from './pg-profile-writer.js';
import type { Transferable } from '../store/transfer.js';
import type { ProfileRow } from './profile-transfer-rows.js';
import { exportProfileRows, importProfileRows } from './pg-profile-transfer.js';

// JSON (leaves, event bodies, CA states) is kept in TEXT: jsonb refuses \u0000 in strings, reorders keys and would
// re-encode the body a caller passes; the store never looks inside it. Text columns compare bytewise ("C"), as
// SQLite's do; times are float8 (epoch ms, exact to 2^53, read back as numbers).
const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'fragments, events, computed-attribute state',
    sql: (p) => `
      CREATE TABLE ${p}kith_profile_fragment (
        sandbox TEXT COLLATE "C" NOT NULL, ns TEXT COLLATE "C" NOT NULL, ns_code TEXT COLLATE "C" NOT NULL, id TEXT COLLATE "C" NOT NULL,
        dataset TEXT COLLATE "C" NOT NULL, leaves TEXT NOT NULL, tags TEXT[] COLLATE "C" NOT NULL, updated_at DOUBLE PRECISION NOT NULL,
        PRIMARY KEY (sandbox, ns, id, dataset));
      CREATE INDEX kith_profile_fragment_ds ON ${p}kith_profile_fragment (sandbox, dataset);
      CREATE INDEX kith_profile_fragment_tags ON ${p}kith_profile_fragment USING gin (tags);
      -- same keys as the SQLite file: an event is one per (identity, time, id); ordered reads and eviction use it
      CREATE TABLE ${p}kith_profile_event (
        sandbox TEXT COLLATE "C" NOT NULL, ns TEXT COLLATE "C" NOT NULL, ns_code TEXT COLLATE "C" NOT NULL, id TEXT COLLATE "C" NOT NULL,
        event_id TEXT COLLATE "C" NOT NULL, ts DOUBLE PRECISION NOT NULL, dataset TEXT COLLATE "C" NOT NULL, batch TEXT COLLATE "C" NOT NULL,
        body TEXT NOT NULL, ingested_at DOUBLE PRECISION NOT NULL,
        PRIMARY KEY (sandbox, ns, id, ts, event_id));
      CREATE INDEX kith_profile_event_ds ON ${p}kith_profile_event (sandbox, dataset);
      CREATE INDEX kith_profile_event_batch ON ${p}kith_profile_event (sandbox, batch);
      CREATE TABLE ${p}kith_profile_ca (
        sandbox TEXT COLLATE "C" NOT NULL, ns TEXT COLLATE "C" NOT NULL, id TEXT COLLATE "C" NOT NULL, ca TEXT COLLATE "C" NOT NULL,
        state TEXT NOT NULL,
        PRIMARY KEY (sandbox, ns, id, ca));`,
  },
];

type RefRow = { ns_code: string; id: string };

/**
 * The profile store on PostgreSQL (same answers as SqliteProfileStore). The pool is the caller's; `schema`
 * qualifies the tables. A unit of work loads what its scope can touch in a few statements, runs `fn` against that
 * in memory (PgProfileWriter) and applies the writes batched, all in one transaction.
 */
export class PgProfileStore implements FragmentStore, Transferable {
  readonly transferName = 'profile';
  private constructor(
    private readonly pool: pg.Pool,
    private readonly t: { frag: string; ev: string; ca: string },
  ) {}

  static async open(opts: { pool: pg.Pool; schema?: string }): Promise<PgProfileStore> {
    await migrate(opts.pool, 'profile', MIGRATIONS, opts.schema);
    const p = schemaPrefix(opts.schema);
    return new PgProfileStore(opts.pool, { frag: `${p}kith_profile_fragment`, ev: `${p}kith_profile_event`, ca: `${p}kith_profile_ca` });
  }

  async write<T>(scope: WriteScope, fn: (w: ProfileWriter) => T): Promise<T> {
    if (scope.length === 0) return fn(PgProfileWriter.empty());
    const c = await this.pool.connect();
    try {
      await c.query('BEGIN');
      const w = await PgProfileWriter.load(c, this.t, scope);
      const out = fn(w);
      await w.flush(c, this.t);
      await c.query('COMMIT');
      return out;
    } catch (e) {
      await c.query('ROLLBACK').catch(() => undefined); // the connection may be gone: the error that matters is `e`
      throw e;
    } finally {
      c.release();
    }
  }

  async fragmentsOf(sandboxId: string, refs: readonly IdentityRef[]): Promise<Fragment[]> {
    if (refs.length === 0) return [];
    const [ns, ids] = keys(refs);
    const r = await this.pool.query<FragRow>(
      `SELECT f.* FROM unnest($2::text[], $3::text[]) WITH ORDINALITY AS k(ns, id, i)
       JOIN ${this.t.frag} f ON f.sandbox = $1 AND f.ns = k.ns AND f.id = k.id ORDER BY k.i, f.dataset`,
      [toPgText(sandboxId), ns, ids],
    );
    return r.rows.map(PgProfileWriter.frag);
  }

  async countEvents(sandboxId: string, refs: readonly IdentityRef[]): Promise<number> {
    if (refs.length === 0) return 0;
    const [ns, ids] = keys(refs);
    const r = await this.pool.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM unnest($2::text[], $3::text[]) AS k(ns, id) JOIN ${this.t.ev} e ON e.sandbox = $1 AND e.ns = k.ns AND e.id = k.id`,
      [toPgText(sandboxId), ns, ids],
    );
    return r.rows[0]!.n;
  }

  async events(sandboxId: string, refs: readonly IdentityRef[], q: EventQuery): Promise<StoredEvent[]> {
    if (refs.length === 0) return [];
    const [ns, ids] = keys(refs);
    const args: unknown[] = [toPgText(sandboxId), ns, ids];
    const where = ['sandbox = $1', '(ns, id) IN (SELECT * FROM unnest($2::text[], $3::text[]))'];
    if (q.startTime !== undefined) where.push(`ts >= $${args.push(q.startTime)}`);
    if (q.endTime !== undefined) where.push(`ts < $${args.push(q.endTime)}`);
    if (q.from) {
      const ts = `$${args.push(q.from.ts)}`;
      const id = `$${args.push(toPgText(q.from.eventId))}::text`;
      where.push(q.order === 'asc' ? `(ts > ${ts} OR (ts = ${ts} AND event_id >= ${id}))` : `(ts < ${ts} OR (ts = ${ts} AND event_id <= ${id}))`);
    }
    const dir = q.order === 'asc' ? 'ASC' : 'DESC';
    const r = await this.pool.query<EventRow>(`SELECT * FROM ${this.t.ev} WHERE ${where.join(' AND ')} ORDER BY ts ${dir}, event_id ${dir} LIMIT $${args.push(q.limit)}`, args);
    return r.rows.map(PgProfileWriter.ev);
  }

  async findEvent(sandboxId: string, refs: readonly IdentityRef[], eventId: string): Promise<StoredEvent | undefined> {
    if (refs.length === 0) return undefined;
    const [ns, ids] = keys(refs);
    const r = await this.pool.query<EventRow>(
      `SELECT e.* FROM unnest($2::text[], $3::text[]) WITH ORDINALITY AS k(ns, id, i)
       JOIN ${this.t.ev} e ON e.sandbox = $1 AND e.ns = k.ns AND e.id = k.id AND e.event_id = $4 ORDER BY k.i LIMIT 1`,
      [toPgText(sandboxId), ns, ids, toPgText(eventId)],
    );
    return r.rows[0] && PgProfileWriter.ev(r.rows[0]);
  }

  async allEventRefs(sandboxId: string): Promise<IdentityRef[]> {
    const r = await this.pool.query<RefRow>(`SELECT DISTINCT ns_code, id FROM ${this.t.ev} WHERE sandbox = $1`, [toPgText(sandboxId)]);
    return r.rows.map((x) => ({ namespace: fromPgText(x.ns_code), id: fromPgText(x.id) }));
  }

  async allRefs(sandboxId: string): Promise<IdentityRef[]> {
    const r = await this.pool.query<RefRow & { ns: string }>(
      `SELECT ns, ns_code, id FROM ${this.t.frag} WHERE sandbox = $1 UNION SELECT ns, ns_code, id FROM ${this.t.ev} WHERE sandbox = $1`,
      [toPgText(sandboxId)],
    );
    // namespace codes may differ in case between rows of one identity: one entry per (lower-cased namespace, id)
    const seen = new Map<string, IdentityRef>();
    for (const x of r.rows) {
      const k = `${x.ns}\u0000${x.id}`;
      if (!seen.has(k)) seen.set(k, { namespace: fromPgText(x.ns_code), id: fromPgText(x.id) });
    }
    return [...seen.values()];
  }

  async caStates(sandboxId: string, caId: string, refs: readonly IdentityRef[]): Promise<CaState[]> {
    if (refs.length === 0) return [];
    const [ns, ids] = keys(refs);
    const r = await this.pool.query<{ state: string }>(
      `SELECT c.state FROM unnest($3::text[], $4::text[]) WITH ORDINALITY AS k(ns, id, i)
       JOIN ${this.t.ca} c ON c.sandbox = $1 AND c.ca = $2 AND c.ns = k.ns AND c.id = k.id ORDER BY k.i`,
      [toPgText(sandboxId), toPgText(caId), ns, ids],
    );
    return r.rows.map((x) => JSON.parse(fromPgText(x.state)) as CaState);
  }

  async deleteCa(sandboxId: string, caId?: string): Promise<void> {
    if (caId === undefined) await this.pool.query(`DELETE FROM ${this.t.ca} WHERE sandbox = $1`, [toPgText(sandboxId)]);
    else await this.pool.query(`DELETE FROM ${this.t.ca} WHERE sandbox = $1 AND ca = $2`, [toPgText(sandboxId), toPgText(caId)]);
  }

  async deleteIdentities(sandboxId: string, refs: readonly IdentityRef[]): Promise<number> {
    if (refs.length === 0) return 0;
    const [ns, ids] = keys(refs);
    const del = (t: string) => `d_${t} AS (DELETE FROM ${(this.t as Record<string, string>)[t]} x USING k WHERE x.sandbox = $1 AND x.ns = k.ns AND x.id = k.id RETURNING 1)`;
    // one statement, hence one transaction
    const r = await this.pool.query<{ n: number }>(
      `WITH k AS (SELECT DISTINCT * FROM unnest($2::text[], $3::text[]) AS k(ns, id)), ${del('frag')}, ${del('ev')}, ${del('ca')}
       SELECT (SELECT count(*) FROM d_frag) + (SELECT count(*) FROM d_ev) + (SELECT count(*) FROM d_ca) AS n`,
      [toPgText(sandboxId), ns, ids],
    );
    return Number(r.rows[0]!.n);
  }

  async deleteByDataset(sandboxId: string, datasetId: string): Promise<{ removed: number; identities: IdentityRef[] }> {
    const r = await this.pool.query<{ ns: string; ns_code: string; id: string }>(
      `WITH f AS (DELETE FROM ${this.t.frag} WHERE sandbox = $1 AND dataset = $2 RETURNING ns, ns_code, id),
            e AS (DELETE FROM ${this.t.ev} WHERE sandbox = $1 AND dataset = $2 RETURNING ns, ns_code, id)
       SELECT * FROM f UNION ALL SELECT * FROM e`,
      [toPgText(sandboxId), toPgText(datasetId)],
    );
    return { removed: r.rows.length, identities: identitiesOf(r.rows) };
  }

  async deleteByBatch(sandboxId: string, batchId: string): Promise<{ removed: number; identities: IdentityRef[] }> {
    // Leaves do not record their batch; a fragment written by several batches keeps its leaves but loses the tag.
    // A fragment written only by this batch is removed.
    const r = await this.pool.query<{ ns: string; ns_code: string; id: string }>(
      `WITH e AS (DELETE FROM ${this.t.ev} WHERE sandbox = $1 AND batch = $2 RETURNING ns, ns_code, id),
            f AS (DELETE FROM ${this.t.frag} WHERE sandbox = $1 AND tags = ARRAY[$2::text] RETURNING ns, ns_code, id),
            u AS (UPDATE ${this.t.frag} SET tags = array_remove(tags, $2::text) WHERE sandbox = $1 AND tags @> ARRAY[$2::text] AND tags <> ARRAY[$2::text] RETURNING ns, ns_code, id)
       SELECT * FROM e UNION ALL SELECT * FROM f UNION ALL SELECT * FROM u`,
      [toPgText(sandboxId), toPgText(batchId)],
    );
    return { removed: r.rows.length, identities: identitiesOf(r.rows) };
  }

  exportRows(): AsyncIterable<ProfileRow[]> {
    return exportProfileRows(this.pool, this.t);
  }

  importRows(rows: readonly unknown[]): Promise<void> {
    return importProfileRows(this.pool, this.t, rows);
  }

  /** The pool is the caller's: nothing to close here. */
  async close(): Promise<void> {}
}

/** (lower-cased namespaces, ids) of refs as bound arrays. */
function keys(refs: readonly IdentityRef[]): [string[], string[]] {
  return [refs.map((r) => toPgText(nsKey(r.namespace))), refs.map((r) => toPgText(r.id))];
}

function identitiesOf(rows: ReadonlyArray<{ ns: string; ns_code: string; id: string }>): IdentityRef[] {
  const m = new Map<string, IdentityRef>();
  for (const r of rows) m.set(`${r.ns}\u0000${r.id}`, { namespace: fromPgText(r.ns_code), id: fromPgText(r.id) });
  return [...m.values()];
}

import { createHash } from 'node:crypto';
import type pg from 'pg';
import { migrate, type Migration } from '../../store/postgres/migrations.js';
import { fromPgText, schemaPrefix, toPgBigint, toPgText } from '../../store/postgres/pg-text.js';
import type { JourneyInstance } from '../journey-types.js';
import type { InboxItem, InstanceQuery, JourneyStore, JourneyUnit, NewInboxItem, OutboxRow } from './journey-store.js';
import { boundArg, countArg, instanceColumns, lastPerId, wellFormed } from './journey-store-rows.js';
import type { Transferable } from '../../store/transfer.js';
import type { JourneyRow } from './journey-transfer-rows.js';
import { exportJourneyRows, importJourneyRows } from './pg-journey-transfer.js';

/**
 * journey.db's tables on PostgreSQL ("C": ids are matched for equality and ordered bytewise, as in SQLite). Documents
 * are TEXT holding JSON (JSON.stringify never writes a raw U+0000, which TEXT refuses; JSONB would reorder keys and
 * refuse `\u0000`). Cursor values are float8: any JS number round-trips, as in SQLite.
 */
export const JOURNEY_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'inbox, instances, step-event outbox, cursors',
    sql: (p) => `
      CREATE TABLE ${p}kith_journey_inbox (seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY, sandbox TEXT COLLATE "C" NOT NULL, person_key TEXT NOT NULL,
        kind TEXT NOT NULL, dedupe_key TEXT COLLATE "C" NOT NULL, payload TEXT NOT NULL, at BIGINT NOT NULL, consumed BOOLEAN NOT NULL DEFAULT false,
        UNIQUE (sandbox, dedupe_key));
      CREATE INDEX kith_journey_inbox_pending ON ${p}kith_journey_inbox (seq) WHERE NOT consumed;
      CREATE TABLE ${p}kith_journey_instance (id TEXT COLLATE "C" PRIMARY KEY, sandbox TEXT COLLATE "C" NOT NULL, journey_id TEXT COLLATE "C" NOT NULL,
        version_id TEXT COLLATE "C" NOT NULL, person_key TEXT COLLATE "C" NOT NULL, status TEXT NOT NULL, entered_at BIGINT NOT NULL, due BIGINT, doc TEXT NOT NULL);
      CREATE INDEX kith_journey_instance_due ON ${p}kith_journey_instance (due, id) WHERE due IS NOT NULL;
      CREATE INDEX kith_journey_instance_person ON ${p}kith_journey_instance (sandbox, person_key, journey_id, entered_at);
      CREATE INDEX kith_journey_instance_version ON ${p}kith_journey_instance (sandbox, version_id, id);
      CREATE TABLE ${p}kith_journey_outbox (seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY, event TEXT NOT NULL);
      CREATE TABLE ${p}kith_journey_cursor (name TEXT COLLATE "C" PRIMARY KEY, value DOUBLE PRECISION NOT NULL);`,
  },
];

/** Table names of one schema. */
export function journeyTables(schema?: string) {
  const p = schemaPrefix(schema);
  return { inbox: `${p}kith_journey_inbox`, inst: `${p}kith_journey_instance`, outbox: `${p}kith_journey_outbox`, cursor: `${p}kith_journey_cursor` };
}

interface PgInboxRow {
  seq: string;
  sandbox: string;
  person_key: string;
  kind: InboxItem['kind'];
  dedupe_key: string;
  payload: string;
  at: string;
}
const toItem = (r: PgInboxRow): InboxItem => ({
  seq: Number(r.seq),
  sandboxId: fromPgText(r.sandbox),
  personKey: fromPgText(r.person_key),
  kind: r.kind,
  dedupeKey: fromPgText(r.dedupe_key),
  payload: fromPgText(r.payload),
  at: Number(r.at),
});
const docs = (r: pg.QueryResult<{ doc: string }>): JourneyInstance[] => r.rows.map((x) => JSON.parse(x.doc) as JourneyInstance);

/**
 * JourneyStore on PostgreSQL (same rules as SqliteJourneyStore). The pool is the caller's; `schema` qualifies the
 * tables. A commit is ONE statement (hence one transaction, one round trip whatever its size): multi-row writes in
 * data-modifying CTEs, their rows sent as JSON text (json_to_recordset; step events through json_array_elements, which
 * hands each element back as the exact text sent).
 *
 * Sequence numbers: an identity hands numbers out at insert, but transactions commit in any order, so a reader could
 * see seq 11 before 10 commits and step past 10 for good (the lake copy, the engine's inbox position). Rows that take
 * numbers therefore first take a transaction-level advisory lock of their table (joined into the insert's source, so
 * it is held before the first number is drawn, until the commit): numbers become visible in order. Every write of a
 * commit joins the outbox's lock the same way, so the lock comes before any row lock of the unit (the order of a
 * statement's CTEs is the planner's: two units locking an instance and the outbox in opposite orders would deadlock).
 */
export class PgJourneyStore implements JourneyStore, Transferable {
  readonly transferName = 'journey';
  private readonly q;
  private readonly names;

  private constructor(private readonly pool: pg.Pool, schema?: string) {
    const t = journeyTables(schema);
    const lockOf = (table: string) => `(SELECT pg_advisory_xact_lock(hashtext('${table}'))) AS seq_lock`;
    const unitLock = lockOf(t.outbox);
    // named: each connection parses and plans the two hot statements once (a name per text: schemas stay apart)
    const named = (what: string, sql: string) => `kith_journey_${what}_${createHash('sha1').update(sql).digest('hex').slice(0, 16)}`;
    this.q = {
      ...t,
      enqueue: `INSERT INTO ${t.inbox} (sandbox, person_key, kind, dedupe_key, payload, at)
        SELECT s, p, k, d, pl, a FROM ROWS FROM (json_to_recordset($1::json) AS (s text, p text, k text, d text, pl text, a bigint)) WITH ORDINALITY AS x(s, p, k, d, pl, a, n)
          CROSS JOIN ${lockOf(t.inbox)} ORDER BY n
        ON CONFLICT (sandbox, dedupe_key) DO NOTHING`,
      commit: `WITH ins AS (INSERT INTO ${t.inst} (id, sandbox, journey_id, version_id, person_key, status, entered_at, due, doc)
          SELECT x.* FROM json_to_recordset($1::json) AS x(i text, s text, j text, v text, p text, st text, e bigint, du bigint, d text) CROSS JOIN ${unitLock}
          ON CONFLICT (id) DO UPDATE SET sandbox = excluded.sandbox, journey_id = excluded.journey_id, version_id = excluded.version_id,
            person_key = excluded.person_key, status = excluded.status, entered_at = excluded.entered_at, due = excluded.due, doc = excluded.doc),
        ob AS (INSERT INTO ${t.outbox} (event) SELECT e::text FROM json_array_elements($2::json) WITH ORDINALITY AS x(e, n) CROSS JOIN ${unitLock} ORDER BY n),
        co AS (UPDATE ${t.inbox} i SET consumed = true FROM ${unitLock} WHERE i.seq = ANY($3::bigint[]) AND NOT i.consumed),
        cu AS (INSERT INTO ${t.cursor} (name, value) SELECT c.name, c.value FROM unnest($4::text[], $5::float8[]) AS c(name, value) CROSS JOIN ${unitLock}
          ON CONFLICT (name) DO UPDATE SET value = excluded.value)
        SELECT 1`,
    };
    this.names = { enqueue: named('enqueue', this.q.enqueue), commit: named('commit', this.q.commit) };
  }

  static async open(opts: { pool: pg.Pool; schema?: string }): Promise<PgJourneyStore> {
    await migrate(opts.pool, 'journey', JOURNEY_MIGRATIONS, opts.schema);
    return new PgJourneyStore(opts.pool, opts.schema);
  }

  async enqueue(items: readonly NewInboxItem[]): Promise<number> {
    if (items.length === 0) return 0;
    const t = (v: string) => toPgText(wellFormed(v));
    const rows = items.map((it) => ({ s: t(it.sandboxId), p: t(it.personKey), k: it.kind, d: t(it.dedupeKey), pl: t(it.payload), a: toPgBigint(it.at) }));
    const r = await this.pool.query({ name: this.names.enqueue, text: this.q.enqueue, values: [JSON.stringify(rows)] });
    return r.rowCount ?? 0;
  }

  async readInbox(afterSeq: number, limit: number): Promise<InboxItem[]> {
    const n = countArg(limit);
    if (n === 0) return [];
    const r = await this.pool.query<PgInboxRow>(`SELECT seq, sandbox, person_key, kind, dedupe_key, payload, at FROM ${this.q.inbox} WHERE NOT consumed AND seq > $1 ORDER BY seq LIMIT $2`, [toPgBigint(boundArg(afterSeq)), n]);
    return r.rows.map(toItem);
  }

  async trimInbox(before: number): Promise<number> {
    const r = await this.pool.query(`DELETE FROM ${this.q.inbox} WHERE consumed AND at < $1`, [toPgBigint(Math.ceil(boundArg(before)))]);
    return r.rowCount ?? 0;
  }

  async instance(id: string): Promise<JourneyInstance | undefined> {
    return docs(await this.pool.query<{ doc: string }>(`SELECT doc FROM ${this.q.inst} WHERE id = $1`, [toPgText(id)]))[0];
  }

  async instancesOf(sandboxId: string, personKeys: readonly string[]): Promise<JourneyInstance[]> {
    if (personKeys.length === 0) return [];
    return docs(await this.pool.query<{ doc: string }>(`SELECT doc FROM ${this.q.inst} WHERE sandbox = $1 AND person_key = ANY($2::text[]) ORDER BY entered_at, id`, [toPgText(sandboxId), personKeys.map(toPgText)]));
  }

  async activeInstance(sandboxId: string, journeyId: string, personKey: string): Promise<JourneyInstance | undefined> {
    const sql = `SELECT doc FROM ${this.q.inst} WHERE sandbox = $1 AND person_key = $2 AND journey_id = $3 AND status <> 'ended' ORDER BY entered_at, id LIMIT 1`;
    return docs(await this.pool.query<{ doc: string }>(sql, [toPgText(sandboxId), toPgText(personKey), toPgText(journeyId)]))[0];
  }

  async lastInstance(sandboxId: string, journeyId: string, personKey: string): Promise<JourneyInstance | undefined> {
    const sql = `SELECT doc FROM ${this.q.inst} WHERE sandbox = $1 AND person_key = $2 AND journey_id = $3 ORDER BY entered_at DESC, id DESC LIMIT 1`;
    return docs(await this.pool.query<{ doc: string }>(sql, [toPgText(sandboxId), toPgText(personKey), toPgText(journeyId)]))[0];
  }

  async lastInstances(sandboxId: string, journeyId: string, personKeys: readonly string[]): Promise<Map<string, JourneyInstance>> {
    const out = new Map<string, JourneyInstance>();
    if (personKeys.length === 0) return out;
    const sql = `SELECT DISTINCT ON (person_key) person_key, doc FROM ${this.q.inst} WHERE sandbox = $1 AND journey_id = $2 AND person_key = ANY($3::text[])
      ORDER BY person_key, entered_at DESC, id DESC`;
    const r = await this.pool.query<{ person_key: string; doc: string }>(sql, [toPgText(sandboxId), toPgText(journeyId), [...new Set(personKeys)].map(toPgText)]);
    for (const row of r.rows) out.set(row.person_key, JSON.parse(row.doc) as JourneyInstance);
    return out;
  }

  async instancesOfVersion(sandboxId: string, versionId: string, q: InstanceQuery = {}): Promise<JourneyInstance[]> {
    const n = q.limit === undefined ? null : countArg(q.limit);
    if (n === 0) return [];
    const status = q.status === 'active' ? ` AND status <> 'ended'` : q.status === 'ended' ? ` AND status = 'ended'` : '';
    const sql = `SELECT doc FROM ${this.q.inst} WHERE sandbox = $1 AND version_id = $2 AND id > $3${status} ORDER BY id LIMIT $4`;
    return docs(await this.pool.query<{ doc: string }>(sql, [toPgText(sandboxId), toPgText(versionId), toPgText(q.after ?? ''), n]));
  }

  async due(now: number, limit: number): Promise<JourneyInstance[]> {
    const n = countArg(limit);
    if (n === 0) return [];
    const sql = `SELECT doc FROM ${this.q.inst} WHERE due IS NOT NULL AND due <= $1 ORDER BY due, id LIMIT $2`;
    return docs(await this.pool.query<{ doc: string }>(sql, [toPgBigint(Math.floor(boundArg(now))), n]));
  }

  async nextDue(): Promise<number | undefined> {
    const r = await this.pool.query<{ due: string | null }>(`SELECT min(due) AS due FROM ${this.q.inst} WHERE due IS NOT NULL`);
    const due = r.rows[0]?.due;
    return due === null || due === undefined ? undefined : Number(due);
  }

  async commit(unit: JourneyUnit): Promise<void> {
    // serialised before anything is sent: a document that cannot be written fails the whole unit
    const t = (v: string) => toPgText(wellFormed(v));
    const instances = lastPerId(unit.instances ?? []).map((i) => {
      const c = instanceColumns(i);
      // times are whole milliseconds in practice; a fraction stays in the document, and a due rounded up is never early
      return { i: t(c.id), s: t(c.sandbox), j: t(c.journeyId), v: t(c.versionId), p: t(c.personKey), st: c.status, e: toPgBigint(c.enteredAt), du: c.due === null ? null : toPgBigint(Math.ceil(c.due)), d: c.doc };
    });
    const events = (unit.stepEvents ?? []).map((e) => JSON.stringify(e));
    const consumed = (unit.consumed ?? []).map(toPgBigint);
    const cursors = Object.entries(unit.cursors ?? {});
    if (instances.length + events.length + consumed.length + cursors.length === 0) return;
    // rows travel as one JSON text each (a native stringify; pg's array literals escape element by element, slowly)
    const values = [JSON.stringify(instances), `[${events.join(',')}]`, consumed, cursors.map(([k]) => toPgText(k)), cursors.map(([, v]) => v)];
    await this.pool.query({ name: this.names.commit, text: this.q.commit, values });
  }

  async readOutbox(afterSeq: number, limit: number): Promise<OutboxRow[]> {
    const n = countArg(limit);
    if (n === 0) return [];
    const r = await this.pool.query<{ seq: string; event: string }>(`SELECT seq, event FROM ${this.q.outbox} WHERE seq > $1 ORDER BY seq LIMIT $2`, [toPgBigint(boundArg(afterSeq)), n]);
    return r.rows.map((x) => ({ seq: Number(x.seq), event: JSON.parse(x.event) as OutboxRow['event'] }));
  }

  async trimOutbox(upTo: number): Promise<void> {
    await this.pool.query(`DELETE FROM ${this.q.outbox} WHERE seq <= $1`, [toPgBigint(boundArg(upTo))]);
  }

  async cursor(name: string): Promise<number> {
    const r = await this.pool.query<{ value: number }>(`SELECT value FROM ${this.q.cursor} WHERE name = $1`, [toPgText(name)]);
    return r.rows[0]?.value ?? 0;
  }

  exportRows(): AsyncIterable<JourneyRow[]> {
    return exportJourneyRows(this.pool, this.q);
  }

  async importRows(rows: readonly unknown[]): Promise<void> {
    await importJourneyRows(this.pool, this.q, rows);
  }

  /** The pool is the caller's. */
  async close(): Promise<void> {}
}

import type { SqliteDb } from '../store/sqlite/open.js';
import { sqliteExport } from '../store/sqlite/sqlite-transfer.js';
import { checkedRows } from '../store/transfer.js';
import { CHUNKS_PER_BATCH, IDENTITY_ROWS, RUNS_PER_BATCH, type IdentityRow } from './identity-transfer-rows.js';

type HistoryRow = Extract<IdentityRow, { t: 'history' }>;

/** identity.db's rows in the dump's shape (identity-transfer-rows.ts), from one read snapshot. */
export function exportIdentityRows(db: SqliteDb): AsyncIterable<IdentityRow[]> {
  return sqliteExport(db, [
    {
      // a sandbox may have a generation and no checkpoint yet (or the reverse): one mark either way
      sql: `SELECT sandbox, coalesce((SELECT seq FROM checkpoints c WHERE c.sandbox = s.sandbox), 0) AS seq,
              coalesce((SELECT generation FROM generations g WHERE g.sandbox = s.sandbox), 0) AS generation
            FROM (SELECT sandbox FROM checkpoints UNION SELECT sandbox FROM generations) s ORDER BY sandbox`,
      map: (r: { sandbox: string; seq: number; generation: number }) => ({ t: 'mark', ...r }),
    },
    {
      sql: 'SELECT sandbox, seq, kind, n, data FROM snapshot ORDER BY sandbox, seq',
      map: (r: { sandbox: string; seq: number; kind: string; n: number; data: string }) => ({ t: 'chunk', ...r }),
      batchRows: CHUNKS_PER_BATCH,
    },
    {
      sql: 'SELECT seq, sandbox, t, dataset, batch, record, identities, removed FROM observations ORDER BY seq',
      map: (r: { seq: number; sandbox: string; t: number; dataset: string; batch: string; record: string; identities: string; removed: number }) => ({
        t: 'obs', sandbox: r.sandbox, seq: r.seq, at: r.t, dataset: r.dataset, batch: r.batch, record: r.record, identities: r.identities, removed: r.removed !== 0,
      }),
      batchRows: RUNS_PER_BATCH,
    },
    {
      sql: 'SELECT seq, sandbox, at, op, a, b, rule, record, dataset, batch, detail FROM history ORDER BY seq',
      map: (r: Omit<HistoryRow, 't'>) => ({ t: 'history', ...r }),
    },
  ]) as AsyncIterable<IdentityRow[]>;
}

/** Writes dump rows into identity.db in one transaction, at their positions (rows at the same keys are replaced). */
export function importIdentityRows(db: SqliteDb, rows: readonly unknown[]): void {
  const checked = checkedRows<IdentityRow>('identity', rows, IDENTITY_ROWS);
  if (checked.length === 0) return;
  const chunk = db.prepare('INSERT INTO snapshot (sandbox, seq, kind, n, data) VALUES (?,?,?,?,?) ON CONFLICT (sandbox, seq) DO UPDATE SET kind=excluded.kind, n=excluded.n, data=excluded.data');
  const obs = db.prepare(
    `INSERT INTO observations (seq, sandbox, t, dataset, batch, record, identities, removed) VALUES (?,?,?,?,?,?,?,?)
     ON CONFLICT (seq) DO UPDATE SET sandbox=excluded.sandbox, t=excluded.t, dataset=excluded.dataset, batch=excluded.batch, record=excluded.record, identities=excluded.identities, removed=excluded.removed`,
  );
  const hist = db.prepare(
    `INSERT INTO history (seq, sandbox, at, op, a, b, rule, record, dataset, batch, detail) VALUES (?,?,?,?,?,?,?,?,?,?,?)
     ON CONFLICT (seq) DO UPDATE SET sandbox=excluded.sandbox, at=excluded.at, op=excluded.op, a=excluded.a, b=excluded.b, rule=excluded.rule, record=excluded.record, dataset=excluded.dataset, batch=excluded.batch, detail=excluded.detail`,
  );
  const ck = db.prepare('INSERT INTO checkpoints (sandbox, seq) VALUES (?, ?) ON CONFLICT (sandbox) DO UPDATE SET seq=excluded.seq');
  const gen = db.prepare('INSERT INTO generations (sandbox, generation) VALUES (?, ?) ON CONFLICT (sandbox) DO UPDATE SET generation=excluded.generation');
  db.transaction(() => {
    for (const r of checked) {
      if (r.t === 'chunk') chunk.run(r.sandbox, r.seq, r.kind, r.n, r.data);
      else if (r.t === 'obs') obs.run(r.seq, r.sandbox, r.at, r.dataset, r.batch, r.record, r.identities, r.removed ? 1 : 0);
      else if (r.t === 'history') hist.run(r.seq, r.sandbox, r.at, r.op, r.a, r.b, r.rule, r.record, r.dataset, r.batch, r.detail);
      else {
        ck.run(r.sandbox, r.seq);
        gen.run(r.sandbox, r.generation);
      }
    }
  }).immediate();
}

import type { SqliteDb } from '../store/sqlite/open.js';
import type { SeenIds } from '../ingest/processor/processor-ports.js';
import { checkedRows, type Transferable } from '../store/transfer.js';
import { sqliteExport } from '../store/sqlite/sqlite-transfer.js';
import { SEEN_IDS_ROWS, type SeenIdsRow } from './seen-ids-transfer-rows.js';

/**
 * The `_id` dedupe index of ExperienceEvents in SQLite (`seen_ids`, beside failed records in `failed-records.db`),
 * with `seen_marks`: per lake consumer, the log offset up to which every lake row's `_id` is in `seen_ids`.
 */
export class SqliteSeenIds implements SeenIds, Transferable {
  readonly transferName = 'seen-ids';
  private readonly stmts;

  constructor(private readonly db: SqliteDb) {
    db.exec(`CREATE TABLE IF NOT EXISTS seen_ids (dataset_key TEXT NOT NULL, id TEXT NOT NULL, PRIMARY KEY (dataset_key, id)) WITHOUT ROWID;
      CREATE TABLE IF NOT EXISTS seen_marks (consumer TEXT PRIMARY KEY, offset INTEGER NOT NULL) WITHOUT ROWID;`);
    this.stmts = {
      // a chunk's ids in one statement (a JSON array), a fraction of one statement per id (bench/ingest-log/write-paths.ts)
      seen: db.prepare<[string, string], { id: string }>('SELECT id FROM seen_ids WHERE dataset_key=? AND id IN (SELECT value FROM json_each(?))'),
      remember: db.prepare<[string, string]>('INSERT OR IGNORE INTO seen_ids(dataset_key, id) SELECT ?, value FROM json_each(?)'),
      rememberOne: db.prepare<[string, string]>('INSERT OR IGNORE INTO seen_ids(dataset_key, id) VALUES (?, ?)'),
      markOf: db.prepare<[string], { offset: number }>('SELECT offset FROM seen_marks WHERE consumer=?'),
      // never backwards: a replayed range re-remembers ids below the mark
      mark: db.prepare<[string, number]>('INSERT INTO seen_marks VALUES (?, ?) ON CONFLICT (consumer) DO UPDATE SET offset = max(offset, excluded.offset)'),
    };
  }

  async seen(datasetKey: string, ids: string[]): Promise<Set<string>> {
    const out = new Set<string>();
    if (ids.length > 0) for (const r of this.stmts.seen.all(datasetKey, JSON.stringify(ids))) out.add(r.id);
    return out;
  }

  async remember(datasetKey: string, ids: string[]): Promise<void> {
    if (ids.length > 0) this.stmts.remember.run(datasetKey, JSON.stringify(ids));
  }

  async rememberThrough(consumer: string, upTo: number, ids: ReadonlyMap<string, readonly string[]>): Promise<void> {
    this.db.transaction(() => {
      for (const [k, list] of ids) if (list.length > 0) this.stmts.remember.run(k, JSON.stringify(list));
      this.stmts.mark.run(consumer, upTo);
    })();
  }

  async rememberedThrough(consumer: string): Promise<number | undefined> {
    return this.stmts.markOf.get(consumer)?.offset;
  }

  exportRows(): AsyncIterable<SeenIdsRow[]> {
    return sqliteExport(this.db, [
      { sql: 'SELECT consumer, offset FROM seen_marks ORDER BY consumer', map: (r: { consumer: string; offset: number }) => ({ t: 'mark', ...r }) },
      { sql: 'SELECT dataset_key, id FROM seen_ids ORDER BY dataset_key, id', map: (r: { dataset_key: string; id: string }) => ({ t: 'id', datasetKey: r.dataset_key, id: r.id }) },
    ]) as AsyncIterable<SeenIdsRow[]>;
  }

  async importRows(rows: readonly unknown[]): Promise<void> {
    const checked = checkedRows<SeenIdsRow>(this.transferName, rows, SEEN_IDS_ROWS);
    this.db.transaction(() => {
      for (const r of checked) {
        if (r.t === 'id') this.stmts.rememberOne.run(r.datasetKey, r.id);
        else this.stmts.mark.run(r.consumer, r.offset);
      }
    }).immediate();
  }
}

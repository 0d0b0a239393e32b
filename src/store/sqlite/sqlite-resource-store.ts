import { RESOURCE_ROW, type ResourceStore, type StoredResource, type PutOptions, type PutError, type ListOptions, type ResourceRow } from '../resource-store.js';
import { checkedRows, type Transferable } from '../transfer.js';
import { sqliteExport } from './sqlite-transfer.js';
import { ok, err, type Result } from '../../shared/result.js';
import type { SqliteDb } from './open.js';

interface Row {
  kind: string;
  scope: string;
  id: string;
  doc: string;
  version: number;
  created_at: number;
  updated_at: number;
}

/** ResourceStore on one SQLite table; every call is a single synchronous statement wrapped in a promise. */
export class SqliteResourceStore implements ResourceStore, Transferable {
  readonly transferName = 'resources';
  private readonly stmts;

  constructor(private readonly db: SqliteDb) {
    db.exec(`CREATE TABLE IF NOT EXISTS resources (
      kind TEXT NOT NULL, scope TEXT NOT NULL, id TEXT NOT NULL,
      doc TEXT NOT NULL, version INTEGER NOT NULL, unique_key TEXT,
      created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL,
      PRIMARY KEY (kind, scope, id));
      CREATE UNIQUE INDEX IF NOT EXISTS resources_unique ON resources(kind, scope, unique_key) WHERE unique_key IS NOT NULL;`);
    this.stmts = {
      get: db.prepare<[string, string, string], Row>('SELECT * FROM resources WHERE kind=? AND scope=? AND id=?'),
      getByKey: db.prepare<[string, string, string], Row>('SELECT * FROM resources WHERE kind=? AND scope=? AND unique_key=?'),
      list: db.prepare<[string, string, string, number], Row>(
        'SELECT * FROM resources WHERE kind=? AND scope=? AND id > ? ORDER BY id LIMIT ?',
      ),
      insert: db.prepare(
        'INSERT INTO resources(kind,scope,id,doc,version,unique_key,created_at,updated_at) VALUES (?,?,?,?,1,?,?,?)',
      ),
      update: db.prepare(
        'UPDATE resources SET doc=?, version=version+1, unique_key=?, updated_at=? WHERE kind=? AND scope=? AND id=? AND version=?',
      ),
      del: db.prepare('DELETE FROM resources WHERE kind=? AND scope=? AND id=?'),
      restore: db.prepare(
        `INSERT INTO resources(kind,scope,id,doc,version,unique_key,created_at,updated_at) VALUES (?,?,?,?,?,?,?,?)
         ON CONFLICT(kind,scope,id) DO UPDATE SET doc=excluded.doc, version=excluded.version, unique_key=excluded.unique_key,
           created_at=excluded.created_at, updated_at=excluded.updated_at`,
      ),
    };
  }

  private static toResource<T>(r: Row): StoredResource<T> {
    return {
      kind: r.kind,
      scope: r.scope,
      id: r.id,
      doc: JSON.parse(r.doc) as T,
      version: r.version,
      createdAt: r.created_at,
      updatedAt: r.updated_at,
    };
  }

  async get<T>(kind: string, scope: string, id: string): Promise<StoredResource<T> | undefined> {
    const r = this.stmts.get.get(kind, scope, id);
    return r ? SqliteResourceStore.toResource<T>(r) : undefined;
  }

  async getByUniqueKey<T>(kind: string, scope: string, uniqueKey: string): Promise<StoredResource<T> | undefined> {
    const r = this.stmts.getByKey.get(kind, scope, uniqueKey);
    return r ? SqliteResourceStore.toResource<T>(r) : undefined;
  }

  async list<T>(kind: string, scope: string, opts: ListOptions = {}): Promise<StoredResource<T>[]> {
    return this.stmts.list
      .all(kind, scope, opts.after ?? '', opts.limit ?? 1_000_000)
      .map((r) => SqliteResourceStore.toResource<T>(r));
  }

  async put<T>(
    kind: string,
    scope: string,
    id: string,
    doc: T,
    opts: PutOptions = {},
  ): Promise<Result<StoredResource<T>, PutError>> {
    const now = Date.now();
    const json = JSON.stringify(doc);
    const key = opts.uniqueKey ?? null;
    const run = this.db.transaction((): Result<StoredResource<T>, PutError> => {
      const cur = this.stmts.get.get(kind, scope, id);
      if (opts.expectedVersion !== undefined && (cur?.version ?? 0) !== opts.expectedVersion) return err('version-conflict');
      if (key !== null) {
        const holder = this.stmts.getByKey.get(kind, scope, key);
        if (holder && holder.id !== id) return err('unique-conflict');
      }
      if (!cur) {
        this.stmts.insert.run(kind, scope, id, json, key, now, now);
        return ok({ kind, scope, id, doc, version: 1, createdAt: now, updatedAt: now });
      }
      this.stmts.update.run(json, key, now, kind, scope, id, cur.version);
      return ok({ kind, scope, id, doc, version: cur.version + 1, createdAt: cur.created_at, updatedAt: now });
    });
    // IMMEDIATE: three threads write this file (API, processor, segmentation). A deferred transaction that has read
    // cannot take the write lock once another connection committed after its read: SQLite refuses at once
    // ("database is locked") instead of waiting. Taking the lock up front waits (busy timeout) and then reads fresh.
    return this.db.inTransaction ? run() : run.immediate();
  }

  async delete(kind: string, scope: string, id: string): Promise<boolean> {
    return this.stmts.del.run(kind, scope, id).changes > 0;
  }

  exportRows(): AsyncIterable<ResourceRow[]> {
    return sqliteExport(this.db, [
      {
        sql: 'SELECT * FROM resources ORDER BY kind, scope, id',
        map: (r: Row & { unique_key: string | null }): ResourceRow => ({ ...SqliteResourceStore.toResource(r), uniqueKey: r.unique_key }),
      },
    ]) as AsyncIterable<ResourceRow[]>;
  }

  async importRows(rows: readonly unknown[]): Promise<void> {
    const checked = checkedRows<ResourceRow>(this.transferName, rows, { '': RESOURCE_ROW });
    this.db.transaction(() => {
      for (const r of checked) this.stmts.restore.run(r.kind, r.scope, r.id, JSON.stringify(r.doc), r.version, r.uniqueKey, r.createdAt, r.updatedAt);
    }).immediate();
  }

  async close(): Promise<void> {
    /* the db handle is owned by whoever opened it */
  }
}

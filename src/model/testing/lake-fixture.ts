import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { DuckDbSession } from '../sql-session.js';

/** An in-memory DuckDB with one lake-shaped table (`s_test.events`, the Lake's columns) for the model's tests. */
export interface LakeFixture {
  db: DuckDBInstance;
  conn: DuckDBConnection;
  session: DuckDbSession;
  table: string;
  add(rows: Array<{ id?: string; ts: number | null; record: Record<string, unknown>; ingestedAt?: number }>): Promise<void>;
  close(): void;
}

/** `schema`: the DuckDB schema of the table (a sandbox's is `Lake.schemaOf(sandboxId)`). */
export async function lakeFixture(schema = 's_test'): Promise<LakeFixture> {
  const db = await DuckDBInstance.create(':memory:');
  const conn = await db.connect();
  await conn.run(`CREATE SCHEMA ${schema}`);
  await conn.run(`CREATE TABLE ${schema}.events (_id VARCHAR, "timestamp" TIMESTAMPTZ, _kith_batch_id VARCHAR, _kith_offset BIGINT, _kith_ingested_at TIMESTAMPTZ, record JSON)`);
  let n = 0;
  return {
    db,
    conn,
    session: new DuckDbSession(conn),
    table: `${schema}.events`,
    async add(rows) {
      for (let i = 0; i < rows.length; i += 500) {
        const part = rows.slice(i, i + 500);
        const values = part.map((r) => {
          const id = r.id ?? `e${++n}`;
          const ts = r.ts === null ? 'NULL' : `make_timestamptz(${Math.trunc(r.ts)}::BIGINT * 1000)`;
          const json = JSON.stringify({ _id: id, ...r.record }).replace(/'/g, "''");
          return `('${id}', ${ts}, 'b', 0, make_timestamptz(${Math.trunc(r.ingestedAt ?? 0)}::BIGINT * 1000), '${json}')`;
        });
        await conn.run(`INSERT INTO ${schema}.events VALUES ${values.join(', ')}`);
      }
    },
    close() {
      conn.closeSync();
      db.closeSync();
    },
  };
}

/** An ExperienceEvent record of a person (Email namespace). */
export function event(email: string, eventType: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { eventType, identityMap: { Email: [{ id: email, primary: true }] }, ...extra };
}

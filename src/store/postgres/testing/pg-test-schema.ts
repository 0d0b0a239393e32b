import { after } from 'node:test';
import pg from 'pg';
import { pgTestUrl } from '../pg-test-url.js';

/**
 * A pool on the tests' PostgreSQL and a schema name of this run for a PostgreSQL adapter's contract suite: the
 * schema is created by `create()` and dropped with the pool when the test file ends.
 */
export function pgTestSchema(prefix: string): { pool: pg.Pool; schema: string; create(): Promise<void> } {
  const pool = new pg.Pool({ connectionString: pgTestUrl(), max: 2 });
  const schema = `t_${prefix}_${process.pid}_${Date.now().toString(36)}`;
  after(async () => {
    await pool.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await pool.end();
  });
  return { pool, schema, create: async () => void (await pool.query(`CREATE SCHEMA ${schema}`)) };
}

/**
 * For contract suites that open a fresh store per case: `fresh()` creates a new schema of this run (tables come
 * from the adapter's migrations), `drop()` removes one; what is left is dropped when the test file ends.
 */
export function pgFreshSchemas(prefix: string): { pool: pg.Pool; fresh(): Promise<string>; drop(schema: string): Promise<void> } {
  const pool = new pg.Pool({ connectionString: pgTestUrl(), max: 4 });
  const made = new Set<string>();
  let n = 0;
  after(async () => {
    for (const s of made) await pool.query(`DROP SCHEMA IF EXISTS ${s} CASCADE`);
    await pool.end();
  });
  return {
    pool,
    async fresh() {
      const schema = `t_${prefix}_${process.pid}_${Date.now().toString(36)}_${++n}`;
      await pool.query(`CREATE SCHEMA ${schema}`);
      made.add(schema);
      return schema;
    },
    async drop(schema) {
      await pool.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      made.delete(schema);
    },
  };
}
